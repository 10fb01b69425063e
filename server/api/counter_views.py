"""Reads for the counter's pages: the officer's call panel and the citizen's rating tablet.

The actions live in `server/api/counters.py`; these are the views a panel needs to draw itself
and to come back to the true state after a reload: the counter's waiting list in the order the
engine would call it, the counter's figures for today, the rating window still open, and the
parts of the hall file a counter page shows (rating scale, dossier pattern, outcomes).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import select

from contracts.api import Outcome
from server.api.deps import get_hall, principal, read
from server.api.errors import responses
from server.auth import Principal
from server.db.models import Rating, Ticket, Visit
from server.engine.selection import Candidate, eligible, pick_next
from server.engine.states import QUEUED
from server.hall import Hall
from server.queue.context import Tx
from server.queue.lookups import counter_cfg
from server.queue.ratings import last_rateable_visit
from server.reports.daily import day_bounds

router = APIRouter(tags=["counter_views"])

# Vietnamese first, as the panel shows them; values are contracts.api.Outcome.
OUTCOME_NAMES: dict[Outcome, tuple[str, str]] = {
    Outcome.received: ("Tiếp nhận hồ sơ", "Dossier received"),
    Outcome.returned: ("Trả kết quả", "Result returned"),
    Outcome.guidance: ("Hướng dẫn", "Guidance only"),
    Outcome.supplement: ("Yêu cầu bổ sung", "Documents requested"),
    Outcome.refused: ("Từ chối tiếp nhận", "Refused"),
}
# The paper the officer hands over with each outcome, by the names of the forms of Circular
# 01/2018/TT-VPCP (Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Mẫu 02 Phiếu yêu cầu bổ
# sung, hoàn thiện hồ sơ, Mẫu 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ); the panel shows it
# under the outcome so the officer reads the word of the form. Guidance and a returned result
# have no form of their own. docs/counter-panel.md.
OUTCOME_FORMS: dict[Outcome, tuple[str, str]] = {
    Outcome.received: ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                       "Receipt and appointment for the result"),
    Outcome.supplement: ("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
                         "Request to complete the dossier"),
    Outcome.refused: ("Phiếu từ chối tiếp nhận giải quyết hồ sơ",
                      "Notice of refusal to accept the dossier"),
}
PAUSE_REASONS = [
    ("break", "Nghỉ giải lao", "Break"),
    ("meeting", "Họp", "Meeting"),
    ("lunch", "Nghỉ trưa", "Lunch"),
    ("technical", "Sự cố kỹ thuật", "Technical problem"),
    ("other", "Việc khác", "Other"),
]
TRANSFER_REASONS = [
    ("Sai lĩnh vực", "Wrong field"),
    ("Cần quầy chuyên môn", "Needs a specialist counter"),
    ("Quầy quá tải", "Counter overloaded"),
    ("Công dân yêu cầu", "At the citizen's request"),
]
QUEUE_LIMIT = 200


class QueueItem(BaseModel):
    id: int
    number: str
    service: str
    service_name: str
    service_name_en: str
    priority: str | None = None
    priority_name: str | None = None
    priority_name_en: str | None = None
    transferred: bool = False
    to_this_counter: bool = Field(description="transferred to this very counter")
    issued_at: datetime
    queued_at: datetime


class CounterQueueOut(BaseModel):
    counter: int
    now: datetime
    total: int = Field(description="all tickets this counter could call now")
    priority: int = Field(description="of which in a priority group")
    items: list[QueueItem] = Field(description=f"in call order, at most {QUEUE_LIMIT}")


class CounterStatsOut(BaseModel):
    counter: int
    date: str = Field(description="the hall's local date")
    called: int
    served: int
    no_show: int
    transferred: int
    dossiers: int = Field(description="finished visits that recorded a dossier code")
    outcomes: dict[str, int]
    avg_service_s: int | None = Field(description="finished visits, from arrival (or call) "
                                      "to finish")
    avg_wait_s: int | None = Field(description="from queueing to the call, for visits here")
    ratings: dict[str, int] = Field(description="count per score, every level present")
    rating_levels: list[dict]
    satisfaction_rate: float | None = Field(description="share of the two top levels")


class RateableOut(BaseModel):
    visit_id: int
    counter: int
    number: str
    service: str
    rating_until: datetime
    now: datetime | None = Field(default=None, description="the hall's time of this answer")
    left_s: float | None = Field(default=None, description="seconds of the hall's clock "
                                 "left to rate (a demo's fast clock runs faster than a watch)")


def can_read(p: Principal, number: int) -> None:
    """People read any counter; a counter's own devices read only that counter."""
    if p.kind == "user" or (p.role in ("rating", "keypad") and p.counter == number):
        return
    raise HTTPException(403, f"Thiết bị này không xem được quầy {number}. (This device may not "
                        f"read counter {number}.)")


