"""Command codes and payload layouts of the Layso bus (docs/serial-bus.md is the table).

Builders validate and raise `ProtocolError` with a message a technician can act on; parsers
raise it for payloads a device must NAK. Text is ASCII: digits, capital letters, space and
'-', because that is what a 7-segment or dot-matrix number panel can show.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

PROTOCOL_VERSION = 1


class ProtocolError(ValueError):
    """A payload that does not follow the layout; `nak` is the reason a device answers."""

    def __init__(self, message: str, nak: int = 0x03) -> None:
        super().__init__(message)
        self.nak = nak


class Command(IntEnum):
    """Master -> device."""

    PING = 0x10
    POLL = 0x11
    SHOW = 0x20
    BLINK = 0x21
    CLEAR = 0x22
    BRIGHTNESS = 0x23
    ARM = 0x30
    DISARM = 0x31


class Reply(IntEnum):
    """Device -> master, with the seq of the request."""

    ACK = 0x06
    NAK = 0x15
    EVENT = 0x45


class Nak(IntEnum):
    UNKNOWN_COMMAND = 0x01
    BAD_LENGTH = 0x02
    BAD_VALUE = 0x03
    DOES_NOT_FIT = 0x04
    NOT_SUPPORTED = 0x05
    BUSY = 0x06


class DeviceKind(IntEnum):
    """As a device reports itself in its PING reply; names match the hall file's `kind`."""

    LED_PANEL = 0x01
    LED_BOARD = 0x02
    KEYPAD = 0x03
    RATING_BOX = 0x04

    @property
    def config_name(self) -> str:
        return self.name.lower()

    @classmethod
    def from_config(cls, name: str) -> DeviceKind:
        try:
            return cls[name.upper().replace("-", "_")]
        except KeyError:
            known = ", ".join(k.config_name for k in cls)
            raise ValueError(f"unknown bus device kind {name!r} (known: {known})") from None

    @property
    def polled(self) -> bool:
        """Keypads and rating boxes hold key presses until the master polls them."""
        return self in (DeviceKind.KEYPAD, DeviceKind.RATING_BOX)


class Key(IntEnum):
    """Call keypad key codes: ASCII letters, so a byte log reads itself."""

    NEXT = ord("N")
    RECALL = ord("R")
    SKIP = ord("S")
    FINISH = ord("F")
    TRANSFER = ord("T")
    PAUSE = ord("P")

    @classmethod
    def parse(cls, name: str) -> Key:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            known = ", ".join(k.name.lower() for k in cls)
            raise ValueError(f"unknown key {name!r} (keys: {known})") from None


MAX_RATING_LEVELS = 9


def rating_key(level: int) -> int:
    """Rating box key code of level 1..9: the ASCII digit."""
    if not 1 <= level <= MAX_RATING_LEVELS:
        raise ProtocolError(f"rating level {level} is outside 1..{MAX_RATING_LEVELS}")
    return ord("0") + level


def rating_level(code: int) -> int | None:
    level = code - ord("0")
    return level if 1 <= level <= MAX_RATING_LEVELS else None


class BlinkMode(IntEnum):
    STOP = 0
    CALL = 1
    """The number just called: the panel's whole text, the board's newest line."""
    ERROR = 2
    """A key press the counter could not act on: fast blink of the whole display."""


TEXT_CHARS = frozenset(string.digits + string.ascii_uppercase + " -")
RS = 0x1E  # record separator: between board lines
US = 0x1F  # unit separator: between a number and its counter label


def check_text(text: str, what: str, max_len: int | None = None) -> bytes:
    text = text.upper()
    bad = sorted({c for c in text if c not in TEXT_CHARS})
    if bad:
        raise ProtocolError(
            f"{what} {text!r} has characters a LED panel cannot show: {''.join(bad)!r} "
            "(use digits, letters A-Z, space and '-')"
        )
    if max_len is not None and len(text) > max_len:
        raise ProtocolError(
            f"{what} {text!r} has {len(text)} characters; the display shows at most {max_len}",
            nak=Nak.DOES_NOT_FIT,
        )
    return text.encode("ascii")


@dataclass(frozen=True, slots=True)
class Line:
    """One shown record: a ticket number and, optionally, the counter it goes to."""

    number: str
    counter: str = ""


def show_payload(lines: Sequence[Line]) -> bytes:
    parts = []
    for i, line in enumerate(lines):
        part = check_text(line.number, f"line {i + 1}: number")
        if line.counter:
            part += bytes((US,)) + check_text(line.counter, f"line {i + 1}: counter")
        parts.append(part)
    return bytes((RS,)).join(parts)


