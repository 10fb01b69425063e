"""What an officer (or a call keypad) does at a counter.

Every action runs on the single writer, so they are written like the ticket path: plain SQL
on the transaction's cursor (`Sql`), rows as dataclasses with the models' attribute names
(`CounterRow`, `VisitRow`, `TicketRow`), no ORM object. One statement reads the counter with
its open visit and that visit's ticket; the changes are `UPDATE`s of the columns that change.
The rules are the ORM version's, check for check and in the same order (the tests compare
the two, rows, answers, refusals and events, on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import date, timedelta

from contracts.api import CounterState, Outcome, TicketBrief, TicketState
from server.db.database import Sql
from server.db.models import QUEUED_STATE, QUEUED_WHERE, Counter, Ticket, Visit
from server.engine.call_rules import out_of_turn
from server.engine.errors import (
    BadInput,
    CounterBusy,
    CounterIdle,
    CounterPaused,
    EngineError,
    UnknownTicket,
)
from server.engine.selection import Candidate
from server.engine.states import Move, move
from server.engine.words import MOVE_EN, MOVE_VI
from server.queue.context import Tx
from server.queue.lanes import LANE_ORDER, first_to_call
from server.queue.lookups import (
    COUNTER_COLS,
    N_COUNTER,
    N_VISIT,
    TICKET_COLS,
    VISIT_COLS,
    CounterRow,
    TicketRow,
    VisitRow,
    counter_cfg,
    counter_from,
    prefixed,
    service_cfg,
    ticket_from,
    update,
    visit_from,
)
from server.queue.tickets import check_dossier_code, waiting_in

AtCounter = tuple[CounterRow, VisitRow | None, TicketRow | None]


def brief(t: Ticket | TicketRow) -> TicketBrief:
    return TicketBrief(id=t.id, number=t.number, service=t.service, priority=t.priority,
                       state=TicketState(t.state), issued_at=t.issued_at)


def counter_state(row: Counter | CounterRow, visit: Visit | VisitRow | None) -> CounterState:
    if visit is not None and visit.status in ("called", "serving"):
        return CounterState(visit.status)
    return CounterState.paused if row.paused else CounterState.idle


# The counter, its open visit (called or serving: `Counter.current_visit_id` may still point
# at a closed one) and that visit's ticket, in one statement by primary keys.
_AT_COUNTER = Sql(
    f"SELECT {prefixed('c', COUNTER_COLS)}, {prefixed('v', VISIT_COLS)}, "
    f"{prefixed('t', TICKET_COLS)} FROM counter c "
    "LEFT JOIN visit v ON v.id = c.current_visit_id AND v.status IN ('called', 'serving') "
    "LEFT JOIN ticket t ON t.id = v.ticket_id WHERE c.number = :n")
_NEW_COUNTER = Sql("INSERT INTO counter (number, label, name, paused) "
                   "VALUES (:n, :label, :name, :no)")
_NEW_VISIT = Sql("INSERT INTO visit (ticket_id, counter, service, officer_id, status, "
                 "called_at, recalls) VALUES (:ticket_id, :counter, :service, :officer_id, "
                 "'called', :now, 0) RETURNING id")
_BY_NUMBER = Sql(f"SELECT {TICKET_COLS} FROM ticket WHERE day = :d AND number = :n "
                 "ORDER BY id DESC LIMIT 1")


def load_counter(tx: Tx, number: int) -> AtCounter:
    """The counter's row (made if the hall file grew since the rows were synced), its open
    visit and that visit's ticket. 404 for a counter the hall file does not have."""
    counter_cfg(tx, number)
    r = _AT_COUNTER.run(tx.s, {"n": number}).fetchone()
    if r is None:
        cfg = tx.cfg.counter(number)
        _NEW_COUNTER.run(tx.s, {"n": number, "label": cfg.label, "name": cfg.name, "no": False})
        return CounterRow(number, cfg.label, cfg.name, False, None, None, None, None), None, None
    row = counter_from(r)
    if r[N_COUNTER] is None:
        return row, None, None
    v = visit_from(r[N_COUNTER:N_COUNTER + N_VISIT])
    ticket = r[N_COUNTER + N_VISIT:]
    return row, v, None if ticket[0] is None else ticket_from(ticket)


