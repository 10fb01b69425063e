"""Simulated Layso bus devices: counter LED panel, hall LED board, call keypad, rating box.

Each is a state machine over the shared codec: `handle(frame)` returns the reply bytes (or
None), exactly what the real device puts on the line. Tests and `layso sim` drive them with
`press()`, read `lines` / `blink` / `armed`, render `image()`, and set `faults`. The line
(simulators.bus.line) calls `handle` from its thread, tests from theirs: a lock guards state.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from PIL import Image

from drivers.bus.frame import BROADCAST, Frame, encode
from drivers.bus.protocol import (
    EMPTY_COMMANDS,
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
    next_event_no,
    parse_arm,
    parse_blink,
    parse_brightness,
    parse_poll,
    parse_show,
    rating_key,
)
from simulators.bus import render
from simulators.bus.font5x7 import ARROW


@dataclass
class Faults:
    """What can go wrong with a device; set fields, and `clear()` to heal it."""

    no_reply: bool = False
    bad_crc: bool = False
    garbage: int = 0
    """Random bytes put on the line before each reply."""
    slow_reply_s: float = 0.0
    duplicate_reply: bool = False
    """Each reply goes on the line twice."""
    repeat_event: int = 0
    """Each key press is sent this many extra times, as if the master's ack were lost."""

    def clear(self) -> None:
        self.no_reply = self.bad_crc = self.duplicate_reply = False
        self.garbage = self.repeat_event = 0
        self.slow_reply_s = 0.0


@dataclass
class _Handled:
    """What the device saw: every frame addressed to it, with when its last byte arrived."""

    frames: list[tuple[float, Frame]] = field(default_factory=list)


class SimDevice:
    kind: DeviceKind = DeviceKind.LED_PANEL
    supports: frozenset[int] = frozenset({Command.PING, Command.POLL})

    def __init__(self, address: int, size: int, name: str = "") -> None:
        if not 1 <= address <= 247:
            raise ValueError(f"device address {address} is outside 1..247")
        self.address = address
        self.size = size
        self.name = name or f"{self.kind.config_name}-{address}"
        self.faults = Faults()
        self.powered = True
        self.log = _Handled()
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._power_on()

    # -- power ------------------------------------------------------------------------------
    def _power_on(self) -> None:
        self.boot_id = random.randint(1, 255)

    def unplug(self) -> None:
        """Disconnect the device from the bus (it hears and says nothing, and loses power)."""
        with self._lock:
            self.powered = False

    def replug(self) -> None:
        """Connect it again: it starts up blank, as real hardware does after power loss."""
        with self._lock:
            self._power_on()
            self.powered = True
            self._changed.notify_all()

    # -- the wire ---------------------------------------------------------------------------
    def handle(self, frame: Frame, arrived: float | None = None) -> bytes | None:
        """React to `frame` (addressed to this device or broadcast); the reply bytes or None."""
        with self._lock:
            if not self.powered:
                return None
            self.log.frames.append((arrived or time.monotonic(), frame))
            try:
                if frame.command not in {int(c) for c in Command}:
                    raise ProtocolError(f"unknown command 0x{frame.command:02X}",
                                        nak=Nak.UNKNOWN_COMMAND)
                if frame.command not in self.supports:
                    raise ProtocolError(f"{self.kind.config_name} does not do "
                                        f"{Command(frame.command).name}", nak=Nak.NOT_SUPPORTED)
                if frame.command in EMPTY_COMMANDS and frame.payload:
                    raise ProtocolError("this command takes no payload", nak=Nak.BAD_LENGTH)
                reply = self._command(Command(frame.command), frame.payload)
            except ProtocolError as exc:
                reply = (Reply.NAK, bytes((exc.nak,)))
            self._changed.notify_all()
        if frame.address == BROADCAST:
            return None
        return encode(Frame(self.address, frame.seq, reply[0], reply[1]))

    def _command(self, command: Command, payload: bytes) -> tuple[int, bytes]:
        if command is Command.PING:
            return Reply.ACK, DeviceInfo(self.kind, self.size, self.boot_id).encode()
        if command is Command.POLL:
            parse_poll(payload)
            return Reply.ACK, b""
        raise ProtocolError(f"unhandled {command.name}", nak=Nak.NOT_SUPPORTED)

    def wait_for(self, predicate: object, timeout: float = 5.0) -> bool:
        """Block until `predicate(self)` is true (state changed by a frame); for tests."""
        assert callable(predicate)
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    # -- pictures ---------------------------------------------------------------------------
    def image(self, phase_on: bool = True) -> Image.Image:
        raise NotImplementedError

    def save_png(self, path: str) -> None:
        self.image().save(path, format="PNG")

    def describe(self) -> str:
        raise NotImplementedError


