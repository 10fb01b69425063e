"""Polling for a condition in tests that drive real processes and sockets."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(check: Callable[[], Any], what: str, timeout: float = 30.0,
          every: float = 0.05) -> Any:
    """The first truthy value of `check()`; fails the test naming `what` after `timeout`
    (a bound for a broken test, never a measurement)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"never: {what}")
