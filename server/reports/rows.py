"""Reading what a report needs from the stored rows and the event log, fast.

A year of a large centre is about 365,000 tickets and as many visits. Each is read once, as a
plain DBAPI tuple of only the columns the report uses (`Sql`: no statement objects, no result
processing, no ORM objects), and the database does the per-row arithmetic it can do exactly:
timestamps become epoch seconds, the two ends of a wait or of a service are subtracted, the
quarter hour of a time is taken, and a visit's first call, dossier kind and due date are found
with the indexes. Python then only counts and sorts.

Tickets are chosen by their `day` (the hall's local date); visits and ratings follow their
ticket, so every figure of a report is about the same set of citizens.

The numbers are bit for bit those the reports always gave (the identity test in
tests/manage proves it): the epoch expressions are the ones used before (SQLite: the whole
seconds from its date functions plus the fraction read from the text; PostgreSQL: EXTRACT,
cast to a double), and a subtraction of two doubles is the same IEEE operation in SQLite,
PostgreSQL and Python. Rounding stays in Python (`round`), whose rules SQLite's `round()`
does not share. One quirk is kept with them: SQLite's date functions count milliseconds, so a
stored fraction of .9995 s or more rounds the whole seconds up and that time reads one second
late on SQLite (not on PostgreSQL); `unixepoch(substr(col, 1, 19))` would read it right.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server.db.database import Sql

QUARTER_S = 900  # every real zone offset is a whole number of quarter hours


class Dialect(NamedTuple):
    """The SQL that differs between SQLite and PostgreSQL."""

    name: str
    unixepoch: bool = False  # SQLite ≥ 3.38: unixepoch(), as strftime('%s') but cheaper

    def seconds(self, col: str) -> str:
        """Whole epoch seconds of a timestamp (an integer, rounded down; NULL stays NULL)."""
        if self.name == "sqlite":
            if self.unixepoch:
                return f"unixepoch({col})"
            return f"CAST(strftime('%s', {col}) AS INTEGER)"
        return f"CAST(floor(EXTRACT(epoch FROM {col})) AS BIGINT)"

    def epoch(self, col: str) -> str:
        """Epoch seconds as a double (the whole seconds plus the stored fraction)."""
        if self.name == "sqlite":
            return f"({self.seconds(col)} + CAST(substr({col}, 20) AS REAL))"
        return f"CAST(EXTRACT(epoch FROM {col}) AS FLOAT)"

    def quarter(self, col: str) -> str:
        """The quarter hour since the epoch (`floor(epoch / 900)`) a timestamp falls in."""
        return f"({self.seconds(col)} / {QUARTER_S})"

    @staticmethod
    def text(col: str) -> str:
        """A DATE column as `YYYY-MM-DD` text on both databases."""
        return f"CAST({col} AS VARCHAR)"


def dialect_of(s: Session) -> Dialect:
    """The session's database, with what its version offers."""
    name = s.get_bind().dialect.name
    if name == "sqlite":
        return Dialect(name, unixepoch=sqlite3.sqlite_version_info >= (3, 38, 0))
    return Dialect(name)


# -- the period's tickets ------------------------------------------------------------------
class TicketRow(NamedTuple):
    """A ticket as the reports see it; rows come as plain tuples in this column order."""

    service: str  # the service that numbered it (the citizen's choice at the kiosk)
    day: str  # YYYY-MM-DD, the hall's local date
    state: str
    transferred: bool | int
    issued_q: int  # quarter hour of issue since the epoch (`issued // 900`)
    wait: float | None  # first call − issue, in seconds (unrounded); None if never called
    counter: int | None  # of that first call
    officer_id: int | None


@cache
def tickets_sql(d: Dialect) -> str:
    """The period's tickets (a range on `day`), each with its first call: the visit with the
    lowest id, the first entry of `ix_visit_ticket` (ticket_id, id). PostgreSQL takes it
    ticket by ticket only when asked with LATERAL; as a scalar subquery it would run it twice
    per ticket in a hash join."""
    if d.name == "sqlite":
        first = ("LEFT JOIN visit v ON v.id = "
                 "(SELECT min(f.id) FROM visit f WHERE f.ticket_id = t.id) ")
    else:
        first = ("LEFT JOIN LATERAL (SELECT f.called_at, f.counter, f.officer_id FROM visit f "
                 "WHERE f.ticket_id = t.id ORDER BY f.id LIMIT 1) v ON true ")
    return (f"SELECT t.service_seq_key, {d.text('t.day')}, t.state, t.transferred, "
            f"{d.quarter('t.issued_at')}, {d.epoch('v.called_at')} - {d.epoch('t.issued_at')}, "
            f"v.counter, v.officer_id FROM ticket t {first}"
            "WHERE t.day >= :start AND t.day <= :end")


def begin(s: Session) -> None:
    """Set up the report's read transaction. PostgreSQL would compile the big queries of a
    long period to machine code (JIT) first, which costs more than it saves here (~0.5 s
    per query); `SET LOCAL` ends with the transaction."""
    dialect = s.get_bind().dialect
    if dialect.name == "postgresql" and (dialect.server_version_info or (0,)) >= (11,):
        Sql("SET LOCAL jit = off").run(s)


def tickets(s: Session, start: date, end: date) -> list[tuple]:
    """Rows in `TicketRow` order (plain tuples)."""
    return Sql(tickets_sql(dialect_of(s))).run(s, {"start": start, "end": end}).fetchall()


