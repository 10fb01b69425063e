"""Read models: the services and counters lists and the hall snapshot."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func
from sqlmodel import select

from contracts.api import CounterOut, ServiceOut, TicketState, VisitOut
from contracts.events import HallInfo, RecentCall, Snapshot
from server.db.database import Sql
from server.db.models import Counter, Event, HallState, Ticket, User, Visit
from server.engine.hours import current_session, next_opening
from server.engine.states import QUEUED
from server.queue.context import Tx, day_start
from server.queue.counters import brief, counter_state, load_counter
from server.queue.lookups import counter_cfg
from server.queue.tickets import estimate_wait

RECENT_CALLS = 10


def waiting_counts(tx: Tx) -> dict[str, tuple[int, datetime | None]]:
    rows = tx.s.exec(
        select(Ticket.service, func.count(), func.min(Ticket.queued_at))
        .where(Ticket.day == tx.today, Ticket.state.in_([s.value for s in QUEUED]))
        .group_by(Ticket.service)
    ).all()
    out = {}
    for service, n, oldest in rows:
        if isinstance(oldest, str):  # SQLite aggregates lose the column type
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            from datetime import UTC

            oldest = oldest.replace(tzinfo=UTC)
        out[service] = (int(n), oldest)
    return out


def services(tx: Tx) -> list[ServiceOut]:
    counts = waiting_counts(tx)
    open_now = current_session(tx.cfg.hours, tx.now, tx.cfg.zone) is not None
    out = []
    for svc in tx.cfg.services:
        n, oldest = counts.get(svc.code, (0, None))
        out.append(ServiceOut(
            code=svc.code, name=svc.name, name_en=svc.name_en, prefix=svc.prefix, waiting=n,
            estimated_wait_s=estimate_wait(tx, svc.code, n),
            longest_wait_s=int((tx.now - oldest).total_seconds()) if oldest else 0,
            counters=[c.number for c in tx.cfg.counters_for(svc.code)], open=open_now,
            result=svc.code == tx.cfg.dossier.result_service,
        ))
    return out


def counters(tx: Tx) -> list[CounterOut]:
    rows = {c.number: c for c in tx.s.exec(select(Counter)).all()}
    visit_ids = [c.current_visit_id for c in rows.values() if c.current_visit_id]
    visits = {v.id: v for v in tx.s.exec(select(Visit).where(Visit.id.in_(visit_ids)))} \
        if visit_ids else {}
    tickets = {t.id: t for t in tx.s.exec(select(Ticket).where(
        Ticket.id.in_([v.ticket_id for v in visits.values()])))} if visits else {}
    officer_ids = [c.officer_id for c in rows.values() if c.officer_id]
    officers = {u.id: u.username for u in tx.s.exec(select(User).where(
        User.id.in_(officer_ids)))} if officer_ids else {}
    out = []
    for cfg in tx.cfg.counters:
        row = rows.get(cfg.number) or Counter(number=cfg.number, label=cfg.label, name=cfg.name)
        v = visits.get(row.current_visit_id) if row.current_visit_id else None
        if v is not None and v.status not in ("called", "serving"):
            v = None
        t = tickets.get(v.ticket_id) if v else None
        state = counter_state(row, v)
        since = (v.started_at or v.called_at) if v else (row.paused_at if row.paused else None)
        out.append(CounterOut(
            number=cfg.number, label=cfg.label, name=cfg.name, services=list(cfg.services),
            state=state, ticket=brief(t) if t else None, visit_id=v.id if v else None,
            since=since, pause_reason=row.pause_reason if row.paused else None,
            officer=officers.get(row.officer_id) if row.officer_id else None,
        ))
    return out


_OFFICER = Sql("SELECT username FROM user_account WHERE id = :id")


def counter_out(tx: Tx, number: int) -> CounterOut:
    """One counter as `counters` shows it, read with plain SQL in a writing transaction: the
    answer of pause and resume, the counter as the action left it (no second transaction,
    no read of all the counters)."""
    cfg = counter_cfg(tx, number)
    row, v, t = load_counter(tx, number)
    since = (v.started_at or v.called_at) if v else (row.paused_at if row.paused else None)
    officer = _OFFICER.scalar(tx.s, {"id": row.officer_id}) if row.officer_id else None
    return CounterOut(
        number=cfg.number, label=cfg.label, name=cfg.name, services=list(cfg.services),
        state=counter_state(row, v), ticket=brief(t) if t else None,
        visit_id=v.id if v else None, since=since,
        pause_reason=row.pause_reason if row.paused else None, officer=officer,
    )


def current_visit_out(tx: Tx, number: int) -> VisitOut | None:
    row = tx.s.get(Counter, number)
    if row is None or row.current_visit_id is None:
        return None
    v = tx.s.get(Visit, row.current_visit_id)
    if v is None or v.status not in ("called", "serving"):
        return None
    return visit_out(v, tx.s.get(Ticket, v.ticket_id))


def visit_out(v: Visit, t: Ticket) -> VisitOut:
    return VisitOut(visit_id=v.id, counter=v.counter, ticket=brief(t), called_at=v.called_at,
                    started_at=v.started_at, finished_at=v.finished_at, recalls=v.recalls)


def recent_calls(tx: Tx) -> list[RecentCall]:
    """Today's latest calls, newest first. Both bounds keep the read on today's events
    whichever index the planner takes: the first sequence number of today (one probe of
    `ix_event_at`) bounds a walk back along the log, and `at` bounds `ix_event_type_at`.
    Without them, a morning with fewer calls than the board shows read back into history."""
    since = day_start(tx)
    first = tx.s.exec(select(Event.seq).where(Event.at >= since)
                      .order_by(Event.at, Event.seq).limit(1)).first()
    if first is None:
        return []
    rows = tx.s.exec(select(Event).where(Event.seq >= first, Event.at >= since,
                                         Event.type.in_(["called", "recalled"]))
                     .order_by(Event.seq.desc()).limit(RECENT_CALLS)).all()
    out = []
    for e in rows:
        p = json.loads(e.payload)
        out.append(RecentCall(number=p["number"], counter=p["counter"],
                              counter_label=p.get("counter_label", str(p["counter"])),
                              service=p.get("service", ""), at=e.at))
    return out


def last_seq(tx: Tx) -> int:
    state = tx.s.get(HallState, tx.cfg.hall.code)
    return state.seq if state else 0


def snapshot(tx: Tx, devices: list | None = None, notices: list[str] | None = None) -> Snapshot:
    opens = None
    open_now = current_session(tx.cfg.hours, tx.now, tx.cfg.zone) is not None
    if not open_now:
        opens = next_opening(tx.cfg.hours, tx.now, tx.cfg.zone)
    h = tx.cfg.hall
    return Snapshot(
        seq=last_seq(tx),
        hall=HallInfo(code=h.code, name=h.name, name_en=h.name_en, timezone=h.timezone),
        now=tx.now, open=open_now, opens_at=opens, services=services(tx),
        counters=counters(tx), recent_calls=recent_calls(tx),
        notices=list(notices if notices is not None else h.notices),
        devices=list(devices or []),
        rating_levels=[lv.model_dump() for lv in tx.cfg.rating.levels],
        priority_groups=[{"code": g.code, "name": g.name, "name_en": g.name_en}
                         for g in tx.cfg.priority_groups],
    )


def ticket_public(tx: Tx, ticket_id: int) -> dict | None:
    """What the QR page shows: the ticket's state and how many are ahead; nothing personal."""
    t = tx.s.get(Ticket, ticket_id)
    if t is None:
        return None
    from server.queue.tickets import waiting_ahead

    ahead = waiting_ahead(tx, t) if t.state in {s.value for s in QUEUED} else 0
    counter = None
    if t.state in (TicketState.called.value, TicketState.serving.value):
        v = tx.s.exec(select(Visit).where(Visit.ticket_id == t.id)
                      .order_by(Visit.id.desc()).limit(1)).first()
        counter = tx.cfg.counter(v.counter).label if v else None
    return {"number": t.number, "service": t.service, "state": t.state, "ahead": ahead,
            "counter": counter, "estimated_wait_s": estimate_wait(tx, t.service, ahead)
            if t.state in {s.value for s in QUEUED} else 0}
