"""The hall's day: opening, and at closing every ticket left gets its final state (expired).

`housekeeping` is idempotent and catches up: run every minute by the scheduler and once at
start, it also closes days the server slept through.
"""

from __future__ import annotations

from sqlmodel import select

from contracts.api import TicketState
from server.db.models import Counter, HallState, Ticket, Visit
from server.engine.hours import closing_of_day, current_session
from server.engine.states import FINAL
from server.queue.context import Tx


def _open_tickets(tx: Tx, before_day, include_day=None):
    q = select(Ticket).where(Ticket.state.not_in([s.value for s in FINAL]))
    if include_day is not None:
        q = q.where(Ticket.day <= include_day)
    else:
        q = q.where(Ticket.day < before_day)
    return list(tx.s.exec(q).all())


def expire(tx: Tx, tickets: list[Ticket]) -> int:
    ids = [t.id for t in tickets]
    for t in tickets:
        t.state = TicketState.expired.value
        t.closed_at = tx.now
    if ids:
        for v in tx.s.exec(select(Visit).where(Visit.ticket_id.in_(ids),
                                               Visit.status.in_(["called", "serving"]))):
            v.status = "expired"
            v.finished_at = tx.now
        for c in tx.s.exec(select(Counter).where(Counter.current_visit_id.is_not(None))):
            v = tx.s.get(Visit, c.current_visit_id)
            if v is None or v.status not in ("called", "serving"):
                c.current_visit_id = None
    return len(ids)


def housekeeping(tx: Tx, state: HallState) -> None:
    today = tx.today
    zone = tx.cfg.zone
    closing = closing_of_day(tx.cfg.hours, today, zone)
    day_over = closing is not None and tx.now >= closing
    # Everything from earlier days, and today's too once today's last session has ended.
    leftovers = _open_tickets(tx, today, include_day=today if day_over else None)
    if leftovers:
        days = sorted({t.day.isoformat() for t in leftovers})
        n = expire(tx, leftovers)
        tx.emit("day_closed", days=days, expired=n)
    open_now = current_session(tx.cfg.hours, tx.now, zone) is not None
    if open_now and (state.day != today or not state.day_open):
        state.day = today
        state.day_open = True
        tx.emit("day_opened", day=today.isoformat())
    elif not open_now and state.day_open and (day_over or state.day != today):
        state.day_open = False
        if not leftovers:
            tx.emit("day_closed", days=[(state.day or today).isoformat()], expired=0)
