"""The reports as they were computed before issue 7 (Core rows read by attribute, the
statistics in Python), kept only to prove that the fast implementation in server/reports/
gives the same report, figure for figure: tests/manage/test_report_identity.py compares them.

A verbatim copy of server/reports/stats.py, rows.py and summary.py as they were (the three
modules merged, imports adjusted). Do not improve it: it is the reference.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import compress
from types import SimpleNamespace
from typing import Any, Protocol, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import Float, Integer, String, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from contracts.hall_config import HallConfig
from server.db.models import Event, Rating, Ticket, User, Visit
from server.engine.hours import sessions
from server.engine.worktime import OnTime, WorkCalendar
from server.queue.context import Tx
from server.reports.period import Period


# -- stats.py ------------------------------------------------------------------------------
class Stats(TypedDict):
    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    max_s: float | None


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th quantile (0 ≤ q ≤ 1) of an ascending, non-empty sequence."""
    if not ordered:
        raise ValueError("no values")
    if not 0 <= q <= 1:
        raise ValueError("q is a fraction between 0 and 1")
    rank = q * (len(ordered) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def _r(x: float) -> float:
    return round(x, 1)


def summarise(values: Sequence[float]) -> Stats:
    if not values:
        return Stats(count=0, mean_s=None, median_s=None, p90_s=None, max_s=None)
    ordered = sorted(values)
    return Stats(count=len(ordered), mean_s=_r(math.fsum(ordered) / len(ordered)),
                 median_s=_r(percentile(ordered, 0.5)), p90_s=_r(percentile(ordered, 0.9)),
                 max_s=_r(ordered[-1]))


def rate(part: int, whole: int) -> float | None:
    """A share as a fraction rounded to 4 places, or None when there is nothing to share."""
    return round(part / whole, 4) if whole else None


# -- rows.py -------------------------------------------------------------------------------
_CHUNK = 500


def _epoch(s: Session, col: Any) -> Any:
    """SQL for a stored UTC timestamp as epoch seconds (a float, NULL stays NULL).

    SQLite keeps `YYYY-MM-DD HH:MM:SS.ffffff` text: whole seconds from strftime plus the
    fraction read from the text, exact to the microsecond (julianday would round)."""
    if s.get_bind().dialect.name == "sqlite":
        raw = type_coerce(col, String)
        return (cast(func.strftime("%s", raw), Integer)
                + cast(func.substr(raw, 20), Float))
    return cast(func.extract("epoch", col), Float)


def _date_text(col: Any) -> Any:
    """A DATE column as `YYYY-MM-DD` text on both databases."""
    return cast(col, String)


def _all(s: Session, q: Any) -> list[Any]:
    """Core execution on the session's connection: plain rows, fetched in one go."""
    return s.connection().execute(q).all()


class TicketRow(Protocol):
    """A ticket as the reports see it (a database row, read by attribute)."""

    id: int
    day: str  # YYYY-MM-DD, the hall's local date
    service: str  # the service that numbered it (the citizen's choice at the kiosk)
    state: str
    transferred: bool
    issued: float  # epoch seconds


class VisitRow(Protocol):
    id: int
    ticket_id: int
    counter: int
    officer_id: int | None
    service: str  # where the work was done
    status: str
    called: float
    started: float | None
    finished: float | None
    dossier_code: str | None
    outcome: str | None
    due_date: str | None  # YYYY-MM-DD
    score: int | None
    reason: str | None


def tickets_query(s: Session, start: date, end: date) -> Any:
    """The period's tickets (a range on `day`: ix_ticket_day_number or ix_ticket_target)."""
    return (select(Ticket.id, _date_text(Ticket.day).label("day"),
                   Ticket.service_seq_key.label("service"), Ticket.state, Ticket.transferred,
                   _epoch(s, Ticket.issued_at).label("issued"))
            .where(Ticket.day >= start, Ticket.day <= end))


def tickets(s: Session, start: date, end: date) -> list[TicketRow]:
    return _all(s, tickets_query(s, start, end))


def visits_query(s: Session, start: date, end: date) -> Any:
    """Visits of the period's tickets with their rating (uses ix_visit_ticket, uq_rating_visit)."""
    return (select(Visit.id, Visit.ticket_id, Visit.counter, Visit.officer_id, Visit.service,
                   Visit.status, _epoch(s, Visit.called_at).label("called"),
                   _epoch(s, Visit.started_at).label("started"),
                   _epoch(s, Visit.finished_at).label("finished"), Visit.dossier_code,
                   Visit.outcome, _date_text(Visit.due_date).label("due_date"), Rating.score,
                   Rating.reason)
            .join(Ticket, Ticket.id == Visit.ticket_id)
            .outerjoin(Rating, Rating.visit_id == Visit.id)
            .where(Ticket.day >= start, Ticket.day <= end)
            .order_by(Visit.id))


def visits(s: Session, start: date, end: date) -> list[VisitRow]:
    return _all(s, visits_query(s, start, end))


def officers(s: Session) -> dict[int, tuple[str, str]]:
    """user id → (username, full name)."""
    return {i: (u, f or "") for i, u, f in
            _all(s, select(User.id, User.username, User.full_name))}


def due_dates(s: Session, codes: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
    """For each dossier code, the visits that recorded a due date: [(visit id, date)], in
    visit order. A return takes the latest one recorded before it."""
    codes = sorted(set(codes))
    out: dict[str, list[tuple[int, str]]] = {}
    for i in range(0, len(codes), _CHUNK):
        chunk = codes[i:i + _CHUNK]
        q = (select(Visit.dossier_code, Visit.id, _date_text(Visit.due_date))
             .where(Visit.dossier_code.in_(chunk), Visit.due_date.is_not(None))
             .order_by(Visit.id))
        for code, vid, due in _all(s, q):
            out.setdefault(code, []).append((vid, due))
    return out


_PAUSE_TYPES = ("counter_paused", "counter_resumed")


def pauses(s: Session, start: date, end: date, zone: ZoneInfo, counters: int,
           now: datetime) -> dict[int, list[tuple[float, float]]]:
    """Each counter's paused intervals (epoch seconds) overlapping the period, from the
    event log: a pause runs from `counter_paused` to the next `counter_resumed` (or to now).
    Only the latest 50 pause events per counter before the period are looked at to find a
    pause still running when it starts."""
    t0 = datetime.combine(start, time.min, zone).astimezone(UTC)
    t1 = datetime.combine(end + timedelta(days=1), time.min, zone).astimezone(UTC)
    before: dict[int, tuple[int, str]] = {}
    for type_ in _PAUSE_TYPES:
        q = (select(Event.type, Event.payload, Event.seq)
             .where(Event.type == type_, Event.at < t0)
             .order_by(Event.at.desc()).limit(50 * max(counters, 1)))
        for typ, payload, seq in _all(s, q):
            counter = json.loads(payload).get("counter")
            if counter is not None and (counter not in before or before[counter][0] < seq):
                before[counter] = (seq, typ)
    open_: dict[int, float] = {c: t0.timestamp() for c, (_, typ) in before.items()
                               if typ == "counter_paused"}
    out: dict[int, list[tuple[float, float]]] = {}
    q = (select(Event.type, _epoch(s, Event.at), Event.payload)
         .where(Event.type.in_(_PAUSE_TYPES), Event.at >= t0, Event.at < t1)
         .order_by(Event.seq))
    for typ, when, payload in _all(s, q):
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


R = SimpleNamespace(tickets=tickets, visits=visits, officers=officers, due_dates=due_dates,
                    pauses=pauses, VisitRow=VisitRow)


# -- summary.py ----------------------------------------------------------------------------
TICKET_STATES = ("served", "no_show", "cancelled", "expired")
_DOSSIER_OUTCOMES = ("received", "returned")
LATE_LIST_MAX = 500


@dataclass
class _Group:
    """Running figures for one row of a table."""

    counts: Counter = field(default_factory=Counter)
    waits: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    ratings: Counter = field(default_factory=Counter)


def _tally_tickets(groups: dict, keys: list, buckets: list[str], moved: list[bool]) -> None:
    for (key, bucket), n in Counter(zip(keys, buckets, strict=True)).items():
        g = _get(groups, key)
        g.counts["issued"] += n
        g.counts[bucket] += n
    for key, n in Counter(compress(keys, moved)).items():
        _get(groups, key).counts["transferred"] += n


def _spread(groups: dict, keys: list, values: list, attr: str) -> None:
    """Append each value to its key's list `attr` (None values are left out)."""
    lists: dict[Any, list[float]] = defaultdict(list)
    for key, value in zip(keys, values, strict=True):
        if value is not None:
            lists[key].append(value)
    for key, values_ in lists.items():
        getattr(_get(groups, key), attr).extend(values_)


def _get(groups: dict, key: Any) -> _Group:
    """The row for `key`, added if the hall file no longer lists it (a removed service)."""
    g = groups.get(key)
    if g is None:
        g = groups[key] = _Group()
    return g


class _Hours:
    """Local hour of the day of an epoch time, cached per quarter hour (every real zone
    offset is a whole number of quarter hours)."""

    def __init__(self, cfg: HallConfig) -> None:
        self.zone = cfg.zone
        self.cache: dict[int, int] = {}

    def __call__(self, t: float) -> int:
        key = int(t // 900)
        hour = self.cache.get(key)
        if hour is None:
            hour = datetime.fromtimestamp(key * 900, self.zone).hour
            self.cache[key] = hour
        return hour


def _dossier_kind(cfg: HallConfig, v: R.VisitRow) -> str | None:
    if v.status != "finished":
        return None
    if v.outcome in ("received", "returned"):
        return v.outcome
    if v.outcome is None and v.dossier_code:
        return "returned" if v.service == cfg.dossier.result_service else "received"
    return None


def _ratings_out(cfg: HallConfig, counts: Counter) -> dict[str, Any]:
    rated = sum(counts[lv.score] for lv in cfg.rating.levels)
    top_two = sum(counts[lv.score] for lv in cfg.rating.levels[-2:])
    return {"ratings": {str(lv.score): counts[lv.score] for lv in cfg.rating.levels},
            "rated": rated, "satisfaction_rate": rate(top_two, rated)}


def _opening(cfg: HallConfig, period: Period) -> list[tuple[float, float]]:
    return sorted((s.start.timestamp(), s.end.timestamp()) for d in period.dates()
                  for s in sessions(cfg.hours, d, cfg.zone))


def _paused_seconds(opening: list[tuple[float, float]],
                    intervals: list[tuple[float, float]]) -> int:
    """Paused time inside the hall's opening sessions (a counter paused overnight is not
    paused for the night). `opening` is sorted and its sessions do not overlap."""
    ends = [e for _, e in opening]
    total = 0.0
    for a, b in intervals:
        i = bisect_right(ends, a)  # the first session ending after the pause starts
        while i < len(opening) and opening[i][0] < b:
            s, e = opening[i]
            total += min(b, e) - max(a, s)
            i += 1
    return round(total)


def build(tx: Tx, period: Period) -> dict[str, Any]:
    """The whole report as plain JSON-ready data."""
    cfg = tx.cfg
    tickets = R.tickets(tx.s, period.start, period.end)
    visits = R.visits(tx.s, period.start, period.end)
    people = R.officers(tx.s)
    paused = R.pauses(tx.s, period.start, period.end, cfg.zone, len(cfg.counters), tx.now)
    hour_of = _Hours(cfg)

    services: dict[str, _Group] = {s.code: _Group() for s in cfg.services}
    counters: dict[int, _Group] = {c.number: _Group() for c in cfg.counters}
    officers: dict[int | None, _Group] = {}
    days: dict[str, _Group] = {d.isoformat(): _Group() for d in period.dates()}
    hours: dict[int, _Group] = {h: _Group() for h in range(24)}
    total = _Group()

    # Tickets, a column at a time (counting with Counter runs at C speed).
    first_visit: dict[int, R.VisitRow] = {}
    for v in visits:  # in id order: the first one seen is the first call
        if v.ticket_id not in first_visit:
            first_visit[v.ticket_id] = v
    day_of_ticket = {t.id: t.day for t in tickets}
    buckets = [t.state if t.state in TICKET_STATES else "waiting" for t in tickets]
    moved = [t.transferred for t in tickets]
    firsts = [first_visit.get(t.id) for t in tickets]
    waits = [None if f is None else max(0.0, round(f.called - t.issued, 3))
             for t, f in zip(tickets, firsts, strict=True)]
    ticket_keys = {
        "service": (services, [t.service for t in tickets]),
        "day": (days, [t.day for t in tickets]),
        "hour": (hours, [hour_of(t.issued) for t in tickets]),
        "total": ({None: total}, [None] * len(tickets)),
    }
    # Sorted once here, every group's list comes out sorted (its own sort is then linear).
    order = sorted((i for i, w in enumerate(waits) if w is not None), key=waits.__getitem__)
    sorted_waits = [waits[i] for i in order]
    for groups, keys in ticket_keys.values():
        _tally_tickets(groups, keys, buckets, moved)
        _spread(groups, [keys[i] for i in order], sorted_waits, "waits")
    _spread(counters, [firsts[i].counter for i in order], sorted_waits,  # type: ignore[union-attr]
            "waits")
    _spread(officers, [firsts[i].officer_id for i in order], sorted_waits,  # type: ignore[union-attr]
            "waits")

    # Visits: counters and officers count calls; service time and ratings follow the visit.
    figure = {"finished": "served", "skipped": "no_show", "transferred": "transferred"}
    statuses = [v.status for v in visits]
    for groups, keys in ((counters, [v.counter for v in visits]),
                         (officers, [v.officer_id for v in visits])):
        for (key, status), n in Counter(zip(keys, statuses, strict=True)).items():
            g = _get(groups, key)
            g.counts["calls"] += n
            if status in figure:
                g.counts[figure[status]] += n
    done = [v for v in visits if v.status == "finished" and v.finished is not None]
    durations = [max(0.0, round(v.finished - (v.started or v.called), 3))  # type: ignore[operator]
                 for v in done]
    by_duration = sorted(range(len(done)), key=durations.__getitem__)
    sorted_done = [done[i] for i in by_duration]
    sorted_durations = [durations[i] for i in by_duration]
    rated = [v for v in visits if v.score is not None]
    scores = [v.score for v in rated]
    by_work = (  # (groups, key of each finished visit in duration order, key of each rating)
        (counters, [v.counter for v in sorted_done], [v.counter for v in rated]),
        (officers, [v.officer_id for v in sorted_done], [v.officer_id for v in rated]),
        (services, [v.service for v in sorted_done], [v.service for v in rated]),
        ({None: total}, [None] * len(sorted_done), [None] * len(rated)),
        (days, None, [day_of_ticket.get(v.ticket_id, "") for v in rated]),
    )
    for groups, done_keys, rated_keys in by_work:
        if done_keys is not None:
            _spread(groups, done_keys, sorted_durations, "service")
        for (key, score), n in Counter(zip(rated_keys, scores, strict=True)).items():
            _get(groups, key).ratings[score] += n
    for hour, n in Counter(hour_of(v.finished) for v in done).items():  # type: ignore[arg-type]
        hours[hour].counts["served_visits"] += n
    finished_unrated = sum(1 for v in done if v.score is None)
    reasons = Counter(v.reason for v in rated if v.reason)
    dossier_rows = [(v, kind) for v in done if (v.outcome in _DOSSIER_OUTCOMES or v.dossier_code)
                    and (kind := _dossier_kind(cfg, v)) is not None]

    dossiers = _dossiers(tx, dossier_rows, day_of_ticket)
    opening = _opening(cfg, period) if paused else []
    pauses = {c: _paused_seconds(opening, iv) for c, iv in paused.items()}
    names = {s.code: s for s in cfg.services}
    labels = {c.number: c for c in cfg.counters}

    def ticket_figures(g: _Group) -> dict[str, Any]:
        return {k: g.counts[k] for k in ("issued", "served", "no_show", "cancelled",
                                         "expired", "waiting", "transferred")}

    def visit_figures(g: _Group) -> dict[str, Any]:
        return {k: g.counts[k] for k in ("calls", "served", "no_show", "transferred")}

    by_service = []
    for code, g in services.items():
        svc = names.get(code)
        by_service.append({
            "service": code, "name": svc.name if svc else code,
            "name_en": svc.name_en if svc else code, **ticket_figures(g),
            "wait": summarise(g.waits), "service_time": summarise(g.service),
            **_ratings_out(cfg, g.ratings),
            "target_wait_s": svc.target_wait_s if svc else None,
            "over_target": sum(1 for w in g.waits if svc and svc.target_wait_s
                               and w > svc.target_wait_s),
        })
    by_counter = []
    for number, g in sorted(counters.items()):
        c = labels.get(number)
        by_counter.append({
            "counter": number, "label": c.label if c else str(number),
            "name": c.name if c else f"Quầy {number}", **visit_figures(g),
            "wait": summarise(g.waits), "service_time": summarise(g.service),
            **_ratings_out(cfg, g.ratings), "paused_s": pauses.get(number, 0),
        })
    by_officer = []
    for oid, g in sorted(officers.items(), key=lambda kv: people.get(kv[0], ("~",))[0]
                         if kv[0] is not None else "~~"):
        username, full_name = people.get(oid, ("", "")) if oid is not None else ("", "")
        by_officer.append({
            "officer_id": oid, "username": username or None, "full_name": full_name,
            **visit_figures(g), "wait": summarise(g.waits),
            "service_time": summarise(g.service), **_ratings_out(cfg, g.ratings),
        })
    by_hour = [{"hour": h, "issued": g.counts["issued"], "served": g.counts["served_visits"],
                "wait_mean_s": summarise(g.waits)["mean_s"]} for h, g in hours.items()]
    by_day = []
    for d, g in sorted(days.items()):
        dd = dossiers["_by_day"].get(d, Counter())
        by_day.append({"date": d, **ticket_figures(g), "wait_mean_s": summarise(g.waits)["mean_s"],
                       **{k: v for k, v in _ratings_out(cfg, g.ratings).items()
                          if k != "ratings"},
                       "dossiers_received": dd["received"], "dossiers_returned": dd["returned"]})
    del dossiers["_by_day"]

    rated = sum(total.ratings.values())
    levels = [{"score": lv.score, "name": lv.name, "name_en": lv.name_en,
               "count": total.ratings[lv.score], "share": rate(total.ratings[lv.score], rated)}
              for lv in cfg.rating.levels]
    totals = {**ticket_figures(total), "wait": summarise(total.waits),
              "service_time": summarise(total.service), "calls": len(visits),
              "visits_served": sum(1 for v in visits if v.status == "finished"),
              "paused_s": sum(pauses.values())}
    empty = totals["issued"] == 0
    return {
        "hall": {"code": cfg.hall.code, "name": cfg.hall.name, "name_en": cfg.hall.name_en,
                 "timezone": cfg.hall.timezone},
        "period": {"kind": period.kind.value, "from": period.start.isoformat(),
                   "to": period.end.isoformat(), "days": period.days,
                   "label": period.label("vi"), "label_en": period.label("en")},
        "generated_at": tx.now.astimezone(UTC).isoformat(),
        "empty": empty,
        "message": ({"vi": f"Không có dữ liệu {period.label('vi')}.",
                     "en": f"No data for {period.label('en')}."} if empty else None),
        "totals": totals,
        "by_service": by_service,
        "by_counter": by_counter,
        "by_officer": by_officer,
        "by_hour": by_hour,
        "by_day": by_day,
        "satisfaction": {"levels": levels, "rated": rated, "not_rated": finished_unrated,
                         **{k: v for k, v in _ratings_out(cfg, total.ratings).items()
                            if k == "satisfaction_rate"},
                         "reasons": [{"reason": r, "count": n}
                                     for r, n in sorted(reasons.items(),
                                                        key=lambda kv: (-kv[1], kv[0]))]},
        "dossiers": dossiers,
    }


def _dossiers(tx: Tx, rows: list[tuple[R.VisitRow, str]],
              day_of_ticket: dict[int, str]) -> dict[str, Any]:
    cfg = tx.cfg
    cal = WorkCalendar(cfg.calendar.as_hours(), cfg.zone)
    lookup_codes = [v.dossier_code for v, kind in rows
                    if kind == "returned" and v.due_date is None and v.dossier_code]
    recorded = R.due_dates(tx.s, lookup_codes) if lookup_codes else {}
    per_service: dict[str, Counter] = {s.code: Counter() for s in cfg.services}
    total: Counter = Counter()
    by_day: dict[str, Counter] = defaultdict(Counter)
    late: list[dict[str, Any]] = []
    for v, kind in rows:
        counts = per_service.get(v.service)
        if counts is None:
            counts = per_service[v.service] = Counter()
        day = day_of_ticket.get(v.ticket_id, "")
        for c in (counts, total, by_day[day]):
            c[kind] += 1
        if kind != "returned":
            continue
        due = v.due_date
        if due is None and v.dossier_code:
            earlier = [d for vid, d in recorded.get(v.dossier_code, []) if vid < v.id]
            due = earlier[-1] if earlier else None
        if due is None or v.finished is None:
            for c in (counts, total):
                c["no_due_date"] += 1
            continue
        returned_at = datetime.fromtimestamp(v.finished, UTC)
        klass, margin = cal.classify(returned_at, date.fromisoformat(due))
        for c in (counts, total):
            c[klass.value] += 1
        if klass == OnTime.late and len(late) < LATE_LIST_MAX:
            late.append({"dossier_code": v.dossier_code, "service": v.service,
                         "counter": v.counter, "due_date": due,
                         "returned_at": returned_at.astimezone(cfg.zone).isoformat(),
                         "late_working_hours": round(-margin / timedelta(hours=1), 2)})

    def figures(c: Counter) -> dict[str, Any]:
        judged = c["early"] + c["on_time"] + c["late"]
        return {"received": c["received"], "returned": c["returned"], "early": c["early"],
                "on_time": c["on_time"], "late": c["late"], "no_due_date": c["no_due_date"],
                "on_time_rate": rate(c["early"] + c["on_time"], judged)}

    return {**figures(total),
            "by_service": [{"service": code, **figures(c)} for code, c in per_service.items()],
            "late_list": late, "_by_day": by_day}
