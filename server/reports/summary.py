"""The manager's report for a period: tickets, waiting and service times, hours of the day,
satisfaction, dossiers on time, by service, counter, officer and day.

How figures are attributed (so that every table adds up to its total):
- a ticket counts on its `day` and for the service that numbered it (the citizen's choice);
  issued, served, no-show, cancelled, expired, still waiting and transferred count tickets;
- waiting time is the first call minus the issue time, and belongs to the ticket's service and
  to the counter and officer that made that first call;
- counters and officers count visits (calls, served, no-show = skipped, transferred on);
- service time (finish minus start) and ratings belong to the visit: its service, counter and
  officer;
- a dossier is received or returned by a finished visit (its `outcome`; a visit with a dossier
  code and no outcome counts as received, or as returned at the hall's result service).

How it stays fast on a year (~365,000 tickets and as many visits, read as plain tuples by
rows.py): counts are taken a column at a time with `Counter` (C speed) and folded into the
tables; each wait or service time is rounded once and appended once, to the list of its
combination (service, counter, officer) and of its day and quarter hour. The combinations'
lists are sorted, and a table's row takes the lists of its combinations, so its own sort only
merges a few sorted runs; the exact median and 90th percentile come from that. A mean alone
(by day, by hour) needs no sorting: `math.fsum` is exact in any order.
"""

from __future__ import annotations

import gc
import threading
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import compress
from operator import itemgetter
from typing import Any

from contracts.hall_config import HallConfig
from server.engine.hours import sessions
from server.engine.worktime import OnTime, WorkCalendar
from server.queue.context import Tx
from server.reports import rows as R
from server.reports.period import Period
from server.reports.stats import mean, rate, summarise

TICKET_STATES = ("served", "no_show", "cancelled", "expired")
LATE_LIST_MAX = 500
_VISIT_FIGURE = {"finished": "served", "skipped": "no_show", "transferred": "transferred"}


@dataclass
class _Group:
    """Running figures for one row of a table."""

    counts: Counter = field(default_factory=Counter)
    waits: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    ratings: Counter = field(default_factory=Counter)


def _get(groups: dict, key: Any) -> _Group:
    """The row for `key`, added if the hall file no longer lists it (a removed service)."""
    g = groups.get(key)
    if g is None:
        g = groups[key] = _Group()
    return g


def _columns(rows: list[tuple], fields: tuple[str, ...], *names: str) -> list[list[Any]]:
    """The named columns of the rows, at C speed (`zip(*rows)` is slower on many rows)."""
    return [list(map(itemgetter(fields.index(name)), rows)) for name in names]


def _file(combos: dict[tuple, list[float]], tables: tuple[dict, ...],
          attr: str) -> list[float]:
    """Sort the durations of each combination (service, counter, officer) and add them to
    the list `attr` of that service's, counter's and officer's row; return them all. A row's
    list is then a few sorted runs, which its own sort merges in about linear time."""
    everything: list[float] = []
    for combo, values in combos.items():
        values.sort()
        everything += values
        for key, groups in zip(combo, tables, strict=True):
            getattr(_get(groups, key), attr).extend(values)
    return everything


def _tally(counts: Counter, state: str, moved: Any, n: int) -> None:
    counts["issued"] += n
    counts[state if state in TICKET_STATES else "waiting"] += n
    if moved:
        counts["transferred"] += n


class _Hours:
    """Local hour of the day of a quarter hour since the epoch, cached (every real zone
    offset is a whole number of quarter hours)."""

    def __init__(self, cfg: HallConfig) -> None:
        self.zone = cfg.zone
        self.cache: dict[int, int] = {}

    def __call__(self, quarter: int) -> int:
        hour = self.cache.get(quarter)
        if hour is None:
            hour = datetime.fromtimestamp(quarter * R.QUARTER_S, self.zone).hour
            self.cache[quarter] = hour
        return hour


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


class _GcPaused:
    """The cyclic garbage collector paused while reports build. A year's report makes about
    a million small objects (rows, numbers, lists) and keeps them to the end, with no cycles
    among them; every automatic collection on the way would walk them all again, ~10% of
    the report's time. Process-wide, so counted: the last report to finish resumes it, and
    only if it was running before."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()


_gc_paused = _GcPaused()


def build(tx: Tx, period: Period) -> dict[str, Any]:
    """The whole report as plain JSON-ready data."""
    with _gc_paused:
        return _build(tx, period)


@dataclass
class _Tables:
    """The report's tables while they fill: one running `_Group` per row."""

    services: dict[str, _Group]
    counters: dict[int, _Group]
    days: dict[str, _Group]
    officers: dict[int | None, _Group] = field(default_factory=dict)
    hours: dict[int, _Group] = field(default_factory=lambda: {h: _Group() for h in range(24)})
    total: _Group = field(default_factory=_Group)

    @property
    def work(self) -> tuple[dict, dict, dict]:
        """The tables a (service, counter, officer) combination files into."""
        return self.services, self.counters, self.officers


