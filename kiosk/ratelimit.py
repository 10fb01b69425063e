"""A sliding one-minute window of tickets issued by this kiosk (config queue.kiosk_per_minute).

It stops a child (or a stuck finger) from emptying the queue's numbers; the server keeps its
own limit too and answers 429 `rate_limited`.
"""

from __future__ import annotations

from collections import deque


class RateLimiter:
    def __init__(self, per_window: int, window_s: float = 60.0) -> None:
        if per_window < 1:
            raise ValueError("the limit must allow at least one ticket")
        self.per_window = per_window
        self.window_s = window_s
        self._times: deque[float] = deque()

    def _forget(self, now: float) -> None:
        while self._times and now - self._times[0] >= self.window_s:
            self._times.popleft()

    def allow(self, now: float) -> bool:
        """True, and counts one ticket, when the window has room; False otherwise."""
        self._forget(now)
        if len(self._times) >= self.per_window:
            return False
        self._times.append(now)
        return True

    def free_at(self, now: float) -> float:
        """When the next ticket may be issued (`now` if there is room already)."""
        self._forget(now)
        if len(self._times) < self.per_window:
            return now
        return self._times[0] + self.window_s