def parse_show(payload: bytes) -> list[Line]:
    if not payload:
        return []
    lines = []
    for record in payload.split(bytes((RS,))):
        fields = record.split(bytes((US,)))
        if len(fields) > 2:
            raise ProtocolError("a SHOW record has more than one unit separator 0x1F")
        try:
            texts = [f.decode("ascii") for f in fields]
        except UnicodeDecodeError:
            raise ProtocolError("SHOW text is not ASCII") from None
        for t in texts:
            if t != t.upper():
                raise ProtocolError(f"SHOW text {t!r} has lower-case letters")
            check_text(t, "SHOW text")
        lines.append(Line(texts[0], texts[1] if len(texts) > 1 else ""))
    return lines


def blink_payload(mode: BlinkMode, seconds: int) -> bytes:
    if not 0 <= seconds <= 255:
        raise ProtocolError(f"blink time {seconds} s is outside 0..255 (0 = until the next SHOW)")
    return bytes((BlinkMode(mode), seconds))


def parse_blink(payload: bytes) -> tuple[BlinkMode, int]:
    if len(payload) != 2:
        raise ProtocolError("BLINK takes 2 bytes: mode, seconds", nak=Nak.BAD_LENGTH)
    try:
        return BlinkMode(payload[0]), payload[1]
    except ValueError:
        raise ProtocolError(f"unknown blink mode {payload[0]}") from None


MAX_BRIGHTNESS = 15


def brightness_payload(level: int) -> bytes:
    if not 0 <= level <= MAX_BRIGHTNESS:
        raise ProtocolError(f"brightness {level} is outside 0..{MAX_BRIGHTNESS}")
    return bytes((level,))


def parse_brightness(payload: bytes) -> int:
    if len(payload) != 1:
        raise ProtocolError("BRIGHTNESS takes 1 byte", nak=Nak.BAD_LENGTH)
    if payload[0] > MAX_BRIGHTNESS:
        raise ProtocolError(f"brightness {payload[0]} is outside 0..{MAX_BRIGHTNESS}")
    return payload[0]


def arm_payload(window_s: int, tag: int) -> bytes:
    if not 0 <= window_s <= 0xFFFF:
        raise ProtocolError(f"rating window {window_s} s is outside 0..65535 (0 = no limit)")
    if not 0 <= tag <= 255:
        raise ProtocolError(f"arm tag {tag} is outside 0..255")
    return window_s.to_bytes(2, "little") + bytes((tag,))


def parse_arm(payload: bytes) -> tuple[int, int]:
    if len(payload) != 3:
        raise ProtocolError("ARM takes 3 bytes: window seconds (low, high), tag",
                            nak=Nak.BAD_LENGTH)
    return int.from_bytes(payload[:2], "little"), payload[2]


def poll_payload(ack: int) -> bytes:
    """POLL carries the event number the master last accepted (0: none yet)."""
    return bytes((ack & 0xFF,))


def parse_poll(payload: bytes) -> int:
    if len(payload) != 1:
        raise ProtocolError("POLL takes 1 byte: the last accepted event number",
                            nak=Nak.BAD_LENGTH)
    return payload[0]


def next_event_no(n: int) -> int:
    """Event numbers run 1..255 and wrap to 1; 0 means "none"."""
    return n % 255 + 1


@dataclass(frozen=True, slots=True)
class EventPayload:
    key: int
    event_no: int
    tag: int = 0

    def encode(self) -> bytes:
        return bytes((self.key, self.event_no, self.tag))

    @classmethod
    def parse(cls, payload: bytes) -> EventPayload:
        if len(payload) != 3:
            raise ProtocolError("EVENT carries 3 bytes: key, event number, tag",
                                nak=Nak.BAD_LENGTH)
        return cls(payload[0], payload[1], payload[2])


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """The PING reply: what the device is and whether it restarted (boot_id changes)."""

    kind: int
    size: int
    boot_id: int
    version: int = PROTOCOL_VERSION

    def encode(self) -> bytes:
        return bytes((self.kind, self.version, self.size, self.boot_id))

    @classmethod
    def parse(cls, payload: bytes) -> DeviceInfo:
        if len(payload) != 4:
            raise ProtocolError("a PING reply carries 4 bytes: kind, version, size, boot id",
                                nak=Nak.BAD_LENGTH)
        return cls(kind=payload[0], version=payload[1], size=payload[2], boot_id=payload[3])


EMPTY_COMMANDS = frozenset({Command.PING, Command.CLEAR, Command.DISARM})
"""Commands whose payload is empty."""