def _require_visit(tx: Tx, number: int, action: Move) -> tuple[CounterRow, VisitRow, TicketRow]:
    row, v, t = load_counter(tx, number)
    _require_called(row, v, action)
    return row, v, t


def _require_called(row: CounterRow, v: VisitRow | None, action: Move) -> None:
    if v is None:
        raise CounterIdle(f"Quầy {row.label} không có công dân nào đang được gọi; không thể "
                          f"{MOVE_VI[action]}. (Counter {row.label} has no called ticket to "
                          f"{MOVE_EN[action]}.)",
                          counter=row.number)


def _require_free(row: CounterRow, v: VisitRow | None, t: TicketRow | None) -> None:
    if v is not None:
        raise CounterBusy(f"Quầy {row.label} đang phục vụ số {t.number}: hãy kết thúc hoặc bỏ "
                          f"qua trước. (Counter {row.label} still has {t.number} "
                          f"{v.status}; finish or skip it first.)", counter=row.number,
                          number=t.number)
    if row.paused:
        raise CounterPaused(f"Quầy {row.label} đang tạm dừng; hãy bấm “Tiếp tục” trước. "
                            f"(Counter {row.label} is paused; resume it first.)",
                            counter=row.number)


def _call(tx: Tx, row: CounterRow, t: TicketRow, officer_id: int | None,
          override: dict | None = None) -> VisitRow:
    t.state = move(t.number, t.state, Move.call).value
    t.closed_at = None
    update(tx, Ticket, t.id, state=t.state, closed_at=None)
    (visit_id,) = _NEW_VISIT.one(tx.s, {"ticket_id": t.id, "counter": row.number,
                                        "service": t.service, "officer_id": officer_id,
                                        "now": tx.now})
    v = VisitRow(visit_id, t.id, row.number, t.service, officer_id, "called", tx.now, None,
                 None, 0, None, None, None, None, None)
    row.current_visit_id = v.id
    row.officer_id = officer_id if officer_id is not None else row.officer_id
    update(tx, Counter, row.number, current_visit_id=v.id, officer_id=row.officer_id)
    tx.emit("called", **_call_fields(row, t, v), waiting=waiting_in(tx, t.service),
            **(override or {}))
    return v


def _call_fields(row: CounterRow, t: TicketRow, v: VisitRow) -> dict:
    return {"number": t.number, "counter": row.number, "counter_label": row.label,
            "service": t.service, "ticket_id": t.id, "visit_id": v.id,
            "priority": t.priority, "recalls": v.recalls}


def _lane_heads(tx: Tx, day: date, counter: int,
                services: list[str]) -> tuple[list[Candidate], dict[int, tuple]]:
    """The first ticket of each lane this counter draws from: tickets transferred to it, and
    for each of its services, the tickets transferred there and the others. Within a lane the
    engine's order is (priority class, issue order), which the partial index `ix_ticket_lane`
    keeps (`LANE_ORDER`), so each head is one index probe; the engine then chooses between
    the heads (`first_to_call`, the choice the waiting list repeats: server/queue/lanes.py).
    The state test is literal SQL because SQLite matches a partial index only against
    literals.
    Returns the candidates and each head's row (the chosen one is called without reading it
    again: the probe reads the table row anyway, for `target_counter`)."""
    rows = [_TARGET_HEAD.run(tx.s, {"d": day, "c": counter, "t": flag}).fetchone()
            for flag in (True, False)]
    for code in services:
        rows += [_LANE_HEAD.run(tx.s, {"d": day, "s": code, "t": flag}).fetchone()
                 for flag in (True, False)]
    heads = {r[0]: r for r in rows if r is not None}
    return [Candidate(r[0], r[2], r[6], bool(r[7]), r[8], r[0]) for r in heads.values()], heads


