"""How many counters each service needs to keep its 90th-percentile wait under a target.

Each run simulates the same day (the same citizens, the same service times) on a fresh server
whose hall has `n[s]` counters serving only service `s`. With dedicated counters the services'
queues are independent (but for the few citizens transferred between them), so one run tests
one candidate count for every service at once, and a bisection per service needs about
log2(count) runs: first a guess from the peak hour's load (the counters that keep the queue
from growing in the busiest hour), doubled until the target is met, then halved between the
last count that failed and the first that passed. Runs are capped (`max_runs`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layso.simulate.driver import DayPlan, Pacing
from layso.simulate.hallfile import dedicated_hall
from layso.simulate.report import summarise

MAX_PER_SERVICE = 99  # counter numbers are 100·service + k


@dataclass
class PlanRun:
    counts: dict[str, int]
    p90_s: dict[str, float | None]
    unserved: dict[str, int]
    wall_s: float


@dataclass
class CounterPlan:
    targets_s: dict[str, float]
    needed: dict[str, int | None]  # None: more than the cap
    p90_at_needed: dict[str, float | None] = field(default_factory=dict)
    p90_one_fewer: dict[str, float | None] = field(default_factory=dict)
    runs: list[PlanRun] = field(default_factory=list)
    converged: bool = False

    def as_dict(self, cfg_counts: dict[str, int]) -> dict[str, Any]:
        return {
            "converged": self.converged,
            "runs": [{"counts": r.counts, "p90_s": r.p90_s, "unserved": r.unserved,
                      "wall_s": round(r.wall_s, 2)} for r in self.runs],
            "services": [{"service": code, "target_p90_s": self.targets_s[code],
                          "counters_now": cfg_counts.get(code, 0), "needed": n,
                          "p90_s_at_needed": self.p90_at_needed.get(code),
                          "p90_s_one_fewer": self.p90_one_fewer.get(code)}
                         for code, n in self.needed.items()],
        }


def peak_guess(plan: DayPlan) -> dict[str, int]:
    """Counters that keep up with the busiest hour: ceil(arrivals in that hour × mean service
    time / 3600), at least 1; 0 for a service nobody comes for."""
    per_hour: dict[str, Counter] = {}
    for a in plan.arrivals:
        per_hour.setdefault(a.service, Counter())[int(a.t // 3600)] += 1
    out = {}
    for svc in plan.cfg.services:
        hours = per_hour.get(svc.code)
        if not hours:
            out[svc.code] = 0
            continue
        load = max(hours.values()) * plan.times.mean(svc.code) / 3600
        out[svc.code] = max(1, math.ceil(load))
    return out


def plan_counters(plan: DayPlan, targets_s: dict[str, float], *, max_runs: int = 8,
                  max_per_service: int = 40, pacing: Pacing | None = None,
                  folder: Path | None = None,
                  on_run: Callable[[PlanRun], None] | None = None) -> CounterPlan:
    """Search the counters per service; each run is a fresh server (see the module's text)."""
    from layso.simulate.session import simulate_own

    cap = min(max_per_service, MAX_PER_SERVICE)
    guess = peak_guess(plan)
    codes = [s.code for s in plan.cfg.services]
    lo = dict.fromkeys(codes, 0)  # the largest count known to fail (0 always fails)
    hi: dict[str, int | None] = dict.fromkeys(codes, None)  # the smallest known to pass
    p90_at: dict[str, dict[int, float | None]] = {c: {} for c in codes}
    result = CounterPlan(dict(targets_s), dict.fromkeys(codes))
    for code in codes:
        if guess[code] == 0:
            hi[code] = 0  # nobody comes: no counter needed
    gave_up: set[str] = set()

    def done(code: str) -> bool:
        return code in gave_up or (hi[code] is not None and hi[code] - lo[code] <= 1) \
            or hi[code] == 0

    for _ in range(max_runs):
        pending = [c for c in codes if not done(c)]
        if not pending:
            break
        counts = {}
        for code in codes:
            if done(code):
                counts[code] = max(1, hi[code] or cap)
            elif hi[code] is None:
                counts[code] = min(cap, max(guess[code], 2 * lo[code]))
            else:
                counts[code] = (lo[code] + hi[code]) // 2
        hall = dedicated_hall(plan.cfg, counts)
        run_plan = DayPlan(hall, plan.day, plan.arrivals, plan.times, plan.behaviour, plan.seed)
        day, _ = simulate_own(run_plan, pacing, folder=folder)
        summary = summarise(day)
        rows = {row["service"]: row for row in summary["services"]}
        run = PlanRun(counts, {c: rows[c]["wait_s"]["p90"] for c in codes},
                      {c: rows[c]["unserved"] for c in codes}, day.wall_s)
        result.runs.append(run)
        if on_run is not None:
            on_run(run)
        for code in pending:
            n, p90 = counts[code], run.p90_s[code]
            p90_at[code][n] = p90
            if p90 is not None and p90 <= targets_s[code]:
                hi[code] = n
            else:
                lo[code] = n
                if n >= cap:
                    gave_up.add(code)
    result.converged = all(done(c) for c in codes) and not gave_up
    for code in codes:
        result.needed[code] = None if code in gave_up else hi[code]
        n = hi[code]
        if n:
            result.p90_at_needed[code] = p90_at[code].get(n)
            result.p90_one_fewer[code] = p90_at[code].get(n - 1)
    return result


def format_plan(plan: CounterPlan, cfg_counts: dict[str, int]) -> str:
    def m(s: float | None) -> str:
        return "—" if s is None else f"{s / 60:.1f}"

    head_vi = ("Lĩnh vực", "Mục tiêu p90", "Quầy hiện có", "Quầy cần", "p90 khi đủ",
               "p90 khi thiếu 1")
    head_en = ("service", "target (min)", "counters now", "needed", "p90 then", "p90 one fewer")
    rows = []
    for code, n in plan.needed.items():
        needed = f">{max(r.counts[code] for r in plan.runs)}" if n is None and plan.runs \
            else ("?" if n is None else str(n))
        rows.append((code, m(plan.targets_s[code]), str(cfg_counts.get(code, 0)), needed,
                     m(plan.p90_at_needed.get(code)), m(plan.p90_one_fewer.get(code))))
    widths = [max(len(r[i]) for r in [head_vi, head_en, *rows]) for i in range(len(head_vi))]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                         for i, c in enumerate(cells))

    out = [line(head_vi), line(head_en), line(tuple("-" * w for w in widths))]
    out += [line(r) for r in rows]
    total = sum(n for n in plan.needed.values() if n)
    out.append(f"Tổng số quầy chuyên trách cần/dedicated counters needed: {total} "
               f"({len(plan.runs)} lần chạy/runs"
               f"{'' if plan.converged else '; chưa hội tụ/not converged: raise --max-runs'}).")
    return "\n".join(out)
