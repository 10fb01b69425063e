"""How long a citizen stays at the counter, per service.

A lognormal with the hall file's `avg_service_s` as its mean and a coefficient of variation
(service times are positive and right-skewed: most visits are quick, a few take long), or the
finished visits of a past day, resampled.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from contracts.hall_config import HallConfig

DEFAULT_CV = 0.6
MIN_SAMPLES = 5  # fewer past visits than this and the service falls back to the lognormal


class ServiceTimes(Protocol):
    def sample(self, service: str, rng: random.Random) -> float:
        """A service time in seconds (> 0)."""
        ...

    def mean(self, service: str) -> float:
        """The expected service time in seconds."""
        ...


@dataclass(frozen=True)
class LognormalTimes:
    """Lognormal service times with the given means and one coefficient of variation:
    sigma² = ln(1 + cv²) and mu = ln(mean) − sigma²/2, so the mean is exactly `mean`."""

    means: Mapping[str, float]
    cv: float = DEFAULT_CV

    def __post_init__(self) -> None:
        if not 0 <= self.cv <= 5:
            raise ValueError(f"a coefficient of variation of {self.cv} makes no sense; use "
                             "0 (fixed times) to about 2")
        for code, m in self.means.items():
            if not m > 0:
                raise ValueError(f"service {code}: the mean service time must be positive")

    @classmethod
    def from_config(cls, cfg: HallConfig, cv: float = DEFAULT_CV,
                    scale: float = 1.0) -> LognormalTimes:
        return cls({s.code: s.avg_service_s * scale for s in cfg.services}, cv)

    def mean(self, service: str) -> float:
        return float(self.means[service])

    def sample(self, service: str, rng: random.Random) -> float:
        m = self.mean(service)
        if self.cv == 0:
            return m
        sigma2 = math.log1p(self.cv * self.cv)
        return rng.lognormvariate(math.log(m) - sigma2 / 2, math.sqrt(sigma2))


@dataclass(frozen=True)
class EmpiricalTimes:
    """Service times resampled from past finished visits; services with too few visits use
    `fallback`."""

    samples: Mapping[str, list[float]]
    fallback: ServiceTimes
    learned: frozenset[str] = field(default=frozenset())

    @classmethod
    def learn(cls, past: Mapping[str, list[float]], fallback: ServiceTimes) -> EmpiricalTimes:
        kept = {code: sorted(v) for code, v in past.items()
                if len([x for x in v if x > 0]) >= MIN_SAMPLES}
        return cls({c: [x for x in v if x > 0] for c, v in kept.items()}, fallback,
                   frozenset(kept))

    def mean(self, service: str) -> float:
        values = self.samples.get(service)
        return math.fsum(values) / len(values) if values else self.fallback.mean(service)

    def sample(self, service: str, rng: random.Random) -> float:
        values = self.samples.get(service)
        return rng.choice(values) if values else self.fallback.sample(service, rng)
