"""The ORM implementations that the plain-SQL counter actions, ratings and housekeeping
replaced (server/queue/counters.py, ratings.py, day.py before 2026-11-23 evening), kept
verbatim as the reference that tests/server/test_fast_paths.py compares them with."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from contracts.api import Outcome, RatingOut, TicketState
from server.db.database import Sql
from server.db.models import QUEUED_WHERE, Counter, HallState, Rating, Ticket, Visit
from server.engine.call_rules import out_of_turn
from server.engine.errors import (
    AlreadyRated,
    BadInput,
    CounterBusy,
    CounterIdle,
    CounterPaused,
    EngineError,
    Forbidden,
    RatingClosed,
)
from server.engine.hours import closing_of_day, current_session
from server.engine.selection import Candidate, pick_next
from server.engine.states import FINAL, Move, move
from server.engine.words import MOVE_EN, MOVE_VI
from server.queue.context import Tx
from server.queue.lookups import (
    counter_cfg,
    counter_row,
    service_cfg,
    ticket_by_number,
    visit_by_id,
)
from server.queue.tickets import check_dossier_code, waiting_in


def current_visit(tx: Tx, row: Counter) -> Visit | None:
    if row.current_visit_id is None:
        return None
    v = tx.s.get(Visit, row.current_visit_id)
    return v if v is not None and v.status in ("called", "serving") else None


def _require_visit(tx: Tx, row: Counter, action: Move) -> tuple[Visit, Ticket]:
    v = current_visit(tx, row)
    if v is None:
        raise CounterIdle(f"Quầy {row.label} không có công dân nào đang được gọi; không thể "
                          f"{MOVE_VI[action]}. (Counter {row.label} has no called ticket to "
                          f"{MOVE_EN[action]}.)",
                          counter=row.number)
    return v, tx.s.get(Ticket, v.ticket_id)


def _require_free(tx: Tx, row: Counter) -> None:
    v = current_visit(tx, row)
    if v is not None:
        t = tx.s.get(Ticket, v.ticket_id)
        raise CounterBusy(f"Quầy {row.label} đang phục vụ số {t.number}: hãy kết thúc hoặc bỏ "
                          f"qua trước. (Counter {row.label} still has {t.number} "
                          f"{v.status}; finish or skip it first.)", counter=row.number,
                          number=t.number)
    if row.paused:
        raise CounterPaused(f"Quầy {row.label} đang tạm dừng; hãy bấm “Tiếp tục” trước. "
                            f"(Counter {row.label} is paused; resume it first.)",
                            counter=row.number)


def _call(tx: Tx, row: Counter, t: Ticket, officer_id: int | None,
          override: dict | None = None) -> Visit:
    t.state = move(t.number, t.state, Move.call).value
    t.closed_at = None
    v = Visit(ticket_id=t.id, counter=row.number, service=t.service, officer_id=officer_id,
              status="called", called_at=tx.now)
    tx.s.add(v)
    tx.s.flush()
    row.current_visit_id = v.id
    row.officer_id = officer_id if officer_id is not None else row.officer_id
    tx.emit("called", **_call_fields(tx, row, t, v), waiting=waiting_in(tx, t.service),
            **(override or {}))
    return v


def _call_fields(tx: Tx, row: Counter, t: Ticket, v: Visit) -> dict:
    return {"number": t.number, "counter": row.number, "counter_label": row.label,
            "service": t.service, "ticket_id": t.id, "visit_id": v.id,
            "priority": t.priority, "recalls": v.recalls}


def _lane_heads(tx: Tx, day: date, counter: int, services: list[str]) -> list[Candidate]:
    """The first ticket of each lane this counter draws from: tickets transferred to it, and
    for each of its services, the tickets transferred there and the others. Within a lane the
    engine's order is (priority class, issue order), which the partial index `ix_ticket_lane`
    keeps, so each head is one index probe; the engine then chooses between the heads. The
    state test is literal SQL because SQLite matches a partial index only against literals."""
    rows = [_TARGET_HEAD.run(tx.s, {"d": day, "c": counter, "t": flag}).fetchone()
            for flag in (True, False)]
    for code in services:
        rows += [_LANE_HEAD.run(tx.s, {"d": day, "s": code, "t": flag}).fetchone()
                 for flag in (True, False)]
    return [Candidate(id_, service, rank, bool(transferred), target, id_)
            for id_, service, rank, transferred, target in filter(None, rows)]


# The heads as plain SQL on the writer's cursor (`Sql`: no ORM objects for rows not chosen).
# The lane query states `ix_ticket_lane`'s condition word for word (QUEUED_WHERE), so SQLite
# reads the head as the first entry of that partial index: no sort, LIMIT 1.
_HEAD_COLS = "SELECT id, service, priority_rank, transferred, target_counter FROM ticket"
_LANE_HEAD = Sql(f"{_HEAD_COLS} WHERE day = :d AND service = :s AND transferred = :t AND "
                 f"{QUEUED_WHERE} ORDER BY priority_rank, id LIMIT 1")
_TARGET_HEAD = Sql(f"{_HEAD_COLS} WHERE day = :d AND target_counter = :c AND transferred = :t "
                   "AND state IN ('waiting', 'transferred') ORDER BY priority_rank, id LIMIT 1")


def next_ticket(tx: Tx, number: int, officer_id: int | None) -> tuple[Visit, Ticket] | None:
    cfg = counter_cfg(tx, number)
    row = counter_row(tx, number)
    _require_free(tx, row)
    heads = _lane_heads(tx, tx.today, number, cfg.services)
    choice = pick_next(heads, number, cfg.services, tx.cfg.queue.transferred_first)
    if choice is None:
        return None
    t = tx.s.get(Ticket, choice.ticket_id)
    return _call(tx, row, t, officer_id), t


def call_number(tx: Tx, number: int, ticket_number: str, officer_id: int | None,
                confirm: bool = False) -> tuple[Visit, Ticket]:
    """Call a given number out of turn: a late no-show, or someone the officer knows (not
    another service's or another counter's ticket unless confirmed: issue 12)."""
    row = counter_row(tx, number)
    _require_free(tx, row)
    t = ticket_by_number(tx, ticket_number.strip().upper())
    move(t.number, t.state, Move.call)
    refusal = out_of_turn(tx.cfg, row.number, t.number, t.service, t.target_counter)
    if refusal is not None and not confirm:
        raise refusal
    override = {"confirmed": True, "override": refusal.context["reason"]} if refusal else {}
    return _call(tx, row, t, officer_id, override), t


def recall(tx: Tx, number: int) -> tuple[Visit, Ticket]:
    """Call again; past the hall's limit of recalls the ticket becomes a no-show instead."""
    row = counter_row(tx, number)
    v, t = _require_visit(tx, row, Move.recall)
    if v.status != "called":
        raise EngineError(f"Số {t.number} đã đến quầy; không cần gọi lại. (Ticket {t.number} is "
                          f"already being served.)", number=t.number)
    move(t.number, t.state, Move.recall)
    if v.recalls >= tx.cfg.queue.max_recalls:
        skip(tx, number)
        return v, t
    v.recalls += 1
    tx.emit("recalled", **_call_fields(tx, row, t, v))
    return v, t