class _Display(SimDevice):
    supports = frozenset({Command.PING, Command.POLL, Command.SHOW, Command.BLINK,
                          Command.CLEAR, Command.BRIGHTNESS})

    def __init__(self, address: int, size: int, name: str = "", label_chars: int = 3,
                 number_chars: int = 6) -> None:
        self.label_chars = label_chars
        self.number_chars = number_chars
        super().__init__(address, size, name)

    def _power_on(self) -> None:
        super()._power_on()
        self._lines: list[Line] = []
        self._blink_mode = BlinkMode.STOP
        self._blink_until: float | None = None
        self.brightness = 8

    @property
    def lines(self) -> list[Line]:
        with self._lock:
            return list(self._lines)

    @property
    def blink(self) -> BlinkMode:
        """The blink running now (STOP once its time ran out)."""
        with self._lock:
            if self._blink_until is not None and time.monotonic() >= self._blink_until:
                self._blink_mode, self._blink_until = BlinkMode.STOP, None
            return self._blink_mode

    def _command(self, command: Command, payload: bytes) -> tuple[int, bytes]:
        if command is Command.SHOW:
            lines = parse_show(payload)
            self._check_fits(lines)
            self._lines = lines
            self._blink_mode, self._blink_until = BlinkMode.STOP, None
        elif command is Command.CLEAR:
            self._lines = []
            self._blink_mode, self._blink_until = BlinkMode.STOP, None
        elif command is Command.BLINK:
            mode, seconds = parse_blink(payload)
            self._blink_mode = mode
            self._blink_until = time.monotonic() + seconds if seconds and mode else None
        elif command is Command.BRIGHTNESS:
            self.brightness = parse_brightness(payload)
        else:
            return super()._command(command, payload)
        return Reply.ACK, b""

    def _check_fits(self, lines: list[Line]) -> None:
        raise NotImplementedError


class SimPanel(_Display):
    """A counter's LED panel: `size` digits (4-6) for the number, then the counter label."""

    kind = DeviceKind.LED_PANEL

    def __init__(self, address: int, digits: int = 4, name: str = "", label_chars: int = 3,
                 ) -> None:
        if not 4 <= digits <= 6:
            raise ValueError(f"a counter panel has 4 to 6 digits, not {digits}")
        super().__init__(address, digits, name, label_chars)

    @property
    def number(self) -> str:
        lines = self.lines
        return lines[0].number if lines else ""

    @property
    def counter(self) -> str:
        lines = self.lines
        return lines[0].counter if lines else ""

    def _check_fits(self, lines: list[Line]) -> None:
        if len(lines) > 1:
            raise ProtocolError("a counter panel shows one record", nak=Nak.DOES_NOT_FIT)
        if lines and (len(lines[0].number) > self.size or
                      len(lines[0].counter) > self.label_chars):
            raise ProtocolError("text longer than the panel", nak=Nak.DOES_NOT_FIT)

    def row_text(self) -> str:
        with self._lock:
            line = self._lines[0] if self._lines else Line("")
            text = line.number.rjust(self.size)
            if self.label_chars:
                text += " " + line.counter.ljust(self.label_chars)
            return text

    @property
    def cells(self) -> int:
        return self.size + (self.label_chars + 1 if self.label_chars else 0)

    def image(self, phase_on: bool = True) -> Image.Image:
        mode = self.blink
        dark = not phase_on and mode is not BlinkMode.STOP
        img = render.draw_matrix([self.row_text()], self.cells, self.brightness, [dark])
        return render.with_caption(img, self.describe())

    def describe(self) -> str:
        blink = "" if self.blink is BlinkMode.STOP else f" · blink {self.blink.name.lower()}"
        return f"{self.name} · address {self.address}{blink}"


