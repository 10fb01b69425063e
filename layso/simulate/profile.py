"""Demand: how many citizens come for each service in each hour of the day.

A profile holds a rate (tickets per hour) per service and local hour. It comes from a total for
the day spread over a typical hall's hours (`profile_per_day`), or from a TOML file a planner
writes (`load_profile`). Times of day are seconds since the hall's local midnight.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from contracts.hall_config import HallConfig

HOURS = 24
# Relative intensity of arrivals by local hour in a Vietnamese one-stop office: a queue at the
# door at opening, a peak mid-morning, a quieter afternoon with a smaller peak after lunch.
DEFAULT_SHAPE: dict[int, float] = {
    **dict.fromkeys(range(0, 7), 0.15),
    7: 0.8, 8: 1.3, 9: 1.4, 10: 1.1, 11: 0.6, 12: 0.3,
    13: 0.7, 14: 1.1, 15: 1.0, 16: 0.6, 17: 0.4,
    **dict.fromkeys(range(18, 24), 0.2),
}
DEFAULT_PRIORITY_SHARE = 0.05


class ProfileError(Exception):
    """A demand description that cannot be used; `str()` says what to fix."""


@dataclass(frozen=True)
class Window:
    """A span of the day in seconds since local midnight: [start, end)."""

    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


def _seconds(t: time) -> float:
    if t == time.max:  # "24:00"
        return 86400.0
    return float(t.hour * 3600 + t.minute * 60 + t.second)


def open_sessions(cfg: HallConfig, day: date) -> list[Window]:
    """The hall's opening sessions on `day` (empty on a holiday or a closed weekday)."""
    return [Window(_seconds(iv.start), _seconds(iv.end)) for iv in cfg.hours.sessions_on(day)]


def issue_windows(cfg: HallConfig, day: date) -> list[Window]:
    """When the kiosks give out tickets: each session up to its cut-off."""
    cut = cfg.hours.cutoff_min * 60
    return [Window(w.start, w.end - cut) for w in open_sessions(cfg, day) if w.end - cut > w.start]