# The heads as plain SQL on the writer's cursor (`Sql`: no ORM objects for rows not chosen).
# The lane query states `ix_ticket_lane`'s condition word for word (QUEUED_WHERE), so SQLite
# reads the head as the first entry of that partial index: no sort, LIMIT 1.
_HEAD_COLS = f"SELECT {TICKET_COLS} FROM ticket"
_LANE_HEAD = Sql(f"{_HEAD_COLS} WHERE day = :d AND service = :s AND transferred = :t AND "
                 f"{QUEUED_WHERE} ORDER BY {LANE_ORDER} LIMIT 1")
_TARGET_HEAD = Sql(f"{_HEAD_COLS} WHERE day = :d AND target_counter = :c AND transferred = :t "
                   f"AND {QUEUED_STATE} ORDER BY {LANE_ORDER} LIMIT 1")


def next_ticket(tx: Tx, number: int,
                officer_id: int | None) -> tuple[VisitRow, TicketRow] | None:
    cfg = counter_cfg(tx, number)
    row, v, t = load_counter(tx, number)
    _require_free(row, v, t)
    candidates, heads = _lane_heads(tx, tx.today, number, cfg.services)
    choice = first_to_call(candidates, number, cfg.services, tx.cfg.queue.transferred_first)
    if choice is None:
        return None
    t = ticket_from(heads[choice.ticket_id])
    return _call(tx, row, t, officer_id), t


def call_number(tx: Tx, number: int, ticket_number: str, officer_id: int | None,
                confirm: bool = False) -> tuple[VisitRow, TicketRow]:
    """Call a given number out of turn: a late no-show, or someone the officer knows. A ticket
    Next would not give this counter (another service, or sent to another counter) is refused
    with the reason unless the officer confirmed (server/engine/call_rules.py); a confirmed
    one's `called` event carries `confirmed` and `override`, the hall's record of it."""
    row, v, t = load_counter(tx, number)
    _require_free(row, v, t)
    t = _ticket_by_number(tx, ticket_number.strip().upper())
    move(t.number, t.state, Move.call)  # a ticket that cannot be called says so first
    refusal = out_of_turn(tx.cfg, row.number, t.number, t.service, t.target_counter)
    if refusal is not None and not confirm:
        raise refusal
    override = {"confirmed": True, "override": refusal.context["reason"]} if refusal else {}
    return _call(tx, row, t, officer_id, override), t


def _ticket_by_number(tx: Tx, number: str) -> TicketRow:
    r = _BY_NUMBER.run(tx.s, {"d": tx.today, "n": number}).fetchone()
    if r is None:
        raise UnknownTicket(f"Hôm nay không có số thứ tự {number}. (No ticket {number} today.)",
                            number=number)
    return ticket_from(r)


def recall(tx: Tx, number: int) -> tuple[VisitRow, TicketRow]:
    """Call again; past the hall's limit of recalls the ticket becomes a no-show instead."""
    row, v, t = _require_visit(tx, number, Move.recall)
    if v.status != "called":
        raise EngineError(f"Số {t.number} đã đến quầy; không cần gọi lại. (Ticket {t.number} is "
                          f"already being served.)", number=t.number)
    move(t.number, t.state, Move.recall)
    if v.recalls >= tx.cfg.queue.max_recalls:
        return _skip(tx, row, v, t)
    v.recalls += 1
    update(tx, Visit, v.id, recalls=v.recalls)
    tx.emit("recalled", **_call_fields(row, t, v))
    return v, t


def start(tx: Tx, number: int) -> tuple[VisitRow, TicketRow]:
    row, v, t = _require_visit(tx, number, Move.start)
    t.state = move(t.number, t.state, Move.start).value
    v.status = "serving"
    v.started_at = tx.now
    update(tx, Ticket, t.id, state=t.state)
    update(tx, Visit, v.id, status=v.status, started_at=v.started_at)
    tx.emit("started", number=t.number, counter=row.number, counter_label=row.label,
            ticket_id=t.id, visit_id=v.id, service=t.service)
    return v, t


