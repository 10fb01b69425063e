"""Measure the time from a counter's `next` on the API to the board's frame that shows the call.

For the benchmark (`layso bench`), not for tests: the board runs its real frame loop (client
thread, fold, render to an off-screen surface at the board's frame rate) while another thread
makes calls; each sample is from just before the `next` request to the end of the first frame
whose big number is that call.

    result = measure(server_url, display_token, prepare, call, n=200)
    result.median_ms, result.p99_ms
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from display.app import BoardApp
from display.client import HallClient
from display.render import Renderer


@dataclass
class LatencyResult:
    samples_ms: list[float] = field(default_factory=list)
    missed: int = 0  # calls never seen on the board within the timeout

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]

    def summary(self) -> str:
        return (f"next → board frame: median {self.median_ms:.1f} ms, p99 {self.p99_ms:.1f} ms "
                f"over {len(self.samples_ms)} calls ({self.missed} missed)")


def measure(server: str, token: str, prepare: Callable[[int], None],
            call: Callable[[int], str], *, n: int = 100, fps: int = 30,
            size: tuple[int, int] = (1920, 1080), timeout_s: float = 5.0) -> LatencyResult:
    """`prepare(i)` readies call i (issue a ticket, free the counter) outside the timing;
    `call(i)` makes it (POST …/next) and returns the called ticket number."""
    import pygame

    pygame.font.init()
    client = HallClient(server, token).start()
    app = BoardApp(Renderer(size), client=client)
    surface = pygame.Surface(size)
    result = LatencyResult()
    period = 1.0 / fps
    rng = random.Random(1)
    try:
        _frames_until(app, surface, period, lambda: app.state.loaded, timeout_s * 4)
        for i in range(n):
            prepare(i)
            box: dict[str, object] = {}

            def worker(i: int = i, box: dict = box) -> None:
                # a hall's calls come at any moment of the board's frame cycle, not in step
                time.sleep(rng.uniform(0, period))
                box["t0"] = time.perf_counter()
                box["number"] = call(i)

            thread = threading.Thread(target=worker)
            thread.start()

            def shown(box: dict = box) -> bool:
                spot = app.renderer.hotspots.get("latest_number")
                return "number" in box and spot is not None and spot.text == box["number"]

            if _frames_until(app, surface, period, shown, timeout_s):
                result.samples_ms.append((time.perf_counter() - box["t0"]) * 1000)
            else:
                result.missed += 1
            thread.join()
    finally:
        client.stop()
    return result


def _frames_until(app: BoardApp, surface, period: float, done: Callable[[], bool],
                  timeout_s: float) -> bool:
    """Run the board's frame loop at its frame rate until `done()` after a frame."""
    deadline = time.perf_counter() + timeout_s
    next_frame = time.perf_counter()
    while time.perf_counter() < deadline:
        app.frame(surface)
        if done():
            return True
        next_frame += period
        pause = next_frame - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        else:
            next_frame = time.perf_counter()
    return False