@dataclass
class _VisitFigures:
    """What the visits give besides the tables."""

    calls: int
    served: int  # visits finished
    finished_unrated: int
    reasons: Counter
    dossiers: dict[str, Any]


def _add_tickets(t: _Tables, rows: list[tuple], hour_of: _Hours) -> None:
    """Tickets (R.TicketRow): counts by service and by day, issued by hour, a column at a
    time; each wait (first call − issue) rounded once and filed once under its ticket's
    service and its first call's counter and officer (full statistics), and under its day
    and quarter hour of issue (a mean)."""
    service, day, state, moved, quarter = _columns(
        rows, R.TicketRow._fields, "service", "day", "state", "transferred", "issued_q")
    for (key, st, mv), n in Counter(zip(service, state, moved, strict=True)).items():
        _tally(_get(t.services, key).counts, st, mv, n)
        _tally(t.total.counts, st, mv, n)
    for (key, st, mv), n in Counter(zip(day, state, moved, strict=True)).items():
        _tally(_get(t.days, key).counts, st, mv, n)
    for q, n in Counter(quarter).items():
        t.hours[hour_of(q)].counts["issued"] += n
    work: dict[tuple, list[float]] = defaultdict(list)
    by_day: dict[str, list[float]] = defaultdict(list)
    by_quarter: dict[int, list[float]] = defaultdict(list)
    for svc, d, _, _, q, raw, counter, officer in rows:
        if raw is not None:
            wait = round(raw, 3)
            if wait <= 0.0:  # max(0.0, wait), and -0.0 becomes 0.0
                wait = 0.0
            work[svc, counter, officer].append(wait)
            by_day[d].append(wait)
            by_quarter[q].append(wait)
    t.total.waits = _file(work, t.work, "waits")
    for d, values in by_day.items():
        _get(t.days, d).waits = values
    for q, values in by_quarter.items():
        t.hours[hour_of(q)].waits.extend(values)


def _add_visits(t: _Tables, rows: list[tuple], hour_of: _Hours,
                cfg: HallConfig) -> _VisitFigures:
    """Visits (R.VisitRow): counters and officers count calls; service time and ratings
    follow the visit; dossiers received and returned."""
    (counter, officer, service, status, duration, finished_q, score, reason, day,
     kind) = _columns(rows, R.VisitRow._fields, "counter", "officer_id", "service", "status",
                      "duration", "finished_q", "score", "reason", "day", "kind")
    for (c, o, st), n in Counter(zip(counter, officer, status, strict=True)).items():
        for g in (_get(t.counters, c), _get(t.officers, o)):
            g.counts["calls"] += n
            if st in _VISIT_FIGURE:
                g.counts[_VISIT_FIGURE[st]] += n
    work: dict[tuple, list[float]] = defaultdict(list)
    for svc, c, o, raw in zip(service, counter, officer, duration, strict=True):
        if raw is not None:  # a finished visit
            seconds = round(raw, 3)
            if seconds <= 0.0:
                seconds = 0.0
            work[svc, c, o].append(seconds)
    t.total.service = _file(work, t.work, "service")
    rated = [sc is not None for sc in score]
    for (svc, c, o, sc), n in Counter(compress(
            zip(service, counter, officer, score, strict=True), rated)).items():
        for g in (_get(t.services, svc), _get(t.counters, c), _get(t.officers, o), t.total):
            g.ratings[sc] += n
    for (d, sc), n in Counter(compress(zip(day, score, strict=True), rated)).items():
        _get(t.days, d).ratings[sc] += n
    for q, n in Counter(finished_q).items():
        if q is not None:
            t.hours[hour_of(q)].counts["served_visits"] += n
    dossier = [k is not None for k in kind]
    at = R.VisitRow._fields.index("kind")
    returns = sorted(R.VisitRow._make(r) for r in rows if r[at] == "returned")  # by id
    return _VisitFigures(
        calls=len(rows), served=status.count("finished"),
        finished_unrated=sum(1 for d, sc in zip(duration, score, strict=True)
                             if sc is None and d is not None),
        reasons=Counter(filter(None, reason)),
        dossiers=_dossiers(cfg, Counter(compress(zip(service, kind, strict=True), dossier)),
                           Counter(compress(zip(day, kind, strict=True), dossier)), returns))