def skip(tx: Tx, number: int) -> tuple[VisitRow, TicketRow]:
    return _skip(tx, *_require_visit(tx, number, Move.skip))


def _skip(tx: Tx, row: CounterRow, v: VisitRow, t: TicketRow) -> tuple[VisitRow, TicketRow]:
    t.state = move(t.number, t.state, Move.skip).value
    t.closed_at = tx.now
    v.status = "skipped"
    v.finished_at = tx.now
    row.current_visit_id = None
    update(tx, Ticket, t.id, state=t.state, closed_at=t.closed_at)
    update(tx, Visit, v.id, status=v.status, finished_at=v.finished_at)
    update(tx, Counter, row.number, current_visit_id=None)
    tx.emit("skipped", number=t.number, counter=row.number, counter_label=row.label,
            ticket_id=t.id, visit_id=v.id, service=t.service)
    return v, t


def finish(tx: Tx, number: int, dossier_code: str | None, outcome: Outcome | None,
           due_date: date | None) -> tuple[VisitRow, TicketRow]:
    row, v, t = _require_visit(tx, number, Move.finish)
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
    update(tx, Ticket, t.id, state=t.state, closed_at=t.closed_at)
    update(tx, Visit, v.id, status=v.status, started_at=v.started_at,
           finished_at=v.finished_at, dossier_code=v.dossier_code, outcome=v.outcome,
           due_date=v.due_date, rating_until=v.rating_until)
    update(tx, Counter, row.number, current_visit_id=None)
    tx.emit("finished", number=t.number, counter=row.number, counter_label=row.label,
            ticket_id=t.id, visit_id=v.id, service=t.service, outcome=v.outcome,
            rating_until=v.rating_until.isoformat())
    return v, t


def transfer(tx: Tx, number: int, service: str | None, counter: int | None,
             reason: str | None) -> tuple[VisitRow, TicketRow]:
    if (service is None) == (counter is None):
        raise BadInput("Chuyển đến một lĩnh vực hoặc một quầy (chỉ một). (Transfer to a service "
                       "or to a counter: give exactly one.)")
    row, v, t = load_counter(tx, number)
    if counter is not None:
        counter_cfg(tx, counter)
        if counter == number:
            raise BadInput(f"Số thứ tự này đang ở quầy {row.label}. (The ticket is already at this "
                           "counter.)")
    if service is not None:
        service_cfg(tx, service)
    _require_called(row, v, Move.transfer)
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
    update(tx, Ticket, t.id, state=t.state, transferred=True, queued_at=t.queued_at,
           service=t.service, target_counter=t.target_counter)
    update(tx, Visit, v.id, status=v.status, outcome=v.outcome, started_at=v.started_at,
           finished_at=v.finished_at, transfer_reason=v.transfer_reason)
    update(tx, Counter, row.number, current_visit_id=None)
    tx.emit("transferred", number=t.number, ticket_id=t.id, visit_id=v.id,
            from_counter=row.number, to_service=t.service, to_counter=counter, reason=reason,
            waiting=waiting_in(tx, t.service))
    return v, t


def pause(tx: Tx, number: int, reason: str | None) -> CounterRow:
    row, v, t = load_counter(tx, number)
    _require_free(row, v, t)
    row.paused = True
    row.pause_reason = reason
    row.paused_at = tx.now
    update(tx, Counter, row.number, paused=True, pause_reason=reason, paused_at=tx.now)
    tx.emit("counter_paused", counter=row.number, counter_label=row.label, reason=reason)
    return row


def resume(tx: Tx, number: int) -> CounterRow:
    row, _, _ = load_counter(tx, number)
    if not row.paused:
        raise EngineError(f"Quầy {row.label} không tạm dừng. (Counter {row.label} is not "
                          "paused.)", counter=number)
    row.paused = False
    row.pause_reason = None
    row.paused_at = None
    update(tx, Counter, row.number, paused=False, pause_reason=None, paused_at=None)
    tx.emit("counter_resumed", counter=row.number, counter_label=row.label)
    return row
