"""What people do besides arriving: citizens who do not come when called, who are sent on to
another service, who rate the visit; officers who take breaks or are away for the day.

Everything is drawn up front from seeded streams keyed by the citizen (service and index) or
the counter number, so a run is reproducible and two runs that differ only in counters see the
same citizens behave the same way.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

from contracts.hall_config import HallConfig
from layso.simulate.arrivals import Arrival
from layso.simulate.profile import open_sessions
from layso.simulate.service_times import ServiceTimes


@dataclass(frozen=True)
class Behaviour:
    """Probabilities and durations of the people in the hall (all times in seconds)."""

    no_show_p: float = 0.05  # the citizen is gone when called
    transfer_p: float = 0.03  # the officer sends the citizen on to another service
    rating_p: float = 0.6  # the citizen presses a rating key after the visit
    walk_s: tuple[float, float] = (10.0, 45.0)  # from the call to reaching the counter
    recall_after_s: float = 40.0  # the officer recalls a missing citizen after this long
    recalls: int = 1  # recalls before the officer skips (capped by the hall's max_recalls)
    breaks_per_day: float = 2.0  # per officer, on average
    break_s: float = 600.0  # mean length of a break
    absent_p: float = 0.0  # an officer is away for the whole day
    drain: bool = True  # at a mid-day closing, officers serve whoever still holds a ticket

    def __post_init__(self) -> None:
        for name in ("no_show_p", "transfer_p", "rating_p", "absent_p"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} is a probability between 0 and 1, not {value}")
        lo, hi = self.walk_s
        if not 0 <= lo <= hi:
            raise ValueError(f"walk_s must be a range (low, high) of seconds, not {self.walk_s}")
        if self.recall_after_s <= 0 or self.recalls < 0:
            raise ValueError("recall_after_s must be positive and recalls 0 or more")
        if self.breaks_per_day < 0 or self.break_s < 0:
            raise ValueError("breaks_per_day and break_s cannot be negative")


@dataclass(frozen=True)
class CitizenPlan:
    """What one citizen will do, decided before the day starts."""

    service_s: float  # time at the counter of the chosen service
    walk_s: float
    no_show: bool
    transfer_to: str | None  # sent on to this service after `transfer_after_s`
    transfer_after_s: float
    second_service_s: float  # time at the counter of the service sent on to
    rating: int | None  # the score pressed after finishing, if any
    rating_delay_s: float
    outcome: str = "received"  # what the officer records at finish


def rating_weights(levels: int) -> list[float]:
    """Most citizens press the top key, some the next, few the rest."""
    if levels == 1:
        return [1.0]
    if levels == 2:
        return [0.15, 0.85]
    rest = 0.08 / (levels - 2)
    return [rest] * (levels - 2) + [0.22, 0.70]


def plan_citizen(arrival: Arrival, cfg: HallConfig, times: ServiceTimes, behaviour: Behaviour,
                 seed: int | str) -> CitizenPlan:
    rng = random.Random(f"{seed}:citizen:{arrival.service}:{arrival.k}")
    service_s = times.sample(arrival.service, rng)
    walk = rng.uniform(*behaviour.walk_s)
    no_show = rng.random() < behaviour.no_show_p
    others = [s.code for s in cfg.services if s.code != arrival.service]
    transfer_to = None
    if others and rng.random() < behaviour.transfer_p:
        transfer_to = rng.choice(others)
    transfer_after = service_s * rng.uniform(0.2, 0.6)
    second = times.sample(transfer_to, rng) if transfer_to else 0.0
    levels = len(cfg.rating.levels)
    rating = None
    if rng.random() < behaviour.rating_p:
        rating = rng.choices(range(1, levels + 1), weights=rating_weights(levels))[0]
    # inside the window, with room for the simulator's time step
    delay = rng.uniform(2.0, max(2.0, cfg.rating.window_s * 0.5))
    return CitizenPlan(service_s, walk, no_show, transfer_to, transfer_after, second, rating,
                       delay, _outcome(cfg, transfer_to or arrival.service, rng))


# What a finished visit records (contracts.api.Outcome), outside the hall's result desk.
OUTCOMES = (("received", 0.75), ("guidance", 0.15), ("supplement", 0.07), ("refused", 0.03))


def _outcome(cfg: HallConfig, service: str, rng: random.Random) -> str:
    if service == cfg.dossier.result_service:
        return "returned"
    return rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]


def dossier_code(cfg: HallConfig, day: date, n: int) -> str | None:
    """A dossier code shaped like the hall's example, with the day and a running number in
    place of the example's date and serial; None if the hall's pattern is not like that."""
    example = cfg.dossier.example
    code = re.sub(r"-\d{6}-", f"-{day:%y%m%d}-", example, count=1)
    tail = re.search(r"\d+$", code)
    if tail is None:
        return None
    code = code[:tail.start()] + str(n).zfill(len(tail.group()))
    return code if re.fullmatch(cfg.dossier.pattern, code) else None


def plan_breaks(cfg: HallConfig, day: date, behaviour: Behaviour,
                seed: int | str) -> dict[int, list[tuple[float, float]]]:
    """Each counter's breaks on `day`: (when it wants to pause, how long), in seconds after
    midnight, inside the opening sessions. An officer pauses at the first free moment after
    the time and resumes after the length."""
    sessions = open_sessions(cfg, day)
    total = sum(w.length for w in sessions)
    out: dict[int, list[tuple[float, float]]] = {}
    for counter in cfg.counters:
        rng = random.Random(f"{seed}:breaks:{counter.number}")
        whole, frac = divmod(behaviour.breaks_per_day, 1.0)
        n = int(whole) + (1 if rng.random() < frac else 0)
        breaks = []
        for _ in range(n if total > 0 else 0):
            at = rng.uniform(0, total)
            for w in sessions:  # map the offset onto the sessions
                if at < w.length:
                    start = w.start + at
                    break
                at -= w.length
            else:
                start = sessions[-1].end
            breaks.append((start, behaviour.break_s * rng.uniform(0.5, 1.5)))
        out[counter.number] = sorted(breaks)
    return out


def absent_counters(cfg: HallConfig, behaviour: Behaviour, seed: int | str) -> set[int]:
    """Counters whose officer is away all day."""
    return {c.number for c in cfg.counters
            if random.Random(f"{seed}:absent:{c.number}").random() < behaviour.absent_p}
