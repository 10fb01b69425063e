"""One day's figures for the hall, by service: the contract's daily report.

The keys `issued`, `served`, `no_show` and `ratings` (a count per level) are the contract;
the figures come from the same computation as the manager's reports (server/reports/summary),
so the two always agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from server.queue.context import Tx
from server.reports.period import Period, PeriodKind
from server.reports.summary import build

TICKET_KEYS = ("issued", "served", "no_show", "cancelled", "expired", "waiting", "transferred")


def day_bounds(tx: Tx, day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tx.cfg.zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def from_summary(report: dict[str, Any], day: date,
                 levels: list[dict[str, Any]]) -> dict[str, Any]:
    totals = report["totals"]
    sat = report["satisfaction"]
    dossiers = report["dossiers"]
    return {
        "date": day.isoformat(), "hall": report["hall"]["code"], "empty": report["empty"],
        "message": report["message"],
        **{k: totals[k] for k in TICKET_KEYS},
        "ratings": {str(lv["score"]): lv["count"] for lv in sat["levels"]},
        "satisfaction_rate": sat["satisfaction_rate"],
        "rating_levels": levels,
        "dossiers": dossiers["received"] + dossiers["returned"],
        "dossiers_received": dossiers["received"],
        "dossiers_returned": dossiers["returned"],
        "on_time_rate": dossiers["on_time_rate"],
        "wait": totals["wait"],
        "service_time": totals["service_time"],
        "by_service": [{"service": row["service"], **{k: row[k] for k in TICKET_KEYS}}
                       for row in report["by_service"]],
    }


def daily_report(tx: Tx, day: date) -> dict[str, Any]:
    levels = [lv.model_dump() for lv in tx.cfg.rating.levels]
    return from_summary(build(tx, Period(day, day, PeriodKind.day)), day, levels)
