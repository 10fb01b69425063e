"""Summary statistics of durations: count, mean, median, 90th percentile, maximum.

Percentiles interpolate linearly between order statistics, as Excel's PERCENTILE.INC does,
so a manager can check any figure from the exported rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TypedDict


class Stats(TypedDict):
    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None
    max_s: float | None


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th quantile (0 ≤ q ≤ 1) of an ascending, non-empty sequence."""
    if not ordered:
        raise ValueError("no values")
    if not 0 <= q <= 1:
        raise ValueError("q is a fraction between 0 and 1")
    rank = q * (len(ordered) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (rank - lo)


def _r(x: float) -> float:
    return round(x, 1)


def mean(values: Iterable[float]) -> float | None:
    """The mean to 0.1, or None for no values. `math.fsum` is exact whatever the order of the
    values, so a group's mean needs no sorting."""
    values = values if isinstance(values, Sequence) else list(values)
    return _r(math.fsum(values) / len(values)) if values else None


def summarise(values: Sequence[float]) -> Stats:
    if not values:
        return Stats(count=0, mean_s=None, median_s=None, p90_s=None, max_s=None)
    ordered = sorted(values)  # linear when they come sorted
    return Stats(count=len(ordered), mean_s=mean(ordered),
                 median_s=_r(percentile(ordered, 0.5)), p90_s=_r(percentile(ordered, 0.9)),
                 max_s=_r(ordered[-1]))


def rate(part: int, whole: int) -> float | None:
    """A share as a fraction rounded to 4 places, or None when there is nothing to share."""
    return round(part / whole, 4) if whole else None
