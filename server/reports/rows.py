"""Reading what a report needs from the stored rows and the event log, fast.

A year of a large centre is about 365,000 tickets and as many visits, so rows are read as
plain tuples through Core (no ORM objects), and the database turns timestamps into epoch
seconds itself: converting a million timestamps in Python would cost more than the queries.
Tickets are chosen by their `day` (the hall's local date); visits and ratings follow their
ticket, so every figure of a report is about the same set of citizens.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, String, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from server.db.models import Event, Rating, Ticket, User, Visit

_CHUNK = 500


def _epoch(s: Session, col: Any) -> Any:
    """SQL for a stored UTC timestamp as epoch seconds (a float, NULL stays NULL).

    SQLite keeps `YYYY-MM-DD HH:MM:SS.ffffff` text: whole seconds from strftime plus the
    fraction read from the text, exact to the microsecond (julianday would round)."""
    if s.get_bind().dialect.name == "sqlite":
        raw = type_coerce(col, String)
        return (cast(func.strftime("%s", raw), Integer)
                + cast(func.substr(raw, 20), Float))
    return cast(func.extract("epoch", col), Float)


def _date_text(col: Any) -> Any:
    """A DATE column as `YYYY-MM-DD` text on both databases."""
    return cast(col, String)


def _all(s: Session, q: Any) -> list[Any]:
    """Core execution on the session's connection: plain rows, fetched in one go."""
    return s.connection().execute(q).all()


class TicketRow(Protocol):
    """A ticket as the reports see it (a database row, read by attribute)."""

    id: int
    day: str  # YYYY-MM-DD, the hall's local date
    service: str  # the service that numbered it (the citizen's choice at the kiosk)
    state: str
    transferred: bool
    issued: float  # epoch seconds


class VisitRow(Protocol):
    id: int
    ticket_id: int
    counter: int
    officer_id: int | None
    service: str  # where the work was done
    status: str
    called: float
    started: float | None
    finished: float | None
    dossier_code: str | None
    outcome: str | None
    due_date: str | None  # YYYY-MM-DD
    score: int | None
    reason: str | None


def tickets_query(s: Session, start: date, end: date) -> Any:
    """The period's tickets (a range on `day`: ix_ticket_day_number or ix_ticket_target)."""
    return (select(Ticket.id, _date_text(Ticket.day).label("day"),
                   Ticket.service_seq_key.label("service"), Ticket.state, Ticket.transferred,
                   _epoch(s, Ticket.issued_at).label("issued"))
            .where(Ticket.day >= start, Ticket.day <= end))


def tickets(s: Session, start: date, end: date) -> list[TicketRow]:
    return _all(s, tickets_query(s, start, end))


def visits_query(s: Session, start: date, end: date) -> Any:
    """Visits of the period's tickets with their rating (uses ix_visit_ticket, uq_rating_visit)."""
    return (select(Visit.id, Visit.ticket_id, Visit.counter, Visit.officer_id, Visit.service,
                   Visit.status, _epoch(s, Visit.called_at).label("called"),
                   _epoch(s, Visit.started_at).label("started"),
                   _epoch(s, Visit.finished_at).label("finished"), Visit.dossier_code,
                   Visit.outcome, _date_text(Visit.due_date).label("due_date"), Rating.score,
                   Rating.reason)
            .join(Ticket, Ticket.id == Visit.ticket_id)
            .outerjoin(Rating, Rating.visit_id == Visit.id)
            .where(Ticket.day >= start, Ticket.day <= end)
            .order_by(Visit.id))


def visits(s: Session, start: date, end: date) -> list[VisitRow]:
    return _all(s, visits_query(s, start, end))


def officers(s: Session) -> dict[int, tuple[str, str]]:
    """user id → (username, full name)."""
    return {i: (u, f or "") for i, u, f in
            _all(s, select(User.id, User.username, User.full_name))}


def due_dates(s: Session, codes: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
    """For each dossier code, the visits that recorded a due date: [(visit id, date)], in
    visit order. A return takes the latest one recorded before it."""
    codes = sorted(set(codes))
    out: dict[str, list[tuple[int, str]]] = {}
    for i in range(0, len(codes), _CHUNK):
        chunk = codes[i:i + _CHUNK]
        q = (select(Visit.dossier_code, Visit.id, _date_text(Visit.due_date))
             .where(Visit.dossier_code.in_(chunk), Visit.due_date.is_not(None))
             .order_by(Visit.id))
        for code, vid, due in _all(s, q):
            out.setdefault(code, []).append((vid, due))
    return out


_PAUSE_TYPES = ("counter_paused", "counter_resumed")


def pauses(s: Session, start: date, end: date, zone: ZoneInfo, counters: int,
           now: datetime) -> dict[int, list[tuple[float, float]]]:
    """Each counter's paused intervals (epoch seconds) overlapping the period, from the
    event log: a pause runs from `counter_paused` to the next `counter_resumed` (or to now).
    Only the latest 50 pause events per counter before the period are looked at to find a
    pause still running when it starts."""
    t0 = datetime.combine(start, time.min, zone).astimezone(UTC)
    t1 = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    before: dict[int, tuple[int, str]] = {}
    for type_ in _PAUSE_TYPES:
        q = (select(Event.type, Event.payload, Event.seq)
             .where(Event.type == type_, Event.at < t0)
             .order_by(Event.at.desc()).limit(50 * max(counters, 1)))
        for typ, payload, seq in _all(s, q):
            counter = json.loads(payload).get("counter")
            if counter is not None and (counter not in before or before[counter][0] < seq):
                before[counter] = (seq, typ)
    open_: dict[int, float] = {c: t0.timestamp() for c, (_, typ) in before.items()
                               if typ == "counter_paused"}
    out: dict[int, list[tuple[float, float]]] = {}
    q = (select(Event.type, _epoch(s, Event.at), Event.payload)
         .where(Event.type.in_(_PAUSE_TYPES), Event.at >= t0, Event.at < t1)
         .order_by(Event.seq))
    for typ, when, payload in _all(s, q):
        counter = json.loads(payload).get("counter")
        if counter is None:
            continue
        if typ == "counter_paused":
            open_.setdefault(counter, when)
        elif counter in open_:
            out.setdefault(counter, []).append((open_.pop(counter), when))
    until = min(t1, now).timestamp()
    for counter, since in open_.items():
        if since < until:
            out.setdefault(counter, []).append((since, until))
    return out
