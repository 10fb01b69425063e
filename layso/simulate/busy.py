"""A busy day run as fast as possible, for `make bench`: how long the real server takes to
live through a whole day of a large centre."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from contracts.hall_config import load_hall_config
from layso.simulate.driver import Pacing
from layso.simulate.report import summarise
from layso.simulate.session import Demand, build_plan, next_open_day, simulate_own


def run_busy_day(config: Path | str, tickets: int, seed: int | str = 1, *,
                 day: date | None = None, tick_s: float | None = None,
                 folder: Path | None = None) -> dict[str, Any]:
    """Simulate `tickets` expected citizens on the hall of `config` against a fresh server of
    the simulator's own (number ranges widened so no service runs out of numbers), as fast as
    the server answers. Returns the wall time of the day (setup excluded), tickets and
    requests per second, the server's memory at the end and the waiting-time figures."""
    cfg = load_hall_config(config)
    day = day or next_open_day(cfg, date(2026, 11, 23))
    built = build_plan(cfg, day, Demand(per_day=tickets), seed=seed)
    result, server = simulate_own(built.plan, Pacing(tick_s=tick_s), folder=folder,
                                  wide_numbers=True)
    summary = summarise(result, seed)
    totals = summary["totals"]
    return {
        "hall": summary["hall"], "date": summary["date"], "counters": summary["counters"],
        "tickets": totals["issued"], "served": totals["served"], "unserved": totals["unserved"],
        "wall_s": summary["wall_s"], "tickets_per_s": summary["tickets_per_s"],
        "requests": summary["requests"], "requests_per_s": summary["requests_per_s"],
        "steps": summary["steps"], "setup_s": server["setup_s"],
        "server_rss_bytes": server["server_rss_bytes"], "database": server["database"],
        "wait_s": totals["wait_s"],
        "by_service": {row["service"]: row["wait_s"] for row in summary["services"]},
        "errors": summary["errors"],
    }
