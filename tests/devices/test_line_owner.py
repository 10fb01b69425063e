"""PostgreSQL, several server processes: exactly one drives a serial line; another takes over."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from drivers.bus.protocol import Line
from server.db.database import Database
from server.devices.manager import DeviceManager
from server.hall import Hall
from server.queue import counters as ct
from server.queue import tickets as tk
from tests.devices.rig import FAST


async def _until(predicate: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def _status(manager: DeviceManager, name: str) -> str:
    return next(h for h in manager.health() if h.name == name).status


def test_one_process_owns_each_line_and_another_takes_over(rig, pg_url):
    cfg = rig.config()

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        a, b = Hall(cfg, Database(pg_url)), Hall(cfg, Database(pg_url))
        for h in (a, b):
            h.bus.bind(loop)
            await asyncio.to_thread(h.setup)
        first = DeviceManager(a, timing=FAST, lock_retry_s=0.2)
        second = DeviceManager(b, timing=FAST, lock_retry_s=0.2)
        try:
            await first.start()
            await _until(lambda: all(ln.owned for ln in first.lines), "first owns the lines")
            await second.start()
            await asyncio.sleep(0.5)  # several lock rounds: the second must stay out
            assert not any(ln.owned for ln in second.lines)
            detail = next(h for h in second.health() if h.name == "panel-1").detail
            assert "another server process" in detail
            assert _status(second, "panel-1") == "unknown"
            await _until(lambda: _status(first, "panel-1") == "ok", "first drives panel-1")

            t = await asyncio.to_thread(a.write, lambda tx: tk.issue(tx, "HT", None, "vi",
                                                                    None, None))
            await asyncio.to_thread(a.write, lambda tx: ct.next_ticket(tx, 1, None))
            await _until(lambda: rig.panel1.lines == [Line(t.number, "1")], "panel via first")

            await first.stop()  # the owner goes away (its lock connection closes)
            rig.panel1.unplug()
            rig.panel1.replug()  # blank, so only the second process can put the number back
            await _until(lambda: all(ln.owned for ln in second.lines), "second takes over")
            await _until(lambda: rig.panel1.lines == [Line(t.number, "1")],
                         "second shows the number it read from the database")
            await _until(lambda: _status(second, "panel-1") == "ok", "second drives panel-1")
        finally:
            await first.stop()
            await second.stop()
            for h in (a, b):
                h.db.dispose()

    asyncio.run(asyncio.wait_for(scenario(), 40))