def hour_overlap(windows: list[Window]) -> list[float]:
    """For each local hour, how many hours of it (0..1) fall inside the windows."""
    out = [0.0] * HOURS
    for w in windows:
        for h in range(int(w.start // 3600), min(HOURS, math.ceil(w.end / 3600))):
            lo, hi = max(w.start, h * 3600.0), min(w.end, (h + 1) * 3600.0)
            if hi > lo:
                out[h] += (hi - lo) / 3600.0
    return out


@dataclass(frozen=True)
class ArrivalProfile:
    """Tickets per hour for each service and local hour (24 rates per service)."""

    rates: dict[str, tuple[float, ...]]
    priority_share: float = DEFAULT_PRIORITY_SHARE

    def rate(self, service: str, t: float) -> float:
        """Tickets per hour for `service` at `t` seconds after midnight."""
        hours = self.rates.get(service)
        return hours[min(HOURS - 1, int(t // 3600))] if hours else 0.0

    def expected(self, cfg: HallConfig, day: date) -> dict[str, float]:
        """Expected tickets per service on `day` (the rates over the issue windows)."""
        overlap = hour_overlap(issue_windows(cfg, day))
        return {code: math.fsum(r * o for r, o in zip(hours, overlap, strict=True))
                for code, hours in self.rates.items()}


def capacity_weights(cfg: HallConfig) -> dict[str, float]:
    """Each service's share of the hall's serving capacity: its share of every counter that
    serves it, over its mean service time. Demand in these proportions loads the hall evenly."""
    weight = dict.fromkeys((s.code for s in cfg.services), 0.0)
    for counter in cfg.counters:
        for code in counter.services:
            weight[code] += 1.0 / len(counter.services)
    return {s.code: weight[s.code] / s.avg_service_s for s in cfg.services}


def daily_capacity(cfg: HallConfig, day: date) -> float:
    """About how many citizens the hall's counters can serve on `day` at the services' mean
    times, if every counter works every open minute."""
    open_s = math.fsum(w.length for w in open_sessions(cfg, day))
    return open_s * math.fsum(capacity_weights(cfg).values())


def _shape_list(shape: dict[int, float]) -> list[float]:
    return [float(shape.get(h, 0.0)) for h in range(HOURS)]


def profile_per_day(cfg: HallConfig, day: date, total: float,
                    shape: dict[int, float] | None = None,
                    weights: dict[str, float] | None = None,
                    priority_share: float = DEFAULT_PRIORITY_SHARE) -> ArrivalProfile:
    """`total` tickets expected on `day`, split between services by `weights` (default: the
    hall's capacity per service) and over the hours by `shape` (default: DEFAULT_SHAPE)."""
    if total < 0:
        raise ProfileError(f"arrivals per day must be 0 or more, not {total}")
    weights = weights or capacity_weights(cfg)
    wsum = math.fsum(weights.values())
    per_day = {s.code: (total * weights.get(s.code, 0.0) / wsum if wsum else 0.0)
               for s in cfg.services}
    return _spread(cfg, day, per_day, _shape_list(shape or DEFAULT_SHAPE), priority_share)


def _spread(cfg: HallConfig, day: date, per_day: dict[str, float], shape: list[float],
            priority_share: float) -> ArrivalProfile:
    overlap = hour_overlap(issue_windows(cfg, day))
    mass = math.fsum(s * o for s, o in zip(shape, overlap, strict=True))
    if mass <= 0 and any(per_day.values()):
        raise ProfileError(f"the hall takes no tickets on {day} in the hours the profile's "
                           "shape allows (a holiday, a closed weekday, or a shape of zeros)")
    rates = {code: tuple(n * s / mass if mass else 0.0 for s in shape)
             for code, n in per_day.items()}
    return ArrivalProfile(rates, priority_share)


class _Demand(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_day: float | None = Field(default=None, ge=0)
    per_hour: dict[int, float] | None = None

    @field_validator("per_hour")
    @classmethod
    def _hours(cls, value: dict[int, float] | None) -> dict[int, float] | None:
        for hour, rate in (value or {}).items():
            if not 0 <= hour < HOURS:
                raise ValueError(f"hour {hour} is not an hour of the day (0–23)")
            if rate < 0:
                raise ValueError(f"hour {hour}: a rate cannot be negative")
        return value


class _ProfileFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shape: dict[int, float] | None = None
    priority_share: float = Field(default=DEFAULT_PRIORITY_SHARE, ge=0, le=1)
    services: dict[str, _Demand] = Field(min_length=1)


def load_profile(path: Path | str, cfg: HallConfig, day: date) -> ArrivalProfile:
    """A profile from a TOML file:

        priority_share = 0.05              # optional
        shape = { 8 = 1.3, 9 = 1.4 }       # optional: relative intensity by hour
        [services.HT]
        per_day = 120                      # spread over the hours by `shape`
        [services.CT]
        per_hour = { 8 = 20, 9 = 25 }      # tickets per hour, hour by hour

    Services the file leaves out get no citizens."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        spec = _ProfileFile.model_validate(data)
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read the profile: {exc.strerror}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: not a TOML file: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise ProfileError(f"{path}: {problems}") from None
    known = [s.code for s in cfg.services]
    unknown = [code for code in spec.services if code not in known]
    if unknown:
        raise ProfileError(f"{path}: services {', '.join(unknown)} are not in the hall "
                           f"(known: {', '.join(known)})")
    shape = _shape_list(spec.shape or DEFAULT_SHAPE)
    per_day: dict[str, float] = {}
    explicit: dict[str, tuple[float, ...]] = {}
    for code, demand in spec.services.items():
        if (demand.per_day is None) == (demand.per_hour is None):
            raise ProfileError(f"{path}: services.{code}: give per_day or per_hour (one)")
        if demand.per_hour is not None:
            explicit[code] = tuple(float(demand.per_hour.get(h, 0.0)) for h in range(HOURS))
        else:
            per_day[code] = float(demand.per_day or 0.0)
    spread = _spread(cfg, day, per_day, shape, spec.priority_share) if per_day else None
    rates = {code: (0.0,) * HOURS for code in known}
    rates.update(spread.rates if spread else {})
    rates.update(explicit)
    return ArrivalProfile(rates, spec.priority_share)