# -- their visits --------------------------------------------------------------------------
class VisitRow(NamedTuple):
    """A visit of one of the period's tickets, with its rating; rows come as plain tuples in
    this column order. `duration`, `finished_q` and `kind` are set only for a finished visit
    (status `finished` with a finish time); the last three only for a returned dossier."""

    id: int
    counter: int
    officer_id: int | None
    service: str  # where the work was done
    status: str
    duration: float | None  # finish − start (the call when never started), unrounded
    finished_q: int | None  # quarter hour of the finish since the epoch
    score: int | None
    reason: str | None
    day: str  # the ticket's day
    kind: str | None  # dossier `received` / `returned` (see _kind_sql), else None
    dossier_code: str | None
    due_date: str | None  # its own, else the latest recorded before it for that code
    finished: float | None  # epoch seconds


def _kind_sql(with_result_service: bool) -> str:
    """A finished visit's dossier: its outcome `received` or `returned`; with no outcome, a
    dossier code counts as returned at the hall's result service (`:result`) and received
    elsewhere."""
    no_outcome = ("CASE WHEN v.service = :result THEN 'returned' ELSE 'received' END"
                  if with_result_service else "'received'")
    return ("CASE WHEN v.status = 'finished' AND v.finished_at IS NOT NULL THEN "
            "CASE WHEN v.outcome IN ('received', 'returned') THEN v.outcome "
            f"WHEN v.outcome IS NULL AND v.dossier_code <> '' THEN {no_outcome} END END")


@cache
def visits_sql(d: Dialect, with_result_service: bool) -> str:
    """Visits of the period's tickets (`ix_visit_ticket`) with their rating
    (`uq_rating_visit`); for a return with no due date of its own, the latest one recorded
    before it with that dossier code (`ix_visit_dossier`)."""
    done = "v.status = 'finished' AND v.finished_at IS NOT NULL"
    kind = _kind_sql(with_result_service)
    returned = f"({kind}) = 'returned'"
    earlier = (f"(SELECT {d.text('p.due_date')} FROM visit p WHERE p.dossier_code = "
               "v.dossier_code AND p.due_date IS NOT NULL AND p.id < v.id "
               "ORDER BY p.id DESC LIMIT 1)")
    return (f"SELECT v.id, v.counter, v.officer_id, v.service, v.status, "
            f"CASE WHEN {done} THEN {d.epoch('v.finished_at')} - "
            f"{d.epoch('coalesce(v.started_at, v.called_at)')} END, "
            f"CASE WHEN {done} THEN {d.quarter('v.finished_at')} END, "
            f"r.score, r.reason, {d.text('t.day')}, {kind}, "
            f"CASE WHEN {returned} THEN v.dossier_code END, "
            f"CASE WHEN {returned} THEN coalesce({d.text('v.due_date')}, "
            f"CASE WHEN v.dossier_code <> '' THEN {earlier} END) END, "
            f"CASE WHEN {returned} THEN {d.epoch('v.finished_at')} END "
            "FROM ticket t JOIN visit v ON v.ticket_id = t.id "
            "LEFT JOIN rating r ON r.visit_id = v.id "
            "WHERE t.day >= :start AND t.day <= :end")


def visits(s: Session, start: date, end: date, result_service: str | None) -> list[tuple]:
    """Rows in `VisitRow` order (plain tuples), in no particular order."""
    params: dict = {"start": start, "end": end}
    if result_service is not None:
        params["result"] = result_service
    sql = visits_sql(dialect_of(s), result_service is not None)
    return Sql(sql).run(s, params).fetchall()


_OFFICERS = Sql("SELECT id, username, full_name FROM user_account")


def officers(s: Session) -> dict[int, tuple[str, str]]:
    """user id → (username, full name)."""
    return {i: (u, f or "") for i, u, f in _OFFICERS.run(s).fetchall()}


# -- pauses, from the event log ------------------------------------------------------------
_PAUSE_TYPES = ("counter_paused", "counter_resumed")
_PAUSES_BEFORE = Sql("SELECT type, payload, seq FROM event WHERE type = :type AND at < :t0 "
                     "ORDER BY at DESC LIMIT :n")


@cache
def pauses_sql(d: Dialect) -> str:
    return (f"SELECT type, {d.epoch('at')}, payload FROM event "
            "WHERE type IN ('counter_paused', 'counter_resumed') AND at >= :t0 AND at < :t1 "
            "ORDER BY seq")


def pauses(s: Session, start: date, end: date, zone: ZoneInfo, counters: int,
           now: datetime) -> dict[int, list[tuple[float, float]]]:
    """Each counter's paused intervals (epoch seconds) overlapping the period, from the
    event log (`ix_event_type_at`): a pause runs from `counter_paused` to the next
    `counter_resumed` (or to now). Only the latest 50 pause events per counter before the
    period are looked at to find a pause still running when it starts."""
    t0 = datetime.combine(start, time.min, zone).astimezone(UTC)
    t1 = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    before: dict[int, tuple[int, str]] = {}
    for type_ in _PAUSE_TYPES:
        rows = _PAUSES_BEFORE.run(s, {"type": type_, "t0": t0,
                                      "n": 50 * max(counters, 1)}).fetchall()
        for typ, payload, seq in rows:
            counter = json.loads(payload).get("counter")
            if counter is not None and (counter not in before or before[counter][0] < seq):
                before[counter] = (seq, typ)
    open_: dict[int, float] = {c: t0.timestamp() for c, (_, typ) in before.items()
                               if typ == "counter_paused"}
    out: dict[int, list[tuple[float, float]]] = {}
    rows = Sql(pauses_sql(dialect_of(s))).run(s, {"t0": t0, "t1": t1}).fetchall()
    for typ, when, payload in rows:
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
