"""The device manager: the hall file's serial devices, kept in step with the queue.

It starts one line master per port (drivers.bus / drivers.modbus), listens to the event bus
and sends each committed event to the displays it concerns (state.py decides what they
show), turns keypad and rating box presses into queue actions for their counter through
`Hall.write` (so they obey the API's rules and reach the WebSocket like API actions), and
reports health. Everything runs on the server's event loop; database work goes to a thread.

A serial line has one owner: with SQLite the server is one process; with PostgreSQL each
process campaigns for a per-port advisory lock every `lock_retry_s` and only the holder opens
the port, so another process takes over when the owner dies.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from contracts.api import DeviceHealth
from drivers.bus.engine import Timing
from drivers.bus.master import BusEvent, BusMaster
from drivers.bus.protocol import Key
from server.devices.actions import keypad_action, rating_action
from server.devices.health import (
    Status,
    StatusClock,
    bus_status,
    printer_status,
    standby_status,
)
from server.devices.kinds import Device, for_target
from server.devices.lines import Line, LineLock, Target, build_lines, line_lock_key
from server.devices.state import Change, HallShow
from server.engine.errors import EngineError
from server.hall import Hall

log = logging.getLogger("layso.devices")

BOARD_AFTER_S = 0.25
"""Longest a hall board waits for the called counter's panel (offline panels never answer)."""

HealthCallback = Callable[[dict[str, Any]], None]