async def _counter_read(hall: Hall, p: Principal, number: int, fn: Callable[[Tx], object]):
    await read(hall, lambda tx: counter_cfg(tx, number))  # 404 before 403 for a bad number
    can_read(p, number)
    return await read(hall, fn)


# ---- the waiting list ---------------------------------------------------------------------


def _lane_order(t: Ticket) -> tuple:
    """The order within one lane, as `server.queue.counters._lane_heads` sorts it."""
    return (t.priority_rank, 0 if t.transferred else 1, t.id)


def call_order(tx: Tx, number: int) -> list[Ticket]:
    """Every ticket this counter could call, in the order repeated Next presses would call
    them: the engine (`pick_next`) chooses between lane heads only (tickets sent to this
    counter, then one lane per service), so this merges the lanes with the same function
    instead of sorting globally."""
    cfg = counter_cfg(tx, number)
    rows = tx.s.exec(select(Ticket).where(
        Ticket.day == tx.today, Ticket.state.in_([s.value for s in QUEUED]))).all()
    lanes: dict[object, list[Ticket]] = {}
    for t in rows:
        c = _candidate(t)
        if not eligible(c, number, cfg.services):
            continue
        lanes.setdefault("here" if t.target_counter == number else t.service, []).append(t)
    for lane in lanes.values():
        lane.sort(key=_lane_order, reverse=True)  # pop() from the end takes the head
    out: list[Ticket] = []
    first = tx.cfg.queue.transferred_first
    while lanes:
        heads = {lane[-1].id: key for key, lane in lanes.items()}
        choice = pick_next([_candidate(lane[-1]) for lane in lanes.values()], number,
                           cfg.services, first)
        if choice is None:
            break
        key = heads[choice.ticket_id]
        out.append(lanes[key].pop())
        if not lanes[key]:
            del lanes[key]
    return out


def _candidate(t: Ticket) -> Candidate:
    return Candidate(t.id, t.service, t.priority_rank, t.transferred, t.target_counter, t.id)


def counter_queue(tx: Tx, number: int) -> CounterQueueOut:
    tickets = call_order(tx, number)
    items = []
    for t in tickets[:QUEUE_LIMIT]:
        svc = tx.cfg.service(t.service)
        group = tx.cfg.priority_group(t.priority) if t.priority else None
        items.append(QueueItem(
            id=t.id, number=t.number, service=t.service,
            service_name=svc.name if svc else t.service,
            service_name_en=svc.name_en if svc else t.service,
            priority=t.priority, priority_name=group.name if group else t.priority,
            priority_name_en=group.name_en if group else t.priority,
            transferred=t.transferred, to_this_counter=t.target_counter == number,
            issued_at=t.issued_at, queued_at=t.queued_at))
    return CounterQueueOut(counter=number, now=tx.now, total=len(tickets),
                           priority=sum(1 for t in tickets if t.priority), items=items)


# ---- today's figures ----------------------------------------------------------------------


def counter_stats(tx: Tx, number: int) -> CounterStatsOut:
    counter_cfg(tx, number)
    start, end = day_bounds(tx, tx.today)
    visits = tx.s.exec(select(Visit, Ticket.queued_at, Ticket.issued_at)
                       .where(Visit.counter == number, Visit.called_at >= start,
                              Visit.called_at < end, Visit.ticket_id == Ticket.id)).all()
    status = {"finished": 0, "skipped": 0, "transferred": 0}
    outcomes = {o.value: 0 for o in OUTCOME_NAMES}
    service_s: list[float] = []
    wait_s: list[float] = []
    dossiers = 0
    for v, queued_at, issued_at in visits:
        if v.status in status:
            status[v.status] += 1
        if v.status == "finished":
            if v.finished_at is not None:
                service_s.append((v.finished_at - (v.started_at or v.called_at))
                                 .total_seconds())
            if v.outcome in outcomes:
                outcomes[v.outcome] += 1
            dossiers += 1 if v.dossier_code else 0
        # A transfer re-queues the ticket (queued_at moves on), so for a ticket queued after
        # this call, its issue time is the only start this visit can be measured from.
        since = queued_at if queued_at <= v.called_at else issued_at
        wait_s.append(max(0.0, (v.called_at - since).total_seconds()))
    ratings = {str(lv.score): 0 for lv in tx.cfg.rating.levels}
    for score, n in tx.s.exec(select(Rating.score, func.count())
                              .where(Rating.counter == number, Rating.at >= start,
                                     Rating.at < end).group_by(Rating.score)).all():
        ratings[str(score)] = ratings.get(str(score), 0) + int(n)
    rated = sum(ratings.values())
    top_two = sum(ratings.get(str(lv.score), 0) for lv in tx.cfg.rating.levels[-2:])
    return CounterStatsOut(
        counter=number, date=tx.today.isoformat(), called=len(visits),
        served=status["finished"], no_show=status["skipped"],
        transferred=status["transferred"], dossiers=dossiers, outcomes=outcomes,
        avg_service_s=round(sum(service_s) / len(service_s)) if service_s else None,
        avg_wait_s=round(sum(wait_s) / len(wait_s)) if wait_s else None,
        ratings=ratings, rating_levels=[lv.model_dump() for lv in tx.cfg.rating.levels],
        satisfaction_rate=round(top_two / rated, 4) if rated else None)


