"""Issuing tickets, and what happens to a ticket outside a counter (cancel, requeue, print)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select

from contracts.api import TicketOut, TicketState
from contracts.dossier_code import fits_pattern, normalise_dossier_code, stray_character
from contracts.hall_config import HallConfig
from contracts.ticket_view import PRIORITY_MARK, TicketView
from server.db.database import Sql
from server.db.models import QUEUED_STATE, Ticket, Visit
from server.engine import estimate
from server.engine.errors import (
    BadDossierCode,
    BadInput,
    DossierNotFound,
    EngineError,
    Forbidden,
    ServiceFull,
)
from server.engine.hours import check_can_issue
from server.engine.selection import NO_PRIORITY
from server.engine.states import QUEUED, Move, move
from server.queue.context import Tx, day_start
from server.queue.lookups import service_cfg, ticket_by_id

_RECENT_VISITS = 20


def check_dossier_code(tx: Tx, code: str) -> str:
    """The one stored spelling of a code (contracts/dossier_code.py), or a 422 saying why not.
    Every way a code comes in (a kiosk's ticket, an officer's finish) goes through here."""
    return dossier_code_for(tx.cfg, code)


def dossier_code_for(cfg: HallConfig, code: str) -> str:
    """`check_dossier_code` without a transaction (an e-system lookup needs none)."""
    code = normalise_dossier_code(code)
    if not fits_pattern(cfg.dossier.pattern, code):
        stray = stray_character(code)
        why = (f" Ký tự {stray!r} (U+{ord(stray):04X}) không dùng được trong mã hồ sơ."
               if stray else "")
        why_en = (f" The character {stray!r} (U+{ord(stray):04X}) cannot be part of a code."
                  if stray else "")
        raise BadDossierCode(
            # The officer reads the hall's example, never the regular expression (issue 13);
            # `pattern` stays in the body for programs.
            f"Mã hồ sơ {code!r} không đúng mẫu (ví dụ {cfg.dossier.example}).{why} (Dossier "
            f"code {code!r} does not match the hall's form, e.g. "
            f"{cfg.dossier.example}.{why_en})",
            pattern=cfg.dossier.pattern, example=cfg.dossier.example,
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
    return int(_ALLOCATE.one(tx.s, {"d": tx.today, "s": service, "first": first})[0])


# The statements of the ticket paths are plain SQL run on the transaction's cursor (`Sql`):
# they run on the single writer for every ticket and every call, where building and compiling
# SQLAlchemy statements and ORM objects cost several times what SQLite spends on them.
# "Queued" is `QUEUED_STATE` (server/db/models.py), spelled with literals as in the indexes.
# The waiting counts read `queue_count`, which triggers keep in step with the tickets: a few
# rows per service, however long the queue.
_ALLOCATE = Sql("INSERT INTO number_seq (day, service, last) VALUES (:d, :s, :first) "
                "ON CONFLICT (day, service) DO UPDATE SET last = number_seq.last + 1 "
                "RETURNING last")
_INSERT = Sql(
    "INSERT INTO ticket (day, service, service_seq_key, seq, number, state, priority, "
    "priority_rank, transferred, issued_at, queued_at, lang, device_id, dossier_code, "
    "request_key) VALUES (:day, :service, :service, :seq, :number, 'waiting', :priority, "
    ":rank, :no, :now, :now, :lang, :device_id, :dossier_code, :request_key) RETURNING id")
_ISSUED_COLS = ("id, day, service, number, state, priority, priority_rank, issued_at, lang, "
                "transferred, target_counter")
_EARLIER = Sql(f"SELECT {_ISSUED_COLS} FROM ticket "
               "WHERE device_id = :device_id AND request_key = :key")
assert QUEUED_STATE == "state IN ('waiting', 'transferred')"
assert {st.value for st in QUEUED} == {"waiting", "transferred"}
_WAITING = Sql("SELECT coalesce(sum(n), 0) FROM queue_count WHERE day = :d AND service = :s")
_WAITING_ALL = Sql("SELECT service, sum(n) FROM queue_count WHERE day = :d GROUP BY service")
# A new ticket is the last of its service's queue in issue order (its id is the highest:
# ids only grow, and requeue and transfer keep a ticket's id), so the people ahead of it are
# the queued tickets of its priority class or a better one, less those sent to one counter
# and itself: a sum over the few `queue_count` rows of its service.
_WAITING_AND_AHEAD_NEW = Sql(
    "SELECT coalesce(sum(n), 0), coalesce(sum(CASE WHEN targeted = :no AND priority_rank <= "
    ":rank THEN n ELSE 0 END), 0) - 1 FROM queue_count WHERE day = :d AND service = :s")
# Ahead of any ticket (a reprint, the follow page): the queued tickets of its service before
# it in (priority, issue) order, counted on the covering index `ix_ticket_queue`, less those
# sent to one counter (few; `ix_ticket_target`). A read of the queue up to the ticket.
_BEFORE = ("(priority_rank < :rank OR (priority_rank = :rank AND id < :id)) AND id <> :id")
_AHEAD_ALL = Sql("SELECT count(*) FROM ticket WHERE day = :d AND service = :s AND "
                 f"{QUEUED_STATE} AND {_BEFORE}")
# (the service test inside the sum, so that SQLite walks `ix_ticket_target`, not the queue)
_AHEAD_TARGETED = Sql(f"SELECT coalesce(sum(CASE WHEN service = :s AND {_BEFORE} THEN 1 "
                      "ELSE 0 END), 0) FROM ticket WHERE day = :d AND target_counter IS NOT "
                      f"NULL AND {QUEUED_STATE}")
# Today's latest finished visits of a service. `finished_at >= :since` bounds the range of
# `ix_visit_service_finished` (service, finished_at) to today: without it, a service with
# fewer than `n` visits finished today walked its index back through all history (330
# days: 41 ms a ticket). `called_at >= :since` bounds the other index a planner may take.
_RECENT = Sql("SELECT started_at, called_at, finished_at FROM visit WHERE service = :s "
              "AND status = 'finished' AND finished_at >= :since AND called_at >= :since "
              "ORDER BY finished_at DESC LIMIT :n")
_PAUSED = Sql("SELECT number FROM counter WHERE paused = :yes")


@dataclass(frozen=True)
class IssuedTicket:
    """A ticket as `issue` returns it: the columns its callers read, without an ORM object.
    The attribute names are the Ticket model's, so `ticket_out` takes either."""

    id: int
    day: date
    service: str
    number: str
    state: str
    priority: str | None
    priority_rank: int
    issued_at: datetime
    lang: str
    transferred: bool = False
    target_counter: int | None = None

    @classmethod
    def from_row(cls, row: tuple) -> IssuedTicket:
        (id_, day, service, number, state, priority, rank, issued_at, lang, transferred,
         target) = row
        return cls(id_, Sql.day(day), service, number, state, priority, rank,
                   Sql.utc(issued_at), lang, bool(transferred), target)