def start(tx: Tx, number: int) -> tuple[Visit, Ticket]:
    row = counter_row(tx, number)
    v, t = _require_visit(tx, row, Move.start)
    t.state = move(t.number, t.state, Move.start).value
    v.status = "serving"
    v.started_at = tx.now
    tx.emit("started", number=t.number, counter=row.number, counter_label=row.label,
            ticket_id=t.id, visit_id=v.id, service=t.service)
    return v, t


def skip(tx: Tx, number: int) -> tuple[Visit, Ticket]:
    row = counter_row(tx, number)
    v, t = _require_visit(tx, row, Move.skip)
    t.state = move(t.number, t.state, Move.skip).value
    t.closed_at = tx.now
    v.status = "skipped"
    v.finished_at = tx.now
    row.current_visit_id = None
    tx.emit("skipped", number=t.number, counter=row.number, counter_label=row.label,
            ticket_id=t.id, visit_id=v.id, service=t.service)
    return v, t


def finish(tx: Tx, number: int, dossier_code: str | None, outcome: Outcome | None,
           due_date: date | None) -> tuple[Visit, Ticket]:
    row = counter_row(tx, number)
    v, t = _require_visit(tx, row, Move.finish)
    code = check_dossier_code(tx, dossier_code) if dossier_code else None
    if outcome == Outcome.transferred:
        raise BadInput("Hãy dùng “Chuyển…” để chuyển công dân. (Use Transfer to send the "
                       "citizen on.)")
    t.state = move(t.number, t.state, Move.finish).value
    t.closed_at = tx.now
    v.status = "finished"
    v.started_at = v.started_at or v.called_at
    v.finished_at = tx.now
    v.dossier_code = code
    v.outcome = outcome.value if outcome else None
    v.due_date = due_date
    v.rating_until = tx.now + timedelta(seconds=tx.cfg.rating.window_s)
    row.current_visit_id = None
    tx.emit("finished", number=t.number, counter=row.number, counter_label=row.label,
            ticket_id=t.id, visit_id=v.id, service=t.service, outcome=v.outcome,
            rating_until=v.rating_until.isoformat())
    return v, t


