"""Finding rows by what people call them, with 404s that name what was not found."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select

from contracts.hall_config import Counter as CounterCfg
from contracts.hall_config import HallConfig
from contracts.hall_config import Service as ServiceCfg
from server.db.database import Sql
from server.db.models import Counter, HallState, Ticket, Visit
from server.engine.errors import UnknownCounter, UnknownService, UnknownTicket, UnknownVisit
from server.queue.context import Tx


def service_cfg(tx: Tx, code: str) -> ServiceCfg:
    svc = tx.cfg.service(code)
    if svc is None:
        known = ", ".join(s.code for s in tx.cfg.services)
        raise UnknownService(f"Không có lĩnh vực {code!r}. (Unknown service {code!r}; known: "
                             f"{known}.)", service=code)
    return svc


def counter_cfg(tx: Tx, number: int) -> CounterCfg:
    return counter_in(tx.cfg, number)


def counter_in(cfg: HallConfig, number: int) -> CounterCfg:
    """The counter from the hall's file (404 if it has none): no database, no transaction."""
    c = cfg.counter(number)
    if c is None:
        raise UnknownCounter(f"Không có quầy số {number}. (Unknown counter {number}; counters "
                             f"are 1–{max(x.number for x in cfg.counters)}.)", counter=number)
    return c


def counter_row(tx: Tx, number: int) -> Counter:
    counter_cfg(tx, number)
    row = tx.s.get(Counter, number)
    if row is None:  # config grew since the rows were synced
        cfg = tx.cfg.counter(number)
        row = Counter(number=number, label=cfg.label, name=cfg.name)
        tx.s.add(row)
        tx.s.flush()
    return row


def ticket_by_id(tx: Tx, ticket_id: int) -> Ticket:
    t = tx.s.get(Ticket, ticket_id)
    if t is None:
        raise UnknownTicket(f"Không có số thứ tự mã {ticket_id}. (No ticket with id {ticket_id}.)",
                            ticket_id=ticket_id)
    return t


def ticket_by_number(tx: Tx, number: str) -> Ticket:
    t = tx.s.exec(
        select(Ticket).where(Ticket.day == tx.today, Ticket.number == number)
        .order_by(Ticket.id.desc()).limit(1)
    ).first()
    if t is None:
        raise UnknownTicket(f"Hôm nay không có số thứ tự {number}. (No ticket {number} today.)",
                            number=number)
    return t


def visit_by_id(tx: Tx, visit_id: int) -> Visit:
    v = tx.s.get(Visit, visit_id)
    if v is None:
        raise unknown_visit(visit_id)
    return v


def unknown_visit(visit_id: int) -> UnknownVisit:
    return UnknownVisit(f"Không có lượt phục vụ {visit_id}. (No visit {visit_id}.)",
                        visit_id=visit_id)


# ---- Rows read and written as plain SQL (`Sql`) on the hot paths -------------------------
#
# The counter actions, ratings and housekeeping run on the single writer for every call; an
# ORM object through the session costs 50–150 µs, a plain statement about 10 µs. The rows come
# back as dataclasses whose attribute names are the models', so callers read either alike.
# Rows changed with plain SQL are mirrored into any ORM object of the same row that the
# session already holds (an earlier job of the same group commit may have loaded it), so a
# later `Session.get` in that transaction does not see stale values.


@dataclass(slots=True)
class CounterRow:
    number: int
    label: str
    name: str
    paused: bool
    pause_reason: str | None
    paused_at: datetime | None
    current_visit_id: int | None
    officer_id: int | None


@dataclass(slots=True)
class VisitRow:
    id: int
    ticket_id: int
    counter: int
    service: str
    officer_id: int | None
    status: str
    called_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    recalls: int
    dossier_code: str | None
    outcome: str | None
    due_date: date | None
    rating_until: datetime | None
    transfer_reason: str | None


@dataclass(slots=True)
class TicketRow:
    id: int
    day: date
    service: str
    number: str
    state: str
    priority: str | None
    priority_rank: int
    transferred: bool
    target_counter: int | None
    issued_at: datetime
    queued_at: datetime
    closed_at: datetime | None


COUNTER_COLS = ("number, label, name, paused, pause_reason, paused_at, current_visit_id, "
                "officer_id")
VISIT_COLS = ("id, ticket_id, counter, service, officer_id, status, called_at, started_at, "
              "finished_at, recalls, dossier_code, outcome, due_date, rating_until, "
              "transfer_reason")
TICKET_COLS = ("id, day, service, number, state, priority, priority_rank, transferred, "
               "target_counter, issued_at, queued_at, closed_at")
N_COUNTER, N_VISIT, N_TICKET = (len(cols.split(", "))
                                for cols in (COUNTER_COLS, VISIT_COLS, TICKET_COLS))


def prefixed(alias: str, cols: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in cols.split(", "))


def counter_from(r: Sequence) -> CounterRow:
    return CounterRow(r[0], r[1], r[2], bool(r[3]), r[4], Sql.utc(r[5]), r[6], r[7])


def visit_from(r: Sequence) -> VisitRow:
    return VisitRow(r[0], r[1], r[2], r[3], r[4], r[5], Sql.utc(r[6]), Sql.utc(r[7]),
                    Sql.utc(r[8]), r[9], r[10], r[11],
                    None if r[12] is None else Sql.day(r[12]), Sql.utc(r[13]), r[14])


def ticket_from(r: Sequence) -> TicketRow:
    return TicketRow(r[0], Sql.day(r[1]), r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8],
                     Sql.utc(r[9]), Sql.utc(r[10]), Sql.utc(r[11]))


_MODEL_KEYS: dict[type, str] = {Counter: "number", Visit: "id", Ticket: "id",
                                HallState: "hall"}
_UPDATES: dict[tuple, Sql] = {}


def update(tx: Tx, model: type, key: object, **values: object) -> None:
    """`UPDATE <model's table> SET <values> WHERE <primary key> = key`, as plain SQL, and the
    same values in the session's ORM object of that row if it holds one."""
    sig = (model, tuple(values))
    stmt = _UPDATES.get(sig)
    if stmt is None:
        sets = ", ".join(f"{col} = :{col}" for col in values)
        stmt = _UPDATES[sig] = Sql(f"UPDATE {model.__tablename__} SET {sets} "
                                   f"WHERE {_MODEL_KEYS[model]} = :key_")
    stmt.run(tx.s, {**values, "key_": key})
    mirror(tx.s, model, key, values)


def mirror(s: Session, model: type, key: object, values: Mapping[str, object]) -> None:
    """Give the session's ORM object of this row (if any) the values just written."""
    if not s.identity_map:
        return
    obj = s.identity_map.get(s.identity_key(model, key))
    if obj is not None:
        for col, value in values.items():
            set_committed_value(obj, col, value)