# ---- the rating window --------------------------------------------------------------------


def rateable(tx: Tx, number: int) -> RateableOut | None:
    v = last_rateable_visit(tx, number)
    if v is None or v.rating_until is None:
        return None
    t = tx.s.get(Ticket, v.ticket_id)
    return RateableOut(visit_id=v.id, counter=number, number=t.number if t else "",
                       service=v.service, rating_until=v.rating_until, now=tx.now,
                       left_s=max(0.0, (v.rating_until - tx.now).total_seconds()))


# ---- what a counter page needs from the hall file -------------------------------------------


def public_config(tx: Tx) -> dict:
    """No secrets and nothing personal: names of things, the rating scale, the dossier rule."""
    cfg = tx.cfg
    return {
        "hall": {"code": cfg.hall.code, "name": cfg.hall.name, "name_en": cfg.hall.name_en,
                 "timezone": cfg.hall.timezone},
        "now": tx.now,
        "rating": {"window_s": cfg.rating.window_s,
                   "levels": [lv.model_dump() for lv in cfg.rating.levels],
                   "low_reasons": list(cfg.rating.low_reasons)},
        "dossier": {"pattern": cfg.dossier.pattern, "example": cfg.dossier.example},
        "outcomes": [{"value": o.value, "name": vi, "name_en": en,
                      "form": OUTCOME_FORMS.get(o, (None, None))[0],
                      "form_en": OUTCOME_FORMS.get(o, (None, None))[1]}
                     for o, (vi, en) in OUTCOME_NAMES.items()],
        "pause_reasons": [{"value": v, "name": vi, "name_en": en}
                          for v, vi, en in PAUSE_REASONS],
        "transfer_reasons": [{"name": vi, "name_en": en} for vi, en in TRANSFER_REASONS],
        "services": [{"code": s.code, "name": s.name, "name_en": s.name_en, "prefix": s.prefix}
                     for s in cfg.services],
        "counters": [{"number": c.number, "label": c.label, "name": c.name,
                      "services": list(c.services)} for c in cfg.counters],
        "priority_groups": [{"code": g.code, "name": g.name, "name_en": g.name_en}
                            for g in cfg.priority_groups],
        "max_recalls": cfg.queue.max_recalls,
    }


# ---- routes -------------------------------------------------------------------------------


@router.get("/api/v1/counters/{number}/queue", response_model=CounterQueueOut,
            responses=responses(403))
async def queue(number: int, hall: Hall = Depends(get_hall),
                p: Principal = Depends(principal)) -> CounterQueueOut:
    """The tickets this counter could call, in the order Next would call them."""
    return await _counter_read(hall, p, number, lambda tx: counter_queue(tx, number))


@router.get("/api/v1/counters/{number}/stats", response_model=CounterStatsOut,
            responses=responses(403))
async def stats(number: int, hall: Hall = Depends(get_hall),
                p: Principal = Depends(principal)) -> CounterStatsOut:
    """Today's figures of this counter (the hall's local day)."""
    return await _counter_read(hall, p, number, lambda tx: counter_stats(tx, number))


@router.get("/api/v1/counters/{number}/rating-open", response_model=RateableOut,
            responses={204: {"description": "no visit of this counter can be rated now"},
                       **responses(403)})
async def rating_open(number: int, hall: Hall = Depends(get_hall),
                      p: Principal = Depends(principal)) -> RateableOut | Response:
    """The visit a rating device may still rate, so a reloaded tablet offers it again."""
    out = await _counter_read(hall, p, number, lambda tx: rateable(tx, number))
    return out if out is not None else Response(status_code=204)


@router.get("/api/v1/hall/config-public")
async def config_public(hall: Hall = Depends(get_hall),
                        _: Principal = Depends(principal)) -> dict:
    """The parts of the hall file a counter page shows; any signed-in caller may read it."""
    return await read(hall, public_config)
