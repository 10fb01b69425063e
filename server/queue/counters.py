"""What an officer (or a call keypad) does at a counter."""

from __future__ import annotations

from datetime import date, timedelta

from contracts.api import CounterState, Outcome, TicketBrief, TicketState
from server.db.database import Sql
from server.db.models import QUEUED_WHERE, Counter, Ticket, Visit
from server.engine.errors import BadInput, CounterBusy, CounterIdle, CounterPaused, EngineError
from server.engine.selection import Candidate, pick_next
from server.engine.states import Move, move
from server.queue.context import Tx
from server.queue.lookups import counter_cfg, counter_row, service_cfg, ticket_by_number
from server.queue.tickets import check_dossier_code, waiting_in


def brief(t: Ticket) -> TicketBrief:
    return TicketBrief(id=t.id, number=t.number, service=t.service, priority=t.priority,
                       state=TicketState(t.state), issued_at=t.issued_at)


def counter_state(row: Counter, visit: Visit | None) -> CounterState:
    if visit is not None and visit.status in ("called", "serving"):
        return CounterState(visit.status)
    return CounterState.paused if row.paused else CounterState.idle


def current_visit(tx: Tx, row: Counter) -> Visit | None:
    if row.current_visit_id is None:
        return None
    v = tx.s.get(Visit, row.current_visit_id)
    return v if v is not None and v.status in ("called", "serving") else None


def _require_visit(tx: Tx, row: Counter, action: str) -> tuple[Visit, Ticket]:
    v = current_visit(tx, row)
    if v is None:
        raise CounterIdle(f"Quầy {row.label} không có công dân nào đang được gọi; không thể "
                          f"{action}. (Counter {row.label} has no called ticket to {action}.)",
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
        raise CounterPaused(f"Quầy {row.label} đang tạm dừng; hãy tiếp tục (Resume) trước. "
                            f"(Counter {row.label} is paused; resume it first.)",
                            counter=row.number)


def _call(tx: Tx, row: Counter, t: Ticket, officer_id: int | None) -> Visit:
    t.state = move(t.number, t.state, Move.call).value
    t.closed_at = None
    v = Visit(ticket_id=t.id, counter=row.number, service=t.service, officer_id=officer_id,
              status="called", called_at=tx.now)
    tx.s.add(v)
    tx.s.flush()
    row.current_visit_id = v.id
    row.officer_id = officer_id if officer_id is not None else row.officer_id
    tx.emit("called", **_call_fields(tx, row, t, v), waiting=waiting_in(tx, t.service))
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


def call_number(tx: Tx, number: int, ticket_number: str,
                officer_id: int | None) -> tuple[Visit, Ticket]:
    """Call a given number out of turn: a late no-show, or someone the officer knows."""
    row = counter_row(tx, number)
    _require_free(tx, row)
    t = ticket_by_number(tx, ticket_number.strip().upper())
    return _call(tx, row, t, officer_id), t


def recall(tx: Tx, number: int) -> tuple[Visit, Ticket]:
    """Call again; past the hall's limit of recalls the ticket becomes a no-show instead."""
    row = counter_row(tx, number)
    v, t = _require_visit(tx, row, "gọi lại (recall)")
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
    v, t = _require_visit(tx, row, "bắt đầu phục vụ (start)")
    t.state = move(t.number, t.state, Move.start).value
    v.status = "serving"
    v.started_at = tx.now
    tx.emit("started", number=t.number, counter=row.number, counter_label=row.label,
            ticket_id=t.id, visit_id=v.id, service=t.service)
    return v, t


def skip(tx: Tx, number: int) -> tuple[Visit, Ticket]:
    row = counter_row(tx, number)
    v, t = _require_visit(tx, row, "bỏ qua (skip)")
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
    v, t = _require_visit(tx, row, "kết thúc (finish)")
    code = check_dossier_code(tx, dossier_code) if dossier_code else None
    if outcome == Outcome.transferred:
        raise BadInput("Dùng Chuyển (Transfer) để chuyển công dân. (Use transfer to send the "
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
        raise BadInput("Chuyển đến một dịch vụ hoặc một quầy (chỉ một). (Transfer to a service "
                       "or to a counter: give exactly one.)")
    row = counter_row(tx, number)
    if counter is not None:
        counter_cfg(tx, counter)
        if counter == number:
            raise BadInput(f"Vé đang ở quầy {row.label}. (The ticket is already at this "
                           "counter.)")
    if service is not None:
        service_cfg(tx, service)
    v, t = _require_visit(tx, row, "chuyển (transfer)")
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
