"""Modbus RTU framing for the two functions a number display needs (03 read, 06 write).

Written here rather than taken from pymodbus: two function codes and one CRC (shared with the
Layso bus) are ~150 lines, while pymodbus brings its own serial transport and framer that would
sit beside pyserial-asyncio-fast instead of on it, and has changed its client API between minor
releases. RTU has no length byte: a frame's length follows from its function code (that is how
both decoders here find frame ends without waiting for the 3.5-character silence), and the
silence (`expire()`) ends anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

from drivers.bus.crc import crc16_modbus, crc_bytes
from drivers.bus.frame import DecoderStats

READ_HOLDING = 0x03
WRITE_SINGLE = 0x06
MAX_UNIT = 247


class ExceptionCode(IntEnum):
    ILLEGAL_FUNCTION = 0x01
    ILLEGAL_DATA_ADDRESS = 0x02
    ILLEGAL_DATA_VALUE = 0x03
    SERVER_DEVICE_FAILURE = 0x04
    ACKNOWLEDGE = 0x05
    SERVER_DEVICE_BUSY = 0x06


def exception_name(code: int) -> str:
    try:
        return ExceptionCode(code).name
    except ValueError:
        return f"exception 0x{code:02X}"


class RtuError(ValueError):
    """Bytes that are not a valid RTU frame, or a value that cannot be sent."""


@dataclass(frozen=True, slots=True)
class RtuFrame:
    unit: int
    function: int
    data: bytes = b""

    def encode(self) -> bytes:
        body = bytes((self.unit, self.function)) + self.data
        return body + crc_bytes(body)

    def __len__(self) -> int:
        return 4 + len(self.data)

    @property
    def is_exception(self) -> bool:
        return bool(self.function & 0x80)

    @property
    def exception_code(self) -> int | None:
        return self.data[0] if self.is_exception and self.data else None


def _u16(value: int, what: str) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise RtuError(f"{what} {value} is outside 0..65535")
    return value.to_bytes(2, "big")


def _unit(unit: int) -> int:
    if not 0 <= unit <= MAX_UNIT:
        raise RtuError(f"Modbus unit {unit} is outside 1..{MAX_UNIT} (0 = broadcast)")
    return unit


def write_register(unit: int, register: int, value: int) -> RtuFrame:
    """Function 06; the reply echoes the request."""
    return RtuFrame(_unit(unit), WRITE_SINGLE, _u16(register, "register") + _u16(value, "value"))


def read_registers(unit: int, register: int, count: int = 1) -> RtuFrame:
    """Function 03; the reply is unit, 03, byte count, the registers big-endian."""
    if not 1 <= count <= 125:
        raise RtuError(f"register count {count} is outside 1..125")
    return RtuFrame(_unit(unit), READ_HOLDING, _u16(register, "register") + _u16(count, "count"))


def register_values(reply: RtuFrame) -> list[int]:
    if reply.function != READ_HOLDING or not reply.data or reply.data[0] != len(reply.data) - 1 \
            or reply.data[0] % 2:
        raise RtuError("not a well-formed read-registers reply")
    raw = reply.data[1:]
    return [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]


def exception_reply(request: RtuFrame, code: int) -> RtuFrame:
    return RtuFrame(request.unit, request.function | 0x80, bytes((code,)))


def decode(data: bytes) -> RtuFrame:
    if len(data) < 4:
        raise RtuError(f"{len(data)} bytes is shorter than the smallest RTU frame (4)")
    got, want = int.from_bytes(data[-2:], "little"), crc16_modbus(data[:-2])
    if got != want:
        raise RtuError(f"CRC is 0x{got:04X}, expected 0x{want:04X}")
    return RtuFrame(data[0], data[1], bytes(data[2:-2]))


Role = Literal["request", "response"]


def _length(buf: bytearray, role: Role) -> int | None:
    """Frame length from its first bytes: >0 known, 0 = need more bytes, None = unknown."""
    if len(buf) < 2:
        return 0
    fn = buf[1]
    if fn & 0x80:
        return 5 if role == "response" else None
    if role == "request":
        if 1 <= fn <= 6:
            return 8
        if fn in (15, 16):
            return 9 + buf[6] if len(buf) >= 7 else 0
        return None
    if 1 <= fn <= 4:
        return 5 + buf[2] if len(buf) >= 3 else 0
    if fn in (5, 6, 15, 16):
        return 8
    return None


@dataclass
class RtuDecoder:
    """Stream decoder for one side of an RTU line; resynchronises a byte at a time."""

    role: Role = "response"
    stats: DecoderStats = field(default_factory=DecoderStats)
    _buf: bytearray = field(default_factory=bytearray)

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[RtuFrame]:
        self._buf += data
        return self._scan(final=False)

    def expire(self) -> list[RtuFrame]:
        """Silence: a frame of a function we cannot size is what is in the buffer."""
        frames = self._scan(final=True)
        if self._buf:
            self.stats.truncated += 1
            self._buf.clear()
        return frames

    def _scan(self, final: bool) -> list[RtuFrame]:
        frames: list[RtuFrame] = []
        buf = self._buf
        while buf:
            if buf[0] > MAX_UNIT:
                self.stats.garbage_bytes += 1
                del buf[0]
                continue
            n = _length(buf, self.role)
            if n is None:
                if not final:
                    break
                n = len(buf)  # the silence ends it
                if n < 4:
                    break
            if n == 0 or len(buf) < n:
                break
            if crc16_modbus(buf[: n - 2]) != (buf[n - 2] | buf[n - 1] << 8):
                self.stats.crc_errors += 1
                self.stats.garbage_bytes += 1
                del buf[0]
                continue
            frames.append(RtuFrame(buf[0], buf[1], bytes(buf[2 : n - 2])))
            self.stats.frames += 1
            del buf[:n]
        return frames