def waiting_ahead(tx: Tx, t: Ticket | IssuedTicket) -> int:
    """Queued tickets of the same service that would be called before `t` (an estimate:
    a counter's preference for another service may still let someone pass)."""
    p = {"d": t.day, "s": t.service, "rank": t.priority_rank, "id": t.id}
    return int(_AHEAD_ALL.scalar(tx.s, p)) - int(_AHEAD_TARGETED.scalar(tx.s, p))


def recent_service_times(tx: Tx, service: str) -> list[float]:
    rows = _RECENT.run(tx.s, {"s": service, "since": day_start(tx),
                              "n": _RECENT_VISITS}).fetchall()
    out = []
    for started, called, finished in rows:
        began = Sql.utc(started) or Sql.utc(called)
        out.append((Sql.utc(finished) - began).total_seconds())
    return out


def counters_open(tx: Tx, service: str) -> int:
    numbers = [c.number for c in tx.cfg.counters_for(service)]
    if not numbers:
        return 0
    paused = {n for (n,) in _PAUSED.run(tx.s, {"yes": True}).fetchall()}
    return max(1, len(numbers) - len(paused.intersection(numbers)))


def estimate_wait(tx: Tx, service: str, ahead: int) -> int:
    svc = service_cfg(tx, service)
    if ahead <= 0:
        return 0  # nobody ahead: no wait, whatever the service times (no queries needed)
    mean = estimate.mean_service_s(recent_service_times(tx, service), svc.avg_service_s)
    return estimate.estimated_wait_s(ahead, mean, counters_open(tx, service))


