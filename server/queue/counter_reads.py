"""What the counter's pages read: the waiting list in the order Next would call it, the
counter's figures for today, and the rating window still open.

The routes, their auth and the labels of the hall file the pages show stay in
server/api/counter_views.py; the shapes of these answers are in contracts/counter_views.py.
The waiting list's order is not written here: it is `server.queue.lanes.call_order`, the same
function `next` chooses with.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from contracts.api import Outcome
from contracts.counter_views import (
    QUEUE_LIMIT,
    CounterQueueOut,
    CounterStatsOut,
    QueueItem,
    RateableOut,
)
from server.db.models import Rating, Ticket, Visit
from server.engine.selection import Candidate, eligible
from server.engine.states import QUEUED
from server.queue import lanes
from server.queue.context import Tx
from server.queue.lookups import counter_cfg
from server.queue.ratings import last_rateable_visit
from server.reports.daily import day_bounds

# What a finish may record (a transfer is its own action, never a finish's outcome).
FINISH_OUTCOMES = [o.value for o in Outcome if o is not Outcome.transferred]


# ---- the waiting list ---------------------------------------------------------------------


def _candidate(t: Ticket) -> Candidate:
    return Candidate(t.id, t.service, t.priority_rank, t.transferred, t.target_counter, t.id)


def call_order(tx: Tx, number: int) -> list[Ticket]:
    """Every ticket this counter could call, in the order repeated Next presses would call
    them: today's queued tickets it may take, in their lanes, merged by `lanes.call_order`."""
    cfg = counter_cfg(tx, number)
    rows = tx.s.exec(select(Ticket).where(
        Ticket.day == tx.today, Ticket.state.in_([s.value for s in QUEUED]))).all()
    by_id = {t.id: t for t in rows}
    grouped: dict[tuple[object, bool], list[Candidate]] = {}
    for t in rows:
        c = _candidate(t)
        if eligible(c, number, cfg.services):
            grouped.setdefault(lanes.lane_of(c, number), []).append(c)
    ordered = [sorted(lane, key=lanes.lane_position) for lane in grouped.values()]
    return [by_id[c.ticket_id] for c in lanes.call_order(
        ordered, number, cfg.services, tx.cfg.queue.transferred_first)]


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
    outcomes = dict.fromkeys(FINISH_OUTCOMES, 0)
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
