"""Choosing the next ticket for a counter.

Order: a ticket transferred to this very counter first; then priority class (a priority group's
rank, everyone else after); then, within a class, a transferred ticket (it has waited once
already, if the hall says so); then the counter's service preference; then issue order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NO_PRIORITY = 99


@dataclass(frozen=True)
class Candidate:
    ticket_id: int
    service: str
    priority_rank: int  # NO_PRIORITY for everyone without a priority group
    transferred: bool
    target_counter: int | None
    order: int  # issue order (the ticket id)


def queue_key(c: Candidate, counter: int, preference: Sequence[str],
              transferred_first: bool = True) -> tuple:
    pref = preference.index(c.service) if c.service in preference else len(preference)
    return (
        0 if c.target_counter == counter else 1,
        c.priority_rank,
        0 if (c.transferred and transferred_first) else 1,
        pref,
        c.order,
    )


def eligible(c: Candidate, counter: int, preference: Sequence[str]) -> bool:
    if c.target_counter is not None:
        return c.target_counter == counter
    return c.service in preference


def pick_next(candidates: Iterable[Candidate], counter: int, preference: Sequence[str],
              transferred_first: bool = True) -> Candidate | None:
    pool = [c for c in candidates if eligible(c, counter, preference)]
    if not pool:
        return None
    return min(pool, key=lambda c: queue_key(c, counter, preference, transferred_first))