def ticket_view(tx: Tx, t: Ticket | IssuedTicket, ahead: int, wait_s: int) -> TicketView:
    svc = service_cfg(tx, t.service)
    mark = PRIORITY_MARK if t.priority else (None, None)
    base = tx.cfg.hall.public_url.rstrip("/")
    return TicketView(
        hall_name=tx.cfg.hall.name, hall_name_en=tx.cfg.hall.name_en,
        service_code=svc.code, service_name=svc.name, service_name_en=svc.name_en,
        number=t.number, issued_at=t.issued_at.astimezone(tx.cfg.zone),
        waiting_ahead=ahead, estimated_wait_s=wait_s,
        counters=[c.label for c in tx.cfg.counters_for(svc.code)],
        priority=mark[0], priority_en=mark[1],
        qr_url=f"{base}/q/{t.id}", lang=t.lang,
    )


def issue(tx: Tx, service: str | None, priority: str | None, lang: str,
          dossier_code: str | None, device_id: int | None,
          request_key: str | None = None) -> IssuedTicket:
    """A new ticket; or, for a request the kiosk retries with the same Idempotency-Key, the
    ticket that request already got (a lost answer must not cost a second number)."""
    return _issue(tx, service, priority, lang, dossier_code, device_id, request_key)[0]


def _issue(tx: Tx, service: str | None, priority: str | None, lang: str,
           dossier_code: str | None, device_id: int | None,
           request_key: str | None) -> tuple[IssuedTicket, int | None]:
    """`issue`, and for a new ticket the people ahead of it, counted in the same pass over
    the queue as the waiting count its event carries (None for a retried request)."""
    if request_key and device_id is not None:
        earlier = _EARLIER.run(tx.s, {"device_id": device_id, "key": request_key}).fetchone()
        if earlier is not None:
            return IssuedTicket.from_row(earlier), None
    if service is None:
        if not dossier_code:
            raise BadInput("Hãy chọn lĩnh vực. (Give a service, or a dossier_code to collect a "
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
    today = tx.today
    seq = _allocate_seq(tx, svc.code, svc.first)
    issued_today = seq - svc.first + 1
    if seq > svc.last or (svc.daily_cap and issued_today > svc.daily_cap):
        raise ServiceFull(f"Lĩnh vực {svc.name} đã hết số thứ tự hôm nay. (Service {svc.name_en} "
                          f"has given out all its tickets for today.)", service=svc.code)
    code = check_dossier_code(tx, dossier_code) if dossier_code else None
    number = svc.format_number(seq)
    (ticket_id,) = _INSERT.one(tx.s, {
        "day": today, "service": svc.code, "seq": seq, "number": number, "priority": priority,
        "rank": rank, "no": False, "now": tx.now, "lang": lang, "device_id": device_id,
        "dossier_code": code, "request_key": request_key if device_id is not None else None})
    t = IssuedTicket(ticket_id, today, svc.code, number, TicketState.waiting.value, priority,
                     rank, tx.now, lang)
    waiting, ahead = _new_ticket_position(tx, t)
    tx.emit("ticket_issued", ticket_id=t.id, number=t.number, service=t.service,
            priority=priority, waiting=waiting)
    return t, ahead


def issue_out(tx: Tx, service: str | None, priority: str | None, lang: str,
              dossier_code: str | None, device_id: int | None,
              request_key: str | None = None) -> TicketOut:
    """`issue` and the kiosk's answer in one transaction: the people ahead and the estimate
    are counted where the number was decided, with no second transaction (or thread) after."""
    t, ahead = _issue(tx, service, priority, lang, dossier_code, device_id, request_key)
    return ticket_out(tx, t, ahead)


def _new_ticket_position(tx: Tx, t: IssuedTicket) -> tuple[int, int]:
    """(queued tickets of t's service, those of them ahead of t) for the ticket just issued,
    from `queue_count` in one statement: the same for 10 or 5,000 waiting."""
    waiting, ahead = _WAITING_AND_AHEAD_NEW.one(
        tx.s, {"d": t.day, "s": t.service, "rank": t.priority_rank, "no": False})
    return int(waiting), int(ahead)


def waiting_in(tx: Tx, *services: str) -> dict[str, int]:
    """Queued tickets per service now: events carry it so boards need no reload. Read from
    `queue_count` (a few rows per service)."""
    if len(services) == 1:
        return {services[0]: int(_WAITING.scalar(tx.s, {"d": tx.today, "s": services[0]}))}
    counts = {code: 0 for code in services}
    for code, n in _WAITING_ALL.run(tx.s, {"d": tx.today}).fetchall():
        if code in counts:
            counts[code] = int(n)
    return counts


def ticket_out(tx: Tx, t: Ticket | IssuedTicket, ahead: int | None = None) -> TicketOut:
    """A ticket as the kiosk prints it, with today's figures (for a retry or a reprint).
    `ahead`: the people ahead, when the caller counted them in this transaction already."""
    queued = t.state in _QUEUED_STATES
    if not queued:
        ahead = 0
    elif ahead is None:
        ahead = waiting_ahead(tx, t)
    wait_s = estimate_wait(tx, t.service, ahead) if queued else 0
    return TicketOut(id=t.id, number=t.number, service=t.service, issued_at=t.issued_at,
                     waiting_ahead=ahead, estimated_wait_s=wait_s, priority=t.priority,
                     state=TicketState(t.state), view=ticket_view(tx, t, ahead, wait_s))


_QUEUED_STATES = frozenset(s.value for s in QUEUED)
# A ticket worth paper again: the citizen is still in the hall's queue or at a counter.
_REPRINTABLE = _QUEUED_STATES | {TicketState.called.value, TicketState.serving.value}


def reprint(tx: Tx, ticket_id: int, kiosk_id: int | None) -> TicketOut:
    """The same ticket again, with today's figures, for a print that failed. Refused for a
    ticket of another day or one whose visit is over (its number means nothing on paper
    now), and for a kiosk asking for another kiosk's ticket (a kiosk reprints only what it
    printed; staff may reprint any). Logged as `ticket_reprinted`."""
    t = ticket_by_id(tx, ticket_id)
    if kiosk_id is not None and t.device_id != kiosk_id:
        raise Forbidden(f"Ki-ốt này không cấp số {t.number}; hãy in lại ở ki-ốt đã cấp hoặc "
                        f"nhờ cán bộ. (This kiosk did not issue {t.number}; reprint it at the "
                        "kiosk that did, or ask the staff.)", number=t.number)
    if t.day != tx.today or t.state not in _REPRINTABLE:
        when = "" if t.day == tx.today else f" (ngày {t.day:%d/%m/%Y})"
        raise EngineError(f"Số {t.number}{when} không còn trong hàng chờ; không in lại. Mời "
                          f"công dân lấy số mới. (Ticket {t.number} is no longer in the queue"
                          f" ({t.state}, {t.day}); take a new one.)", number=t.number,
                          state=t.state)
    tx.emit("ticket_reprinted", ticket_id=t.id, number=t.number, service=t.service)
    return ticket_out(tx, t)


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
        raise EngineError(f"Số thứ tự {t.number} là của ngày {t.day:%d/%m/%Y}; mời công dân lấy số "
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
