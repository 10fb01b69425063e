"""Issuing tickets, and what happens to a ticket outside a counter (cancel, requeue, print)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import func, or_, text
from sqlmodel import select

from contracts.api import TicketOut, TicketState
from contracts.ticket_view import TicketView
from server.db.models import Counter, Ticket, Visit
from server.engine import estimate
from server.engine.errors import (
    BadDossierCode,
    BadInput,
    DossierNotFound,
    EngineError,
    ServiceFull,
)
from server.engine.hours import check_can_issue
from server.engine.selection import NO_PRIORITY
from server.engine.states import QUEUED, Move, move
from server.queue.context import Tx
from server.queue.lookups import service_cfg, ticket_by_id

_RECENT_VISITS = 20
# Queued, as literal SQL worded like the partial index `ix_ticket_lane`: SQLite uses a
# partial index only when the query states its condition with literals, not parameters.
QUEUED_SQL = text("ticket.state IN ('waiting', 'transferred')")
assert {s.value for s in QUEUED} == {"waiting", "transferred"}


def check_dossier_code(tx: Tx, code: str) -> str:
    code = code.strip().upper()
    if not re.fullmatch(tx.cfg.dossier.pattern, code):
        raise BadDossierCode(
            f"Mã hồ sơ {code!r} không đúng mẫu (ví dụ {tx.cfg.dossier.example}). (Dossier code "
            f"{code!r} does not fit the pattern {tx.cfg.dossier.pattern}, e.g. "
            f"{tx.cfg.dossier.example}.)",
            pattern=tx.cfg.dossier.pattern, example=tx.cfg.dossier.example,
        )
    return code


def _route_dossier(tx: Tx, code: str) -> str:
    """A citizen collecting a result goes to the hall's result desk if it has one, else to
    the service that received the dossier."""
    code = check_dossier_code(tx, code)
    if tx.cfg.dossier.result_service:
        return tx.cfg.dossier.result_service
    service = tx.s.exec(
        select(Visit.service).where(Visit.dossier_code == code)
        .order_by(Visit.id.desc()).limit(1)
    ).first()
    if service is None:
        raise DossierNotFound(f"Không tìm thấy hồ sơ {code}. Vui lòng hỏi cán bộ hướng dẫn. "
                              f"(No dossier {code} here; please ask at the desk.)", dossier=code)
    return service


def _allocate_seq(tx: Tx, service: str, first: int) -> int:
    row = tx.s.execute(
        text("INSERT INTO number_seq (day, service, last) VALUES (:d, :s, :first) "
             "ON CONFLICT (day, service) DO UPDATE SET last = number_seq.last + 1 "
             "RETURNING last"),
        {"d": tx.today, "s": service, "first": first},
    ).one()
    return int(row[0])


def waiting_ahead(tx: Tx, t: Ticket) -> int:
    """Queued tickets of the same service that would be called before `t` (an estimate:
    a counter's preference for another service may still let someone pass)."""
    q = select(func.count()).select_from(Ticket).where(
        Ticket.day == t.day, Ticket.service == t.service,
        Ticket.state.in_([s.value for s in QUEUED]), Ticket.target_counter.is_(None),
        Ticket.id != t.id,
        or_(Ticket.priority_rank < t.priority_rank,
            (Ticket.priority_rank == t.priority_rank) & (Ticket.id < t.id)),
    )
    return int(tx.s.exec(q).one())


def recent_service_times(tx: Tx, service: str) -> list[float]:
    rows = tx.s.exec(
        select(Visit.started_at, Visit.called_at, Visit.finished_at)
        .where(Visit.service == service, Visit.status == "finished",
               Visit.finished_at.is_not(None), Visit.called_at >= _day_start(tx))
        .order_by(Visit.finished_at.desc()).limit(_RECENT_VISITS)
    ).all()
    return [((f - (s or c)).total_seconds()) for s, c, f in rows]


def _day_start(tx: Tx) -> datetime:
    local = tx.now.astimezone(tx.cfg.zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def counters_open(tx: Tx, service: str) -> int:
    numbers = [c.number for c in tx.cfg.counters_for(service)]
    if not numbers:
        return 0
    paused = tx.s.exec(select(func.count()).select_from(Counter).where(
        Counter.number.in_(numbers), Counter.paused.is_(True))).one()
    return max(1, len(numbers) - int(paused))


def estimate_wait(tx: Tx, service: str, ahead: int) -> int:
    svc = service_cfg(tx, service)
    mean = estimate.mean_service_s(recent_service_times(tx, service), svc.avg_service_s)
    return estimate.estimated_wait_s(ahead, mean, counters_open(tx, service))


def ticket_view(tx: Tx, t: Ticket, ahead: int, wait_s: int) -> TicketView:
    svc = service_cfg(tx, t.service)
    group = tx.cfg.priority_group(t.priority) if t.priority else None
    base = tx.cfg.hall.public_url.rstrip("/")
    return TicketView(
        hall_name=tx.cfg.hall.name, hall_name_en=tx.cfg.hall.name_en,
        service_code=svc.code, service_name=svc.name, service_name_en=svc.name_en,
        number=t.number, issued_at=t.issued_at.astimezone(tx.cfg.zone),
        waiting_ahead=ahead, estimated_wait_s=wait_s,
        counters=[c.label for c in tx.cfg.counters_for(svc.code)],
        priority=group.name if group else None, priority_en=group.name_en if group else None,
        qr_url=f"{base}/q/{t.id}", lang=t.lang,
    )


def issue(tx: Tx, service: str | None, priority: str | None, lang: str,
          dossier_code: str | None, device_id: int | None,
          request_key: str | None = None) -> Ticket:
    """A new ticket; or, for a request the kiosk retries with the same Idempotency-Key, the
    ticket that request already got (a lost answer must not cost a second number).

    Only what must be decided under the write lock happens here (the number and the row);
    the people ahead and the estimate are read after the commit by `ticket_out`, off the
    single writer."""
    if request_key and device_id is not None:
        earlier = tx.s.exec(select(Ticket).where(Ticket.device_id == device_id,
                                                 Ticket.request_key == request_key)).first()
        if earlier is not None:
            return earlier
    if service is None:
        if not dossier_code:
            raise BadInput("Hãy chọn dịch vụ. (Give a service, or a dossier_code to collect a "
                           "result.)")
        service = _route_dossier(tx, dossier_code)
    svc = service_cfg(tx, service)
    rank = NO_PRIORITY
    if priority:
        group = tx.cfg.priority_group(priority)
        if group is None:
            known = ", ".join(p.code for p in tx.cfg.priority_groups) or "none"
            raise BadInput(f"Không có nhóm ưu tiên {priority!r}. (Unknown priority group "
                           f"{priority!r}; known: {known}.)", priority=priority)
        rank = group.rank
    check_can_issue(tx.cfg.hours, tx.now, tx.cfg.zone)
    seq = _allocate_seq(tx, svc.code, svc.first)
    issued_today = seq - svc.first + 1
    if seq > svc.last or (svc.daily_cap and issued_today > svc.daily_cap):
        raise ServiceFull(f"Dịch vụ {svc.name} đã hết số thứ tự hôm nay. (Service {svc.name_en} "
                          f"has given out all its tickets for today.)", service=svc.code)
    t = Ticket(
        day=tx.today, service=svc.code, service_seq_key=svc.code, seq=seq,
        number=svc.format_number(seq), state=TicketState.waiting.value, priority=priority,
        priority_rank=rank, issued_at=tx.now, queued_at=tx.now, lang=lang, device_id=device_id,
        dossier_code=check_dossier_code(tx, dossier_code) if dossier_code else None,
        request_key=request_key if device_id is not None else None,
    )
    tx.s.add(t)
    tx.s.flush()
    tx.emit("ticket_issued", ticket_id=t.id, number=t.number, service=t.service,
            priority=priority, waiting=waiting_in(tx, t.service)[t.service])
    return t


def waiting_in(tx: Tx, *services: str) -> dict[str, int]:
    """Queued tickets per service now: events carry it so boards need no reload."""
    rows = tx.s.exec(select(Ticket.service, func.count()).where(
        Ticket.day == tx.today, Ticket.service.in_(services),
        Ticket.state.in_([s.value for s in QUEUED])).group_by(Ticket.service)).all()
    counts = {code: 0 for code in services}
    counts.update({code: int(n) for code, n in rows})
    return counts


def ticket_out(tx: Tx, t: Ticket) -> TicketOut:
    """A ticket as the kiosk prints it, with today's figures (for a retry or a reprint)."""
    queued = t.state in {s.value for s in QUEUED}
    ahead = waiting_ahead(tx, t) if queued else 0
    wait_s = estimate_wait(tx, t.service, ahead) if queued else 0
    return TicketOut(id=t.id, number=t.number, service=t.service, issued_at=t.issued_at,
                     waiting_ahead=ahead, estimated_wait_s=wait_s, priority=t.priority,
                     state=TicketState(t.state), view=ticket_view(tx, t, ahead, wait_s))


def cancel(tx: Tx, ticket_id: int) -> Ticket:
    t = ticket_by_id(tx, ticket_id)
    t.state = move(t.number, t.state, Move.cancel).value
    t.closed_at = tx.now
    tx.emit("cancelled", ticket_id=t.id, number=t.number, service=t.service,
            waiting=waiting_in(tx, t.service))
    return t


def requeue(tx: Tx, ticket_id: int) -> Ticket:
    """A no-show who turns up late goes back in the queue (explicit officer action)."""
    t = ticket_by_id(tx, ticket_id)
    if t.day != tx.today:
        raise EngineError(f"Vé {t.number} là của ngày {t.day:%d/%m/%Y}; mời công dân lấy số "
                          f"mới. (Ticket {t.number} is from {t.day}; take a new one.)",
                          number=t.number)
    t.state = move(t.number, t.state, Move.requeue).value
    t.closed_at = None
    t.queued_at = tx.now
    tx.emit("returned", ticket_id=t.id, number=t.number, service=t.service,
            waiting=waiting_in(tx, t.service))
    return t


def mark_printed(tx: Tx, ticket_id: int, ok: bool, reason: str | None) -> Ticket:
    t = ticket_by_id(tx, ticket_id)
    t.printed = ok
    t.print_error = None if ok else (reason or "print failed")
    return t
