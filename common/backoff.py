"""The one wait between reconnects, for every loop that reconnects (hall link, bus, LISTEN).

Doubling from `first` up to `cap`, with some jitter so that a hall's boards and kiosks do not
all knock at once on a server that just restarted; `reset()` once a connection proved good.
A loop whose waits must be exact (a fake clock in a test) asks for `jitter=0`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass
class Backoff:
    """Waits between reconnects: `first`, then doubling up to `cap`, each ±`jitter`."""

    first: float = 0.5
    cap: float = 10.0
    jitter: float = 0.2
    current: float = 0.0

    def next(self) -> float:
        """The next wait, in seconds."""
        self.current = self.first if not self.current else min(self.current * 2, self.cap)
        if not self.jitter:
            return self.current
        return self.current * random.uniform(1 - self.jitter, 1 + self.jitter)

    def reset(self) -> None:
        self.current = 0.0
