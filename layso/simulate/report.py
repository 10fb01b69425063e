"""What a simulated day shows: waiting-time percentiles and counts per service, as JSON-ready
data and as a table for the terminal (Vietnamese first, English second).

A waiting time is the first call minus the issue time, both stamped by the server (as in the
manager's reports). A ticket nobody called by closing counts with its wait until closing, a
lower bound; the `unserved` column says how many such tickets there are.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from layso.simulate.driver import Citizen, DayResult

UNSERVED = ("waiting", "at_counter", "lost")


def percentiles(values: Sequence[float]) -> dict[str, float | int | None]:
    """count, mean, p50, p90, p99, max in seconds (linear interpolation between order
    statistics, as Excel's PERCENTILE.INC and the server's reports do)."""
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p90": None, "p99": None, "max": None}
    ordered = sorted(values)
    if len(ordered) == 1:
        p50 = p90 = p99 = ordered[0]
    else:
        cuts = statistics.quantiles(ordered, n=100, method="inclusive")
        p50, p90, p99 = cuts[49], cuts[89], cuts[98]
    return {"count": len(ordered), "mean": round(math.fsum(ordered) / len(ordered), 1),
            "p50": round(p50, 1), "p90": round(p90, 1), "p99": round(p99, 1),
            "max": round(ordered[-1], 1)}


def _waits(citizens: list[Citizen], until: float) -> tuple[list[float], int]:
    waits, censored = [], 0
    for c in citizens:
        if c.issued_at is None:
            continue
        if c.first_called_at is not None:
            waits.append(c.first_called_at - c.issued_at)
        else:
            waits.append(max(0.0, until - c.issued_at))
            censored += 1
    return waits, censored


def _figures(citizens: list[Citizen], until: float) -> dict[str, Any]:
    issued = [c for c in citizens if c.issued_at is not None]
    waits, censored = _waits(citizens, until)
    return {
        "arrived": len(citizens),
        "issued": len(issued),
        "served": sum(1 for c in issued if c.outcome == "served"),
        "no_show": sum(1 for c in issued if c.outcome == "no_show"),
        "transferred": sum(1 for c in issued if c.transfers),
        "unserved": sum(1 for c in issued if c.outcome in UNSERVED),
        "refused": sum(1 for c in citizens if c.outcome == "refused"),
        "rated": sum(1 for c in issued if c.rated),
        "wait_s": {**percentiles(waits), "censored": censored},
    }


def summarise(result: DayResult, seed: int | str | None = None) -> dict[str, Any]:
    until = result.reached.timestamp()
    mine = [c for c in result.citizens if c.arrival.k >= 0]
    by_service: dict[str, list[Citizen]] = {s.code: [] for s in result.cfg.services}
    for c in mine:
        by_service.setdefault(c.arrival.service, []).append(c)
    services = []
    for svc in result.cfg.services:
        services.append({"service": svc.code, "name": svc.name, "name_en": svc.name_en,
                         "counters": len(result.cfg.counters_for(svc.code)),
                         **_figures(by_service[svc.code], until)})
    issued = sum(1 for c in mine if c.issued_at is not None)
    wall = result.wall_s or 1e-9
    server = result.server_report or {}
    return {
        "hall": result.cfg.hall.code,
        "date": result.day.isoformat(),
        "begin": result.begin.isoformat(),
        "end": result.end.isoformat(),
        "reached": result.reached.isoformat(),
        "stopped": result.stopped,
        "seed": seed,
        "counters": len(result.cfg.counters),
        "wall_s": round(result.wall_s, 2),
        "steps": result.steps,
        "requests": result.requests,
        "requests_per_s": round(result.requests / wall, 1),
        "tickets_per_s": round(issued / wall, 1),
        "ratings": result.ratings,
        "kiosk_throttled": result.kiosk_throttled,
        "left_at_counters": result.left_at_counters,
        "totals": _figures(mine, until),
        "services": services,
        "others_tickets": len(result.citizens) - len(mine),
        "errors": {f"{action}/{code}": n for (action, code), n in sorted(result.errors.items())},
        "error_samples": [{"action": a, "status": s, "detail": d}
                          for a, s, d in result.error_samples],
        "server_report": {k: server.get(k) for k in
                          ("issued", "served", "no_show", "expired", "waiting", "transferred",
                           "ratings", "wait")} if server else None,
    }


def _min(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 60:.1f}"


def format_table(summary: dict[str, Any]) -> str:
    """The per-service table, waits in minutes."""
    head_vi = ("Lĩnh vực", "Quầy", "Lấy số", "Đã phục vụ", "Vắng", "Chuyển", "Chưa phục vụ",
               "Chờ p50", "p90", "p99", "Lâu nhất")
    head_en = ("service", "counters", "issued", "served", "no-show", "transferred", "unserved",
               "wait p50", "p90", "p99", "max (min)")
    rows = []
    for row in [*summary["services"], {"service": "Tổng/all", **summary["totals"],
                                       "counters": summary["counters"]}]:
        w = row["wait_s"]
        rows.append((row["service"], str(row["counters"]), str(row["issued"]),
                     str(row["served"]), str(row["no_show"]), str(row["transferred"]),
                     str(row["unserved"]), _min(w["p50"]), _min(w["p90"]), _min(w["p99"]),
                     _min(w["max"])))
    widths = [max(len(r[i]) for r in [head_vi, head_en, *rows]) for i in range(len(head_vi))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                         for i, c in enumerate(cells))

    out = [line(head_vi), line(head_en), line(["-" * w for w in widths])]
    out += [line(r) for r in rows[:-1]]
    out += [line(["-" * w for w in widths]), line(rows[-1])]
    return "\n".join(out)


def format_footer(summary: dict[str, Any]) -> str:
    t = summary["totals"]
    lines = [
        f"{summary['hall']} {summary['date']}: {t['issued']} số/tickets, {t['served']} phục vụ/"
        f"served, {t['unserved']} chưa gọi tới khi đóng cửa/left at closing, "
        f"{t['refused']} bị từ chối/refused, {summary['ratings']} đánh giá/ratings.",
        f"Thời gian thực/wall time {summary['wall_s']:.1f} s: {summary['tickets_per_s']} số/s "
        f"(tickets/s), {summary['requests']} lệnh/requests "
        f"({summary['requests_per_s']}/s), {summary['steps']} bước/steps.",
    ]
    if t["unserved"]:
        lines.append("Số thứ tự chưa được gọi tính thời gian chờ đến lúc đóng cửa (cận dưới). "
                     "(Tickets never called count their wait until closing: a lower bound.)")
    if summary["errors"]:
        errs = ", ".join(f"{k}: {n}" for k, n in summary["errors"].items())
        lines.append(f"Lỗi/errors: {errs}")
    return "\n".join(lines)
