"""Citizens arriving at the kiosks: a Poisson process per service, or a past day replayed.

Each service draws from its own random stream (seeded by the run's seed and the service
code), so the arrivals of one service do not change when another service's demand, or the
number of counters, changes: runs that compare counter counts see the same citizens.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from contracts.hall_config import HallConfig
from layso.simulate.profile import HOURS, ArrivalProfile, Window, issue_windows


@dataclass(frozen=True, order=True)
class Arrival:
    """A citizen taking a ticket: `t` seconds after the hall's local midnight, for `service`,
    perhaps in a priority group. `k` numbers the citizens of one service (0, 1, …)."""

    t: float
    service: str
    k: int = 0
    priority: str | None = None


def _segments(windows: list[Window]) -> list[tuple[float, float, int]]:
    """The windows cut at hour boundaries: (start, end, hour)."""
    out = []
    for w in windows:
        h = int(w.start // 3600)
        start = w.start
        while start < w.end and h < HOURS:
            end = min(w.end, (h + 1) * 3600.0)
            if end > start:
                out.append((start, end, h))
            start, h = end, h + 1
    return out


def _priority(rng: random.Random, share: float, groups: list[str]) -> str | None:
    if not groups or rng.random() >= share:
        return None
    return rng.choice(groups)


def poisson_arrivals(profile: ArrivalProfile, cfg: HallConfig, day: date,
                     seed: int | str) -> list[Arrival]:
    """A non-homogeneous Poisson process per service: the profile's hourly rate, inside the
    hall's ticket windows on `day` (each session up to its cut-off). Sorted by time."""
    segments = _segments(issue_windows(cfg, day))
    groups = [p.code for p in cfg.priority_groups]
    out: list[Arrival] = []
    for svc in cfg.services:
        times_rng = random.Random(f"{seed}:arrivals:{svc.code}")
        prio_rng = random.Random(f"{seed}:priority:{svc.code}")
        k = 0
        for start, end, hour in segments:
            per_s = profile.rates.get(svc.code, (0.0,) * HOURS)[hour] / 3600.0
            if per_s <= 0:
                continue
            t = start
            while True:  # exponential gaps; memoryless, so each segment may start afresh
                t += times_rng.expovariate(per_s)
                if t >= end:
                    break
                out.append(Arrival(t, svc.code, k,
                                   _priority(prio_rng, profile.priority_share, groups)))
                k += 1
    out.sort()
    return out


@dataclass(frozen=True)
class Replayed:
    arrivals: list[Arrival]
    dropped_service: int  # tickets of services the hall file no longer has
    dropped_hours: int  # tickets outside the simulated day's ticket windows


def replay_arrivals(past: list[tuple[float, str, str | None]], cfg: HallConfig,
                    day: date) -> Replayed:
    """A past day's tickets (time of day, service, priority group) moved onto `day`; those the
    hall would not take on `day` are counted and left out."""
    windows = issue_windows(cfg, day)
    codes = {s.code for s in cfg.services}
    groups = {p.code for p in cfg.priority_groups}
    counts: dict[str, int] = {}
    out: list[Arrival] = []
    no_service = no_hours = 0
    for t, service, priority in sorted(past, key=lambda row: row[0]):
        if service not in codes:
            no_service += 1
            continue
        if not any(w.start <= t < w.end for w in windows):
            no_hours += 1
            continue
        k = counts.get(service, 0)
        counts[service] = k + 1
        out.append(Arrival(t, service, k, priority if priority in groups else None))
    return Replayed(out, no_service, no_hours)
