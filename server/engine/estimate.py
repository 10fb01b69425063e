"""Estimated waiting time: people ahead × recent service time ÷ counters serving."""

from __future__ import annotations

import math
from collections.abc import Sequence


def mean_service_s(recent_durations_s: Sequence[float], default_s: int) -> float:
    """Mean of the day's recent service times, leaning on the hall's estimate until there are
    a few (a single quick visit must not promise everyone a two-minute wait)."""
    n = len(recent_durations_s)
    prior_weight = max(0, 5 - n)
    total = sum(recent_durations_s) + prior_weight * default_s
    return total / (n + prior_weight) if (n + prior_weight) else float(default_s)


def estimated_wait_s(ahead: int, mean_s: float, counters_open: int) -> int:
    if ahead <= 0:
        return 0
    return int(math.ceil(ahead * mean_s / max(1, counters_open)))
