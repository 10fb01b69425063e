"""Finding rows by what people call them, with 404s that name what was not found."""

from __future__ import annotations

from sqlmodel import select

from contracts.hall_config import Counter as CounterCfg
from contracts.hall_config import HallConfig
from contracts.hall_config import Service as ServiceCfg
from server.db.models import Counter, Ticket, Visit
from server.engine.errors import UnknownCounter, UnknownService, UnknownTicket, UnknownVisit
from server.queue.context import Tx


def service_cfg(tx: Tx, code: str) -> ServiceCfg:
    svc = tx.cfg.service(code)
    if svc is None:
        known = ", ".join(s.code for s in tx.cfg.services)
        raise UnknownService(f"Không có dịch vụ {code!r}. (Unknown service {code!r}; known: "
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
        raise UnknownTicket(f"Không có vé mã {ticket_id}. (No ticket with id {ticket_id}.)",
                            ticket_id=ticket_id)
    return t


def ticket_by_number(tx: Tx, number: str) -> Ticket:
    t = tx.s.exec(
        select(Ticket).where(Ticket.day == tx.today, Ticket.number == number)
        .order_by(Ticket.id.desc()).limit(1)
    ).first()
    if t is None:
        raise UnknownTicket(f"Hôm nay không có vé số {number}. (No ticket {number} today.)",
                            number=number)
    return t


def visit_by_id(tx: Tx, visit_id: int) -> Visit:
    v = tx.s.get(Visit, visit_id)
    if v is None:
        raise UnknownVisit(f"Không có lượt phục vụ {visit_id}. (No visit {visit_id}.)",
                           visit_id=visit_id)
    return v