def _build(tx: Tx, period: Period) -> dict[str, Any]:
    cfg = tx.cfg
    hour_of = _Hours(cfg)
    t = _Tables(services={s.code: _Group() for s in cfg.services},
                counters={c.number: _Group() for c in cfg.counters},
                days={d.isoformat(): _Group() for d in period.dates()})
    # One kind of row at a time, each set freed before the next is read.
    R.begin(tx.s)
    _add_tickets(t, R.tickets(tx.s, period.start, period.end), hour_of)
    seen = _add_visits(t, R.visits(tx.s, period.start, period.end,
                                   cfg.dossier.result_service), hour_of, cfg)
    people = R.officers(tx.s)
    paused = R.pauses(tx.s, period.start, period.end, cfg.zone, len(cfg.counters), tx.now)
    services, counters, officers, days, hours, total = (
        t.services, t.counters, t.officers, t.days, t.hours, t.total)
    dossiers, reasons, finished_unrated = seen.dossiers, seen.reasons, seen.finished_unrated

    _hall_order_first(services, [s.code for s in cfg.services])
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
        g.waits.sort()
        target = svc.target_wait_s if svc else None
        by_service.append({
            "service": code, "name": svc.name if svc else code,
            "name_en": svc.name_en if svc else code, **ticket_figures(g),
            "wait": summarise(g.waits), "service_time": summarise(g.service),
            **_ratings_out(cfg, g.ratings),
            "target_wait_s": target,
            "over_target": len(g.waits) - bisect_right(g.waits, target) if target else 0,
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
    for oid, g in _sorted_officers(officers, people):
        username, full_name = people.get(oid, ("", "")) if oid is not None else ("", "")
        by_officer.append({
            "officer_id": oid, "username": username or None, "full_name": full_name,
            **visit_figures(g), "wait": summarise(g.waits),
            "service_time": summarise(g.service), **_ratings_out(cfg, g.ratings),
        })
    by_hour = [{"hour": h, "issued": g.counts["issued"], "served": g.counts["served_visits"],
                "wait_mean_s": mean(g.waits)} for h, g in hours.items()]
    by_day = []
    for d, g in sorted(days.items()):
        dd = dossiers["_by_day"].get(d, Counter())
        by_day.append({"date": d, **ticket_figures(g), "wait_mean_s": mean(g.waits),
                       **{k: v for k, v in _ratings_out(cfg, g.ratings).items()
                          if k != "ratings"},
                       "dossiers_received": dd["received"], "dossiers_returned": dd["returned"]})
    del dossiers["_by_day"]

    rated = sum(total.ratings.values())
    levels = [{"score": lv.score, "name": lv.name, "name_en": lv.name_en,
               "count": total.ratings[lv.score], "share": rate(total.ratings[lv.score], rated)}
              for lv in cfg.rating.levels]
    totals = {**ticket_figures(total), "wait": summarise(total.waits),
              "service_time": summarise(total.service), "calls": seen.calls,
              "visits_served": seen.served,
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


# -- the order of rows ---------------------------------------------------------------------
def _hall_order_first(groups: dict[str, Any], codes: list[str]) -> None:
    """The hall's services in the hall file's order, then any others (removed from the hall
    file since) by code."""
    known = set(codes)
    extra = sorted(code for code in groups if code not in known)
    if extra:
        groups.update({code: groups.pop(code) for code in extra})


def _sorted_officers(officers: dict[int | None, _Group],
                     people: dict[int, tuple[str, str]]) -> list[tuple[int | None, _Group]]:
    """By username; an officer id with no account (never the case: accounts are not deleted)
    after them, by id; no officer recorded last."""
    def key(kv: tuple[int | None, _Group]) -> tuple[str, int]:
        oid = kv[0]
        if oid is None:
            return "~~", 0
        return people.get(oid, ("~",))[0], oid

    return sorted(officers.items(), key=key)


# -- dossiers --------------------------------------------------------------------------------
def _dossiers(cfg: HallConfig, by_service: Counter, by_day_: Counter,
              returns: list[R.VisitRow]) -> dict[str, Any]:
    """Received and returned dossiers by service and by day, from visits counted by (visit
    service, kind) and (ticket day, kind); each return (in visit order) classed against its
    due date in working time."""
    cal = WorkCalendar(cfg.calendar.as_hours(), cfg.zone)
    per_service: dict[str, Counter] = {s.code: Counter() for s in cfg.services}
    total: Counter = Counter()
    by_day: dict[str, Counter] = defaultdict(Counter)
    for (svc, kind), n in by_service.items():
        counts = per_service.get(svc)
        if counts is None:
            counts = per_service[svc] = Counter()
        counts[kind] += n
        total[kind] += n
    for (day, kind), n in by_day_.items():
        by_day[day][kind] += n
    _hall_order_first(per_service, [s.code for s in cfg.services])
    late: list[dict[str, Any]] = []
    for v in returns:
        counts = per_service[v.service]
        if v.due_date is None or v.finished is None:
            for c in (counts, total):
                c["no_due_date"] += 1
            continue
        returned_at = datetime.fromtimestamp(v.finished, UTC)
        klass, margin = cal.classify(returned_at, date.fromisoformat(v.due_date))
        for c in (counts, total):
            c[klass.value] += 1
        if klass == OnTime.late and len(late) < LATE_LIST_MAX:
            late.append({"dossier_code": v.dossier_code, "service": v.service,
                         "counter": v.counter, "due_date": v.due_date,
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
