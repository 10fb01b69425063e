"""One small class per kind of device in the hall file: what it shows, and which changes call
for a new frame.

The manager (server/devices/manager.py) folds each event into a `HallShow` and hands the
`Change` to every device; each kind knows whether the change concerns it and what to send:
a counter's LED panel (number and counter label, a blink on a call), a Modbus number display,
the hall board (the latest calls, one per line) and a rating box (armed while the counter's
rating window is open). Keypads only press and printers are the kiosks' own: nothing to show.
The kind is read once, when the device's object is made (`for_target`), not at every event.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar, Protocol

from drivers.bus.master import BusMaster
from drivers.bus.protocol import BlinkMode
from drivers.modbus.display import ModbusDisplayMaster
from server.devices.fit import IDLE, PAUSED, fit_label, fit_number, modbus_number
from server.devices.lines import Target
from server.devices.state import Change, HallShow

Sent = list[asyncio.Future[bool]]


class Driving(Protocol):
    """What a device needs from the manager that drives it."""

    call_blink_s: int
    error_blink_s: int

    def warn(self, t: Target, message: str | None) -> None: ...


class Device:
    """A device with nothing to show (a keypad, a printer): every change passes it by."""

    after_panels: ClassVar[bool] = False
    """Sent after the called counter's panel (the hall board: the line carries one frame at a
    time, and the call reaches its counter first)."""

    def __init__(self, target: Target, driving: Driving, now: Callable[[], datetime]) -> None:
        self.target = target
        self.driving = driving
        self.now = now

    def concerns(self, change: Change) -> bool:
        return False

    def blinks(self, change: Change) -> bool:
        return False

    def push(self, show: HallShow, blink: bool = False) -> Sent:
        """Send everything it should show now (the master sends only what changed); for a
        panel, the future of its new text. A device this process does not drive is skipped."""
        t = self.target
        if not t.live:
            return []
        assert t.line is not None and t.line.master is not None
        try:
            return self._send(t.line.master, show, blink)
        except (ValueError, KeyError) as exc:  # BusError & co.: say so, keep the others going
            self.driving.warn(t, f"cannot update: {exc}")
        return []

    def error_blink(self) -> None:
        """A refused key press: only a counter's LED panel can say so."""

    def _send(self, master: BusMaster | ModbusDisplayMaster, show: HallShow,
              blink: bool) -> Sent:
        return []


class Panel(Device):
    """The counter's LED panel on the device bus: the number served (or idle, or paused) and
    the counter's label; it blinks when its counter calls."""

    def concerns(self, change: Change) -> bool:
        return self.target.counter in change.panels | change.calls

    def blinks(self, change: Change) -> bool:
        return self.target.counter in change.calls

    def _send(self, master: BusMaster | ModbusDisplayMaster, show: HallShow,
              blink: bool) -> Sent:
        assert isinstance(master, BusMaster)
        t, warn = self.target, self.driving.warn
        if t.counter is None:
            warn(t, "has no counter in the hall file; it stays blank")
            return []
        number, paused = show.panel(t.counter)
        text = PAUSED if paused else IDLE
        if number:
            text, why = fit_number(number, t.width)
            warn(t, why)
        label, why = fit_label(show.labels.get(t.counter, str(t.counter)), t.counter,
                               t.label_chars)
        warn(t, why)
        shown = master.show(t.address, text, label)
        if blink and number:
            master.blink(t.address, self.driving.call_blink_s, BlinkMode.CALL)
        return [shown]

    def error_blink(self) -> None:
        t = self.target
        if t.live:
            assert t.line is not None and isinstance(t.line.master, BusMaster)
            t.line.master.blink(t.address, self.driving.error_blink_s, BlinkMode.ERROR)


class ModbusPanel(Device):
    """An off-the-shelf Modbus RTU display at a counter: the number alone (0 when idle)."""

    def concerns(self, change: Change) -> bool:
        return self.target.counter in change.panels | change.calls

    def blinks(self, change: Change) -> bool:
        return self.target.counter in change.calls

    def _send(self, master: BusMaster | ModbusDisplayMaster, show: HallShow,
              blink: bool) -> Sent:
        assert isinstance(master, ModbusDisplayMaster)
        t = self.target
        number, _ = show.panel(t.counter) if t.counter else (None, False)
        value, why = modbus_number(number, t.width)
        self.driving.warn(t, why)
        return [master.show(t.address, value)]


class Board(Device):
    """The hall board: the latest calls, newest first, one per line; it blinks on a call."""

    after_panels = True

    def concerns(self, change: Change) -> bool:
        return change.board

    def blinks(self, change: Change) -> bool:
        return bool(change.calls)

    def _send(self, master: BusMaster | ModbusDisplayMaster, show: HallShow,
              blink: bool) -> Sent:
        assert isinstance(master, BusMaster)
        t, warn = self.target, self.driving.warn
        rows = []
        for call in show.calls[:t.rows]:
            number, why = fit_number(call.number, t.width)
            warn(t, why)
            label, why = fit_label(call.label, call.counter, t.label_chars)
            warn(t, why)
            rows.append((number, label))
        master.show_lines(t.address, rows)
        if blink and rows:
            master.blink(t.address, self.driving.call_blink_s, BlinkMode.CALL)
        return []


class RatingBox(Device):
    """The counter's rating keypad: armed, with the seconds left and the visit's tag, while
    the counter's rating window is open; disarmed otherwise."""

    def concerns(self, change: Change) -> bool:
        return self.target.counter in change.ratings

    def _send(self, master: BusMaster | ModbusDisplayMaster, show: HallShow,
              blink: bool) -> Sent:
        assert isinstance(master, BusMaster)
        t = self.target
        if not t.counter:
            return []
        armed = show.armed.get(t.counter)
        left = (armed.until - self.now()).total_seconds() if armed else 0
        if armed is not None and left > 0:
            master.arm(t.address, min(math.ceil(left), 0xFFFF), armed.tag)
        else:
            master.disarm(t.address)
        return []


KINDS: dict[str, type[Device]] = {
    "led_panel": Panel,
    "modbus_display": ModbusPanel,
    "led_board": Board,
    "rating_box": RatingBox,
}
"""The hall file's device kinds that show something; any other kind is a plain `Device`."""


def for_target(target: Target, driving: Driving, now: Callable[[], datetime]) -> Device:
    return KINDS.get(target.kind, Device)(target, driving, now)