def transfer(tx: Tx, number: int, service: str | None, counter: int | None,
             reason: str | None) -> tuple[Visit, Ticket]:
    if (service is None) == (counter is None):
        raise BadInput("Chuyển đến một lĩnh vực hoặc một quầy (chỉ một). (Transfer to a service "
                       "or to a counter: give exactly one.)")
    row = counter_row(tx, number)
    if counter is not None:
        counter_cfg(tx, counter)
        if counter == number:
            raise BadInput(f"Số thứ tự này đang ở quầy {row.label}. (The ticket is already at this "
                           "counter.)")
    if service is not None:
        service_cfg(tx, service)
    v, t = _require_visit(tx, row, Move.transfer)
    t.state = move(t.number, t.state, Move.transfer).value
    t.transferred = True
    t.queued_at = tx.now
    if service is not None:
        t.service = service
        t.target_counter = None
    else:
        t.target_counter = counter
    v.status = "transferred"
    v.outcome = Outcome.transferred.value
    v.started_at = v.started_at or v.called_at
    v.finished_at = tx.now
    v.transfer_reason = reason
    row.current_visit_id = None
    tx.emit("transferred", number=t.number, ticket_id=t.id, visit_id=v.id,
            from_counter=row.number, to_service=t.service, to_counter=counter, reason=reason,
            waiting=waiting_in(tx, t.service))
    return v, t


def pause(tx: Tx, number: int, reason: str | None) -> Counter:
    row = counter_row(tx, number)
    _require_free(tx, row)
    row.paused = True
    row.pause_reason = reason
    row.paused_at = tx.now
    tx.emit("counter_paused", counter=row.number, counter_label=row.label, reason=reason)
    return row


def resume(tx: Tx, number: int) -> Counter:
    row = counter_row(tx, number)
    if not row.paused:
        raise EngineError(f"Quầy {row.label} không tạm dừng. (Counter {row.label} is not "
                          "paused.)", counter=number)
    row.paused = False
    row.pause_reason = None
    row.paused_at = None
    tx.emit("counter_resumed", counter=row.number, counter_label=row.label)
    return row


# ---- ratings.py

def rate(tx: Tx, visit_id: int, score: int, reason: str | None, counter: int | None,
         device_id: int | None) -> RatingOut:
    v = visit_by_id(tx, visit_id)
    if counter is not None and v.counter != counter:
        raise Forbidden(f"Lượt phục vụ này thuộc quầy {v.counter}, không phải quầy {counter}. "
                        f"(This visit was at counter {v.counter}, not {counter}.)",
                        visit_id=visit_id)
    level = tx.cfg.rating.level(score)
    if level is None:
        top = len(tx.cfg.rating.levels)
        raise BadInput(f"Điểm {score} không hợp lệ: từ 1 đến {top}. (Score {score} is not on "
                       f"the scale 1–{top}.)", score=score)
    if tx.s.exec(select(Rating.id).where(Rating.visit_id == visit_id)).first() is not None:
        raise AlreadyRated("Lượt phục vụ này đã được đánh giá. (This visit was already "
                           "rated.)", visit_id=visit_id)
    if v.status != "finished" or v.rating_until is None:
        raise RatingClosed("Lượt phục vụ này chưa kết thúc nên chưa thể đánh giá. (This "
                           "visit has not finished; it cannot be rated yet.)",
                           visit_id=visit_id)
    if tx.now > v.rating_until:
        raise RatingClosed("Đã hết thời gian đánh giá lượt phục vụ này. (The time to rate "
                           "this visit is over.)", visit_id=visit_id)
    r = Rating(visit_id=visit_id, counter=v.counter, score=score, reason=reason, at=tx.now,
               device_id=device_id)
    tx.s.add(r)
    tx.s.flush()
    tx.emit("rated", visit_id=visit_id, counter=v.counter, score=score)
    return RatingOut(id=r.id, visit_id=visit_id, score=score, label=level.name,
                     label_en=level.name_en)


# ---- day.py

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
