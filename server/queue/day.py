"""The hall's day: opening, and at closing every ticket left gets its final state (expired).

`housekeeping` is idempotent and catches up: run every minute by the scheduler, once at start
and after every move of a fake clock, it also closes days the server slept through. Most runs
change nothing, so it reads with plain SQL (`Sql`) and writes only what changes.
"""

from __future__ import annotations

from datetime import date

from contracts.api import TicketState
from server.db.database import Sql, sql_only
from server.db.models import OPEN_STATE, Counter, HallState, Ticket, Visit
from server.engine.hours import closing_of_day, current_session
from server.engine.states import AT_COUNTER, FINAL
from server.queue.context import Tx
from server.queue.lookups import mirror, update

_FINAL = "('served', 'no_show', 'cancelled', 'expired')"
_AT_COUNTER = "('called', 'serving')"
assert {s.value for s in FINAL} == {"served", "no_show", "cancelled", "expired"}
assert {s.value for s in AT_COUNTER} == {"called", "serving"}

_STATE = Sql("SELECT day, day_open FROM hall_state WHERE hall = :h")
# Tickets not in a final state from before `:d` (`_OPEN_UNTIL`: up to and including `:d`).
# `OPEN_STATE` is the condition of the partial index `ix_ticket_open` word for word, so these
# read that index, which holds only the tickets still open (today's), not all history.
assert f"state NOT IN {_FINAL}" == OPEN_STATE
_OPEN_BEFORE = f"{OPEN_STATE} AND day < :d"
_OPEN_UNTIL = f"{OPEN_STATE} AND day <= :d"


class _Expiry:
    """The statements that expire the tickets matching one of the two conditions."""

    def __init__(self, cond: str) -> None:
        self.days = Sql(f"SELECT day, count(*) FROM ticket WHERE {cond} GROUP BY day")
        self.ticket_ids = Sql(f"SELECT id FROM ticket WHERE {cond}")
        self.visit_ids = Sql(f"SELECT id FROM visit WHERE status IN {_AT_COUNTER} AND "
                             f"ticket_id IN (SELECT id FROM ticket WHERE {cond})")
        self.visits = Sql(f"UPDATE visit SET status = 'expired', finished_at = :now WHERE "
                          f"status IN {_AT_COUNTER} AND ticket_id IN "
                          f"(SELECT id FROM ticket WHERE {cond})")
        self.tickets = Sql(f"UPDATE ticket SET state = 'expired', closed_at = :now "
                           f"WHERE {cond}")


_BEFORE, _UNTIL = _Expiry(_OPEN_BEFORE), _Expiry(_OPEN_UNTIL)
# Counters whose current visit is gone or no longer at the counter.
_STALE_COUNTERS = Sql(f"SELECT c.number FROM counter c LEFT JOIN visit v ON "
                      f"v.id = c.current_visit_id AND v.status IN {_AT_COUNTER} "
                      "WHERE c.current_visit_id IS NOT NULL AND v.id IS NULL")


def expire(tx: Tx, day: date, *, inclusive: bool) -> tuple[list[str], int]:
    """Expire every ticket not in a final state from before `day` (and of `day` itself if
    `inclusive`), with their visits still at a counter, and free those counters. Returns
    the days concerned (ISO dates, sorted) and the number of tickets expired."""
    q = _UNTIL if inclusive else _BEFORE
    p = {"d": day}
    per_day = q.days.run(tx.s, p).fetchall()
    if not per_day:
        return [], 0
    held = tx.s.identity_map  # ORM objects an earlier job of this transaction loaded
    ticket_ids = {i for (i,) in q.ticket_ids.run(tx.s, p).fetchall()} if held else set()
    visit_ids = {i for (i,) in q.visit_ids.run(tx.s, p).fetchall()} if held else set()
    q.visits.run(tx.s, {**p, "now": tx.now})
    q.tickets.run(tx.s, {**p, "now": tx.now})
    if held:
        for model, pk, *_ in list(held.keys()):
            if model is Ticket and pk[0] in ticket_ids:
                mirror(tx.s, Ticket, pk[0], {"state": TicketState.expired.value,
                                             "closed_at": tx.now})
            elif model is Visit and pk[0] in visit_ids:
                mirror(tx.s, Visit, pk[0], {"status": "expired", "finished_at": tx.now})
    for (number,) in _STALE_COUNTERS.run(tx.s).fetchall():
        update(tx, Counter, number, current_visit_id=None)
    days = sorted(Sql.day(d).isoformat() for d, _ in per_day)
    return days, sum(int(n) for _, n in per_day)


@sql_only
def housekeeping(tx: Tx) -> None:
    code = tx.cfg.hall.code
    state_day, day_open = _STATE.one(tx.s, {"h": code})
    state_day = None if state_day is None else Sql.day(state_day)
    today = tx.today
    zone = tx.cfg.zone
    closing = closing_of_day(tx.cfg.hours, today, zone)
    day_over = closing is not None and tx.now >= closing
    # Everything from earlier days, and today's too once today's last session has ended.
    days, n = expire(tx, today, inclusive=day_over)
    if n:
        tx.emit("day_closed", days=days, expired=n)
    open_now = current_session(tx.cfg.hours, tx.now, zone) is not None
    if open_now and (state_day != today or not day_open):
        update(tx, HallState, code, day=today, day_open=True)
        tx.emit("day_opened", day=today.isoformat())
    elif not open_now and day_open and (day_over or state_day != today):
        update(tx, HallState, code, day_open=False)
        if not n:
            tx.emit("day_closed", days=[(state_day or today).isoformat()], expired=0)
