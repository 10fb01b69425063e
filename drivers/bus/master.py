"""The Layso bus master: one serial line, many addressed panels, boards, keypads, rating boxes.

A device manager calls `show`, `show_lines`, `blink`, `clear`, `brightness`, `arm`, `disarm`
(plain methods: they record the state and wake the line; each returns a future that turns
True once the device confirmed that state or a newer one, False if it refused it), subscribes
with `on_event` (key presses, each delivered once) and `on_health` (online/offline changes of a
device, open/lost of the line), and reads `devices_health()` / `line_health()` at any time.
Call everything from the event loop that runs the master.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drivers.bus.engine import Callback, Endpoint, LineEngine, Request, Slot, Timing
from drivers.bus.frame import OVERHEAD, Frame, FrameDecoder, encode
from drivers.bus.health import utcnow
from drivers.bus.protocol import (
    MAX_RATING_LEVELS,
    BlinkMode,
    Command,
    DeviceInfo,
    DeviceKind,
    EventPayload,
    Key,
    Line,
    Nak,
    ProtocolError,
    Reply,
    arm_payload,
    blink_payload,
    brightness_payload,
    check_text,
    poll_payload,
    rating_level,
    show_payload,
)

_REPLIES = frozenset(int(r) for r in Reply)
_DEFAULT_SIZE = {
    DeviceKind.LED_PANEL: 4, DeviceKind.LED_BOARD: 4, DeviceKind.KEYPAD: len(Key),
    DeviceKind.RATING_BOX: 3,
}
_SIZE_RANGE = {
    DeviceKind.LED_PANEL: (4, 6), DeviceKind.LED_BOARD: (1, 16),
    DeviceKind.KEYPAD: (1, 16), DeviceKind.RATING_BOX: (2, MAX_RATING_LEVELS),
}


class BusError(ValueError):
    """A call the bus cannot carry out as asked; the message says what to change."""


@dataclass(frozen=True)
class DeviceSpec:
    """One device on the line, as the hall file describes it.

    `size` is the panel's digits (4-6), the board's lines, the rating box's levels;
    `label_chars` the width of a panel's or board's counter label ("5A" needs 2).
    `counter` is the hall's counter number, passed through to events and health.
    """

    address: int
    kind: DeviceKind
    name: str = ""
    counter: int | None = None
    size: int | None = None
    label_chars: int = 3
    number_chars: int = 6

    def __post_init__(self) -> None:
        if not 1 <= self.address <= 247:
            raise BusError(f"device address {self.address} is outside 1..247 (0 is broadcast)")
        low, high = _SIZE_RANGE[self.kind]
        if self.size is not None and not low <= self.size <= high:
            raise BusError(f"{self.kind.config_name} size {self.size} is outside {low}..{high}")
        if not self.name:
            object.__setattr__(self, "name", f"{self.kind.config_name}-{self.address}")

    @property
    def effective_size(self) -> int:
        return self.size or _DEFAULT_SIZE[self.kind]


@dataclass(frozen=True, slots=True)
class BusEvent:
    """A key press, delivered once however often the device repeats it.

    Keypads set `key`; rating boxes set `level` (1 = lowest) and `tag` (the value given to
    `arm`, so a late press can be matched to the visit it was armed for).
    """

    line: str
    address: int
    device: str
    kind: str
    counter: int | None
    code: int
    key: Key | None
    level: int | None
    event_no: int
    tag: int
    at: datetime


@dataclass(frozen=True)
class _Blink:
    mode: BlinkMode
    seconds: int
    until: float | None


@dataclass(frozen=True)
class _Led:
    armed: bool
    window_s: int = 0
    tag: int = 0
    until: float | None = None


class _Device(Endpoint):
    def __init__(self, spec: DeviceSpec) -> None:
        super().__init__(spec.address, spec.name, spec.counter)
        self.spec = spec
        self.kind_name = spec.kind.config_name
        self.polled = spec.kind.polled
        self.last_event_no = 0
        self.text: Slot[list[Line]] = Slot("text")
        self.blink: Slot[_Blink] = Slot("blink")
        self.bright: Slot[int] = Slot("brightness")
        self.led: Slot[_Led] = Slot("led")
        if spec.kind in (DeviceKind.LED_PANEL, DeviceKind.LED_BOARD):
            self.slots = [self.text, self.blink, self.bright]
        elif spec.kind is DeviceKind.RATING_BOX:
            self.slots = [self.led]

    def _frame(self, command: int, payload: bytes = b"") -> Callable[[int], bytes]:
        return lambda seq: encode(Frame(self.address, seq, command, payload))

    def ping_request(self) -> Request:
        return Request("ping", "PING", self._frame(Command.PING), OVERHEAD + 4)

    def poll_request(self) -> Request:
        payload = poll_payload(self.last_event_no)
        return Request("poll", "POLL", self._frame(Command.POLL, payload), OVERHEAD + 3)

    def write_request(self, slot: Slot[Any], now: float) -> Request | None:
        value = slot.value
        if slot is self.text:
            cmd, payload = (Command.SHOW, show_payload(value)) if value else (Command.CLEAR, b"")
        elif slot is self.blink:
            if value.mode is not BlinkMode.STOP and value.until is not None:
                left = math.ceil(value.until - now)
                if left <= 0:
                    return None  # the blink is over; nothing to send
                cmd, payload = Command.BLINK, blink_payload(value.mode, min(left, 255))
            else:
                cmd, payload = Command.BLINK, blink_payload(value.mode, value.seconds)
        elif slot is self.bright:
            cmd, payload = Command.BRIGHTNESS, brightness_payload(value)
        else:
            if value.armed and (value.until is None or value.until > now):
                left = 0 if value.until is None else max(1, math.ceil(value.until - now))
                cmd, payload = Command.ARM, arm_payload(left, value.tag)
            else:
                cmd, payload = Command.DISARM, b""
        label = Command(cmd).name
        return Request("write", label, self._frame(cmd, payload), OVERHEAD + 1, slot,
                       slot.version)

    def matches(self, request: Request, seq: int, frame: Frame) -> bool:
        return frame.address == self.address and frame.seq == seq and frame.command in _REPLIES

    def on_reply(self, request: Request, frame: Frame) -> str | None:
        if frame.command == Reply.NAK:
            code = frame.payload[0] if frame.payload else 0
            try:
                reason = Nak(code).name
            except ValueError:
                reason = f"0x{code:02X}"
            if request.slot is not None and code != Nak.BUSY:
                request.slot.reject(request.version)
            return f"refused {request.label}: {reason}"
        if request.kind == "ping":
            return self._on_info(DeviceInfo.parse(frame.payload))
        if request.kind == "poll":
            if frame.command == Reply.EVENT:
                self._on_event(EventPayload.parse(frame.payload))
            return None
        if frame.command != Reply.ACK:
            return f"answered {request.label} with 0x{frame.command:02X}, not ACK"
        assert request.slot is not None
        request.slot.ack(request.version)
        return None

    def _on_info(self, info: DeviceInfo) -> str | None:
        rebooted = self.boot_id is not None and info.boot_id != self.boot_id
        self.boot_id = info.boot_id
        if rebooted:
            self.last_event_no = 0
            if self.online:
                self.resync()
        if info.kind != self.spec.kind:
            try:
                said = DeviceKind(info.kind).config_name
            except ValueError:
                said = f"kind 0x{info.kind:02X}"
            return (f"answers as {said}, but the hall file says {self.kind_name}: "
                    "check the address")
        return None

    def _on_event(self, ev: EventPayload) -> None:
        self.poll_again = True  # it may hold more presses
        if ev.event_no == self.last_event_no:
            self.c.duplicate_events += 1
            return
        self.last_event_no = ev.event_no
        self.c.events += 1
        key: Key | None = None
        level: int | None = None
        if self.spec.kind is DeviceKind.KEYPAD:
            try:
                key = Key(ev.key)
            except ValueError:
                self.last_error = f"unknown key code 0x{ev.key:02X}"
                return
        else:
            level = rating_level(ev.key)
            if level is None or level > self.spec.effective_size:
                self.last_error = f"unknown rating key code 0x{ev.key:02X}"
                return
            self.led.settle(_Led(False))  # the box turns its LED off after a rating
        assert isinstance(self.engine, BusMaster)
        self.engine._deliver(BusEvent(
            line=self.engine.port, address=self.address, device=self.name, kind=self.kind_name,
            counter=self.counter, code=ev.key, key=key, level=level, event_no=ev.event_no,
            tag=ev.tag, at=utcnow(),
        ))


class _BusCodec:
    def decoder(self) -> FrameDecoder:
        return FrameDecoder()

    def classify(self, frame: Frame) -> tuple[int, bool]:
        return frame.address, frame.command in _REPLIES


class BusMaster(LineEngine):
    """Master of one Layso bus line (see the module docstring for the contract)."""

    def __init__(
        self,
        port: str,
        devices: Iterable[DeviceSpec] = (),
        *,
        baud: int = 9600,
        timing: Timing | None = None,
    ) -> None:
        timing = timing or Timing(baud=baud)
        super().__init__(port, _BusCodec(), timing)
        self._event_cbs: list[Callback[BusEvent]] = []
        for spec in devices:
            self.add_device(spec)

    def add_device(self, spec: DeviceSpec) -> None:
        self.add_endpoint(_Device(spec))

    def on_event(self, callback: Callback[BusEvent]) -> Callable[[], None]:
        """Call `callback` (plain or async) with every new key press; returns unsubscribe."""
        self._event_cbs.append(callback)
        return lambda: self._event_cbs.remove(callback)

    def _deliver(self, event: BusEvent) -> None:
        self._emit(self._event_cbs, event)

    def _device(self, address: int, *kinds: DeviceKind) -> _Device:
        ep = self.endpoint(address)
        assert isinstance(ep, _Device)
        if ep.spec.kind not in kinds:
            wanted = " or ".join(k.config_name for k in kinds)
            raise BusError(f"{ep.name} (address {address}) is a {ep.kind_name}, not a {wanted}")
        return ep

    def _set(self, slot: Slot[Any], value: Any) -> asyncio.Future[bool]:
        fut = slot.set(value)
        self.wake()
        return fut

    # -- displays -------------------------------------------------------------------------
    def show(self, address: int, number: str, counter: str = "") -> asyncio.Future[bool]:
        """Show `number` (and the counter label, if the panel has room) on a counter panel."""
        dev = self._device(address, DeviceKind.LED_PANEL)
        line = self._line(dev, number, counter)
        return self._show(dev, [line])

    def show_lines(
        self, address: int, lines: Sequence[Line | tuple[str, str]]
    ) -> asyncio.Future[bool]:
        """Show the newest calls on a hall board, newest first; fewer lines blank the rest."""
        dev = self._device(address, DeviceKind.LED_BOARD)
        if len(lines) > dev.spec.effective_size:
            raise BusError(f"{dev.name} has {dev.spec.effective_size} lines; "
                           f"{len(lines)} were given")
        rows = [self._line(dev, *(ln if isinstance(ln, tuple) else (ln.number, ln.counter)))
                for ln in lines]
        return self._show(dev, rows)

    def clear(self, address: int) -> asyncio.Future[bool]:
        dev = self._device(address, DeviceKind.LED_PANEL, DeviceKind.LED_BOARD)
        return self._show(dev, [])

    def blink(
        self, address: int, seconds: int = 3, mode: BlinkMode = BlinkMode.CALL
    ) -> asyncio.Future[bool]:
        """Blink the shown number (CALL) or the whole display (ERROR); 0 s = until changed."""
        dev = self._device(address, DeviceKind.LED_PANEL, DeviceKind.LED_BOARD)
        try:
            blink_payload(mode, seconds)
        except ProtocolError as exc:
            raise BusError(str(exc)) from None
        until = time.monotonic() + seconds if seconds and mode is not BlinkMode.STOP else None
        return self._set(dev.blink, _Blink(BlinkMode(mode), seconds, until))

    def brightness(self, address: int, level: int) -> asyncio.Future[bool]:
        dev = self._device(address, DeviceKind.LED_PANEL, DeviceKind.LED_BOARD)
        try:
            brightness_payload(level)
        except ProtocolError as exc:
            raise BusError(str(exc)) from None
        return self._set(dev.bright, level)

    def shown(self, address: int) -> list[Line]:
        """What the master wants `address` to show (sent, or waiting to be)."""
        dev = self._device(address, DeviceKind.LED_PANEL, DeviceKind.LED_BOARD)
        return list(dev.text.value or [])

    def _line(self, dev: _Device, number: str, counter: str) -> Line:
        spec = dev.spec
        digits = spec.effective_size if spec.kind is DeviceKind.LED_PANEL else spec.number_chars
        try:
            check_text(number, "number", digits)
            if counter:
                check_text(counter, "counter label", spec.label_chars)
        except ProtocolError as exc:
            raise BusError(f"{dev.name} (address {dev.address}): {exc}") from None
        if spec.kind is DeviceKind.LED_PANEL and spec.label_chars == 0:
            counter = ""
        return Line(number.upper(), counter.upper())

    def _show(self, dev: _Device, lines: list[Line]) -> asyncio.Future[bool]:
        fut = dev.text.set(lines)
        if dev.blink.value is not None and dev.blink.value.mode is not BlinkMode.STOP:
            dev.blink.settle(_Blink(BlinkMode.STOP, 0, None))  # SHOW and CLEAR stop a blink
        self.wake()
        return fut

    # -- rating boxes ---------------------------------------------------------------------
    def arm(self, address: int, window_s: int = 60, tag: int = 0) -> asyncio.Future[bool]:
        """Light the rating box's LED and accept one press within `window_s` (0: no limit)."""
        dev = self._device(address, DeviceKind.RATING_BOX)
        try:
            arm_payload(window_s, tag)
        except ProtocolError as exc:
            raise BusError(str(exc)) from None
        until = time.monotonic() + window_s if window_s else None
        return self._set(dev.led, _Led(True, window_s, tag, until))

    def disarm(self, address: int) -> asyncio.Future[bool]:
        dev = self._device(address, DeviceKind.RATING_BOX)
        return self._set(dev.led, _Led(False))