class DeviceManager:
    """Drive the hall's devices; `start()` and `stop()` on the server's event loop."""

    default_timing: Timing | None = None
    """Line timing when none is given (None: each port's baud and the drivers' defaults);
    tests set quicker probes here for the manager the server's lifespan makes."""

    def __init__(self, hall: Hall, *, timing: Timing | None = None, lock_retry_s: float = 15.0,
                 call_blink_s: int = 5, error_blink_s: int = 2) -> None:
        self.hall = hall
        self.timing = timing or self.default_timing
        self.lock_retry_s = lock_retry_s
        self.call_blink_s = call_blink_s
        self.error_blink_s = error_blink_s
        self.lines, self.targets = build_lines(list(hall.cfg.devices), self.timing)
        self._by_name = {t.name: t for t in self.targets}
        # Each target as the object of its kind (server/devices/kinds.py), in hall-file order.
        self.devices = [for_target(t, self, hall.clock.now) for t in self.targets]
        self._show = HallShow({c.number: c.label for c in hall.cfg.counters})
        self._buffer: list[dict[str, Any]] | None = None
        self._reload_again = False
        self._clock = StatusClock()
        self._health_cbs: list[HealthCallback] = []
        self._refusals: dict[str, str] = {}
        self._warned: set[tuple[str, str]] = set()
        self._locks: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._campaigns: list[asyncio.Task[None]] = []
        self._started = False
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        for line in self.lines:
            if line.master is not None:
                line.master.on_health(lambda _h: self._refresh_health())
                if isinstance(line.master, BusMaster):
                    line.master.on_event(self._on_press)

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Read what the displays should show, open (or campaign for) every line."""
        self._loop = asyncio.get_running_loop()
        self.hall.bus.add_listener(self._on_bus_event)
        await self._reload()
        self._started = True
        for line in self.lines:
            if line.master is None:
                continue
            if self.hall.db.is_sqlite:
                await self._open(line, reload=False)
            else:
                self._campaigns.append(asyncio.create_task(
                    self._campaign(line), name=f"devices: lock {line.port}"))
        self._refresh_health(publish=False)

    async def stop(self) -> None:
        self._stopped = True
        self.hall.bus.remove_listener(self._on_bus_event)
        for task in [*self._campaigns, *self._tasks]:
            task.cancel()
        await asyncio.gather(*self._campaigns, *self._tasks, return_exceptions=True)
        for line in self.lines:
            await self._close(line)
            if line.lock is not None:
                await line.lock.release()

    async def _open(self, line: Line, reload: bool = True) -> None:
        assert line.master is not None
        if reload:  # another process drove it until now: the database has the truth
            await self._reload()
        await line.master.start()
        line.owned = True
        log.info("devices: driving %s (%d devices)", line.port, len(line.devices))
        for d in self.devices:
            if d.target.line is line:
                d.push(self._show)
        self._refresh_health()

    async def _close(self, line: Line) -> None:
        if line.master is not None and line.owned:
            line.owned = False
            await line.master.stop()
            if not self._stopped:
                self._refresh_health()

    async def _campaign(self, line: Line) -> None:
        """PostgreSQL: hold the line's advisory lock while driving it; try again every
        `lock_retry_s`, so a dead owner is replaced within that time."""
        key = line_lock_key(self.hall.code, line.port)
        from server.fanout import lock_key

        line.lock = LineLock(self.hall.db.url, lock_key(key), key)
        announced = False
        while True:
            try:
                if line.owned:
                    if not await line.lock.held():
                        log.warning("devices: lost the lock of %s; closing it", line.port)
                        await self._close(line)
                        await line.lock.release()
                elif await line.lock.try_acquire():
                    await self._open(line)
                elif not announced:
                    log.info("devices: %s is driven by another process", line.port)
                    announced = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("devices: lock of %s: %s", line.port, exc)
                await self._close(line)
                await line.lock.release()
            await asyncio.sleep(self.lock_retry_s)

    # -- what the displays show ---------------------------------------------------------------
    async def _reload(self) -> None:
        """Read the whole picture from the database; events arriving meanwhile are replayed."""
        if self._buffer is not None:
            self._reload_again = True
            return
        self._buffer = []
        try:
            while True:
                self._reload_again = False
                show = await asyncio.to_thread(self.hall.read, HallShow.from_db)
                for ev in self._buffer:
                    if show.apply(ev).reload:  # a new day or a gap after the read: again
                        self._reload_again = True
                self._buffer = []
                if not self._reload_again:
                    break
        finally:
            self._buffer = None
        self._show = show
        for d in self.devices:
            d.push(show)

    def _on_bus_event(self, ev: dict[str, Any]) -> None:
        """Every committed event, in order, on the loop: fold it in, send what changed."""
        if self._stopped:
            return
        if self._buffer is not None:
            self._buffer.append(ev)
        change = self._show.apply(ev)
        if change.reload:
            if self._buffer is None:
                self._spawn(self._reload())
            else:
                self._reload_again = True
        self._push(change)

    def _push(self, change: Change) -> None:
        """Each device the change concerns gets its new frame; boards wait for the panels."""
        panels: list[asyncio.Future[bool]] = []
        boards: list[Device] = []
        for d in self.devices:
            if not d.target.live or not d.concerns(change):
                continue
            if d.after_panels:
                boards.append(d)
            else:
                panels += d.push(self._show, blink=d.blinks(change))
        if boards and change.calls and panels:
            self._spawn(self._boards_after(panels, boards))
        else:
            for d in boards:
                d.push(self._show, blink=d.blinks(change))

    async def _boards_after(self, panels: list[asyncio.Future[bool]],
                            boards: list[Device]) -> None:
        """A call reaches its counter's panel first (one short frame), then the hall board
        (a long one): the line carries one frame at a time, and the engine would otherwise
        send whichever device it served least recently."""
        await asyncio.wait(panels, timeout=BOARD_AFTER_S)
        for d in boards:
            d.push(self._show, blink=True)

    def _error_blink(self, counter: int) -> None:
        for d in self.devices:
            if d.target.counter == counter:
                d.error_blink()

    def warn(self, t: Target, message: str | None) -> None:
        """Log a device's problem once (a number too wide, a missing counter)."""
        if message and (t.name, message) not in self._warned:
            self._warned.add((t.name, message))
            log.warning("device %s: %s", t.name, message)

    # -- key presses --------------------------------------------------------------------------
    def _on_press(self, ev: BusEvent) -> Coroutine[Any, Any, None]:
        return self._handle_press(ev)

    async def _handle_press(self, ev: BusEvent) -> None:
        t = self._by_name.get(ev.device)
        if t is None or ev.counter is None:
            log.warning("device %s: a press, but the hall file gives it no counter; ignored",
                        ev.device)
            return
        # one press at a time per counter, in the order pressed
        async with self._locks.setdefault(ev.counter, asyncio.Lock()):
            if ev.key is not None:
                await self._keypad(t, ev.counter, ev.key)
            elif ev.level is not None:
                await self._rating(t, ev.counter, ev.level, ev.tag)

    async def _keypad(self, t: Target, counter: int, key: Key) -> None:
        try:
            action = keypad_action(key, counter)
            done = await asyncio.to_thread(self.hall.write, action)
        except EngineError as exc:
            self._refusals[t.name] = f"last refused {key.name}: {exc.message}"
            log.warning("keypad %s (counter %d): %s refused, not applied: %s", t.name, counter,
                        key.name, exc.message)
            self._error_blink(counter)
            return
        except Exception:
            log.exception("keypad %s (counter %d): %s failed", t.name, counter, key.name)
            self._error_blink(counter)
            return
        log.info("keypad %s (counter %d): %s: %s", t.name, counter, key.name, done)

    async def _rating(self, t: Target, counter: int, level: int, tag: int) -> None:
        visit = self._show.visit_for_tag(counter, tag) if tag else None
        try:
            done = await asyncio.to_thread(self.hall.write, rating_action(counter, level, visit))
        except EngineError as exc:
            self._refusals[t.name] = f"last press ignored: {exc.message}"
            log.warning("rating box %s (counter %d): press %d ignored: %s", t.name, counter,
                        level, exc.message)
            return
        except Exception:
            log.exception("rating box %s (counter %d): press %d failed", t.name, counter, level)
            return
        log.info("rating box %s (counter %d): %s", t.name, counter, done)

    # -- health -------------------------------------------------------------------------------
    def health(self) -> list[DeviceHealth]:
        """Every device of the hall file, in its order: online, status, detail, since."""
        return self._refresh_health()

    def on_health_change(self, callback: HealthCallback) -> None:
        """`callback(event)` with a `device_health` event whenever a status changes."""
        self._health_cbs.append(callback)

    def _status(self, t: Target) -> Status:
        if t.kind == "printer":
            return printer_status()
        if t.line is None or t.line.master is None:
            return Status(False, "config_error", t.line.error if t.line and t.line.error
                          else "no serial line")
        if not t.line.owned:
            if self.hall.db.is_sqlite:
                return Status(None, "unknown", f"{t.line.port}: not opened yet")
            return standby_status(t.line.port)
        master = t.line.master
        return bus_status(master.health(t.address), master.line_health(),
                          self._refusals.get(t.name))

    def _refresh_health(self, publish: bool = True) -> list[DeviceHealth]:
        try:  # changes are published from the event loop only (a thread just reads)
            publish = publish and asyncio.get_running_loop() is self._loop
        except RuntimeError:
            publish = False
        out = []
        now = datetime.now(UTC)
        for t in self.targets:
            h, changed = self._clock.stamp(t.name, t.kind, t.counter, self._status(t), now)
            out.append(h)
            if changed and publish and self._started and not self._stopped:
                self._publish(h)
        return out

    def _publish(self, h: DeviceHealth) -> None:
        """Health is not a queue fact: it goes to WebSocket clients without a sequence
        number, and is never written to the event log."""
        log.info("device %s: %s (%s)", h.name, h.status, h.detail)
        event = {"type": "device_health", "at": datetime.now(UTC).isoformat(),
                 **h.model_dump(mode="json")}
        for cb in list(self._health_cbs):
            try:
                cb(event)
            except Exception:
                log.exception("a device health callback failed")
        broadcast = getattr(self.hall.bus, "broadcast", None)
        if callable(broadcast):  # EventBus.broadcast: see docs/serial-bus.md, "In the server"
            broadcast(event)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