class SimBoard(_Display):
    """The hall LED board: `size` lines of "number > counter", newest call on top."""

    kind = DeviceKind.LED_BOARD

    def __init__(self, address: int, lines: int = 4, name: str = "", label_chars: int = 3,
                 number_chars: int = 6) -> None:
        if not 1 <= lines <= 16:
            raise ValueError(f"a hall board has 1 to 16 lines, not {lines}")
        super().__init__(address, lines, name, label_chars, number_chars)

    def _check_fits(self, lines: list[Line]) -> None:
        if len(lines) > self.size:
            raise ProtocolError("more lines than the board has", nak=Nak.DOES_NOT_FIT)
        for line in lines:
            if len(line.number) > self.number_chars or len(line.counter) > self.label_chars:
                raise ProtocolError("text longer than a board line", nak=Nak.DOES_NOT_FIT)

    @property
    def cells(self) -> int:
        return self.number_chars + 1 + self.label_chars

    def row_texts(self) -> list[str]:
        with self._lock:
            rows = []
            for i in range(self.size):
                if i < len(self._lines) and (self._lines[i].number or self._lines[i].counter):
                    ln = self._lines[i]
                    rows.append(ln.number.rjust(self.number_chars) + ARROW +
                                ln.counter.ljust(self.label_chars))
                else:
                    rows.append(" " * self.cells)
            return rows

    def image(self, phase_on: bool = True) -> Image.Image:
        mode = self.blink
        dark = [False] * self.size
        if not phase_on and mode is BlinkMode.CALL:
            dark[0] = True
        elif not phase_on and mode is BlinkMode.ERROR:
            dark = [True] * self.size
        img = render.draw_matrix(self.row_texts(), self.cells, self.brightness, dark)
        return render.with_caption(img, self.describe())

    def describe(self) -> str:
        blink = "" if self.blink is BlinkMode.STOP else f" · blink {self.blink.name.lower()}"
        return f"{self.name} · address {self.address} · {self.size} lines{blink}"


class _Buttons(SimDevice):
    """A device that holds key presses until the master polls them (at most 8 waiting)."""

    QUEUE = 8

    def _power_on(self) -> None:
        super()._power_on()
        self._queue: deque[EventPayload] = deque()
        self._event_no = 0
        self._repeats = 0
        self.dropped_presses = 0
        self.last_key: int | None = None

    def _press(self, code: int, tag: int = 0) -> bool:
        with self._lock:
            if not self.powered:
                return False
            if len(self._queue) >= self.QUEUE:
                self.dropped_presses += 1
                return False
            self._event_no = next_event_no(self._event_no)
            self._queue.append(EventPayload(code, self._event_no, tag))
            self.last_key = code
            self._changed.notify_all()
            return True

    @property
    def waiting(self) -> int:
        """Presses not yet taken by the master."""
        with self._lock:
            return len(self._queue)

    def _command(self, command: Command, payload: bytes) -> tuple[int, bytes]:
        if command is not Command.POLL:
            return super()._command(command, payload)
        ack = parse_poll(payload)
        if self._queue and ack == self._queue[0].event_no:
            if self._repeats < self.faults.repeat_event:
                self._repeats += 1  # pretend the ack got lost on the line
            else:
                self._queue.popleft()
                self._repeats = 0
        if self._queue:
            return Reply.EVENT, self._queue[0].encode()
        return Reply.ACK, b""


