"""Helpers for bus tests: run a coroutine with a deadline, wait for a condition, fast timing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from drivers.bus.engine import Timing

T = TypeVar("T")

# Quicker probes and reconnects than a hall needs, and a patient turnaround, so tests are
# fast on a busy 2-core machine without a false timeout.
FAST = Timing(turnaround_s=0.1, probe_min_s=0.05, probe_max_s=0.2, ping_interval_s=0.5,
              reconnect_min_s=0.05, reconnect_max_s=0.2)


def run(coro: Awaitable[T], timeout: float = 20.0) -> T:
    async def main() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(main())


async def until(predicate: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
    """Wait (async) until `predicate()` is true; fail the test with `what` if it never is."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.01)