KEY_LABELS = {
    Key.NEXT: "Gọi tiếp", Key.RECALL: "Gọi lại", Key.SKIP: "Bỏ qua",
    Key.FINISH: "Kết thúc", Key.TRANSFER: "Chuyển", Key.PAUSE: "Tạm dừng",
}


class SimKeypad(_Buttons):
    """A counter officer's call keypad: NEXT, RECALL, SKIP, FINISH, TRANSFER, PAUSE."""

    kind = DeviceKind.KEYPAD

    def __init__(self, address: int, name: str = "") -> None:
        super().__init__(address, len(Key), name)

    def press(self, key: Key | str) -> bool:
        """Press a key (a `Key` or its name, e.g. "next"); False if the press was lost."""
        k = key if isinstance(key, Key) else Key.parse(key)
        return self._press(k)

    def image(self, phase_on: bool = True) -> Image.Image:
        keys = list(Key)
        lit = keys.index(Key(self.last_key)) if self.last_key else None
        img = render.draw_buttons([f"{KEY_LABELS[k]}" for k in keys], lit)
        return render.with_caption(img, self.describe())

    def describe(self) -> str:
        return f"{self.name} · address {self.address} · {self.waiting} waiting"


DEFAULT_LEVEL_NAMES = {1: "Không hài lòng", 2: "Hài lòng", 3: "Rất hài lòng"}


class SimRatingBox(_Buttons):
    """A rating box: one key per level, an LED lit while the visit can be rated."""

    kind = DeviceKind.RATING_BOX
    supports = frozenset({Command.PING, Command.POLL, Command.ARM, Command.DISARM})

    def __init__(self, address: int, levels: int = 3, name: str = "") -> None:
        if not 2 <= levels <= MAX_RATING_LEVELS:
            raise ValueError(f"a rating box has 2 to {MAX_RATING_LEVELS} keys, not {levels}")
        super().__init__(address, levels, name)

    def _power_on(self) -> None:
        super()._power_on()
        self._armed_until: float | None = None
        self._armed = False
        self._tag = 0
        self.ignored_presses = 0

    @property
    def armed(self) -> bool:
        """The LED: lit while a press will be taken."""
        with self._lock:
            if self._armed and self._armed_until is not None and \
                    time.monotonic() >= self._armed_until:
                self._armed = False
            return self._armed

    @property
    def tag(self) -> int:
        return self._tag

    def press(self, level: int | str) -> bool:
        """Press the key of `level` (1 = lowest); ignored (False) while the LED is off."""
        n = int(level)
        if not 1 <= n <= self.size:
            raise ValueError(f"this box has levels 1..{self.size}, not {n}")
        with self._lock:
            if not self.armed:
                self.ignored_presses += 1
                return False
            if not self._press(rating_key(n), self._tag):
                return False
            self._armed = False  # one rating per visit
            return True

    def _command(self, command: Command, payload: bytes) -> tuple[int, bytes]:
        if command is Command.ARM:
            window, self._tag = parse_arm(payload)
            self._armed = True
            self._armed_until = time.monotonic() + window if window else None
            return Reply.ACK, b""
        if command is Command.DISARM:
            self._armed = False
            return Reply.ACK, b""
        return super()._command(command, payload)

    def image(self, phase_on: bool = True) -> Image.Image:
        names = [DEFAULT_LEVEL_NAMES.get(i, str(i)) if self.size == 3 else str(i)
                 for i in range(1, self.size + 1)]
        lit = self.last_key - ord("1") if self.last_key else None
        img = render.draw_buttons(names, lit, led=self.armed, columns=min(self.size, 3))
        return render.with_caption(img, self.describe())

    def describe(self) -> str:
        state = "armed" if self.armed else "off"
        return f"{self.name} · address {self.address} · LED {state}"
