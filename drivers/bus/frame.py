"""The Layso bus frame: `STX | address | seq | command | length | payload | CRC lo | CRC hi`.

One codec for the master and every simulator, so both sides agree byte for byte. The CRC is
CRC-16/Modbus over address..payload (STX excluded), low byte first. `FrameDecoder` takes a raw
byte stream (what a serial port delivers: frames split, glued together, or buried in line
noise) and yields only frames whose header and CRC check out, counting what it drops.
docs/serial-bus.md is the full specification.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drivers.bus.crc import crc16_modbus, crc_bytes

STX = 0x02
BROADCAST = 0
MAX_ADDRESS = 247
MAX_PAYLOAD = 192
"""Longest payload a device must accept; a longer length byte marks a false start."""
HEADER_LEN = 5  # STX, address, seq, command, length
OVERHEAD = HEADER_LEN + 2  # + CRC


class FrameError(ValueError):
    """Bytes or fields that do not make a valid frame; the message says which part is wrong."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame on the bus; `address` is the device's (requests and replies alike)."""

    address: int
    seq: int
    command: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.address <= MAX_ADDRESS:
            raise FrameError(f"address {self.address} is outside 0..{MAX_ADDRESS}")
        if not 0 <= self.seq <= 255:
            raise FrameError(f"seq {self.seq} is outside 0..255")
        if not 0 <= self.command <= 255:
            raise FrameError(f"command {self.command} is outside 0..255")
        if len(self.payload) > MAX_PAYLOAD:
            raise FrameError(f"payload of {len(self.payload)} bytes; at most {MAX_PAYLOAD} fit")

    def encode(self) -> bytes:
        return encode(self)

    def __len__(self) -> int:
        """Bytes on the wire."""
        return OVERHEAD + len(self.payload)


def encode(frame: Frame) -> bytes:
    body = bytes((frame.address, frame.seq, frame.command, len(frame.payload))) + frame.payload
    return bytes((STX,)) + body + crc_bytes(body)


def decode(data: bytes) -> Frame:
    """Exactly one frame from `data`, or `FrameError` naming what is wrong."""
    if len(data) < OVERHEAD:
        raise FrameError(f"{len(data)} bytes is shorter than the smallest frame ({OVERHEAD})")
    if data[0] != STX:
        raise FrameError(f"first byte is 0x{data[0]:02X}, not STX 0x02")
    length = data[4]
    if len(data) != OVERHEAD + length:
        raise FrameError(
            f"length byte says {length} payload bytes, so {OVERHEAD + length} bytes in all, "
            f"but there are {len(data)}"
        )
    body, got = data[1:-2], int.from_bytes(data[-2:], "little")
    want = crc16_modbus(body)
    if got != want:
        raise FrameError(f"CRC is 0x{got:04X}, expected 0x{want:04X}")
    return Frame(data[1], data[2], data[3], bytes(data[HEADER_LEN:-2]))


def line_time(n_bytes: int, baud: int) -> float:
    """Seconds `n_bytes` take on an 8N1 line (10 bits a byte: start, 8 data, stop)."""
    return n_bytes * 10 / baud


@dataclass
class DecoderStats:
    """What the stream decoder kept and dropped since it was made."""

    frames: int = 0
    crc_errors: int = 0
    bad_headers: int = 0
    truncated: int = 0
    garbage_bytes: int = 0

    @property
    def dropped(self) -> int:
        return self.crc_errors + self.bad_headers + self.truncated


@dataclass
class FrameDecoder:
    """Finds frames in a byte stream and resynchronises on anything else.

    A candidate starts at an STX; a header with an impossible address or length, or a CRC that
    does not match, costs only that STX byte, and the search goes on from the next byte, so a
    valid frame right behind noise is still found. A candidate still waiting for bytes when the
    line falls silent is dropped by `expire()` (the caller calls it after an inter-frame gap).
    """

    stats: DecoderStats = field(default_factory=DecoderStats)
    _buf: bytearray = field(default_factory=bytearray)

    @property
    def pending(self) -> int:
        """Bytes held for an incomplete frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        return self._scan()

    def expire(self) -> list[Frame]:
        """The line went quiet: drop any incomplete candidate, keep any frame behind it."""
        frames: list[Frame] = []
        first = True
        while self._buf:
            if first:
                self.stats.truncated += 1
                first = False
            else:
                self.stats.garbage_bytes += 1
            del self._buf[0]
            frames += self._scan()
        return frames

    def _scan(self) -> list[Frame]:
        frames: list[Frame] = []
        buf = self._buf
        while buf:
            start = buf.find(STX)
            if start < 0:
                self.stats.garbage_bytes += len(buf)
                buf.clear()
                break
            if start:
                self.stats.garbage_bytes += start
                del buf[:start]
            if len(buf) < HEADER_LEN:
                break
            length = buf[4]
            if buf[1] > MAX_ADDRESS or length > MAX_PAYLOAD:
                self.stats.bad_headers += 1
                del buf[0]
                continue
            end = OVERHEAD + length
            if len(buf) < end:
                break
            got = buf[end - 2] | buf[end - 1] << 8
            if crc16_modbus(buf[1 : end - 2]) != got:
                self.stats.crc_errors += 1
                del buf[0]
                continue
            frames.append(Frame(buf[1], buf[2], buf[3], bytes(buf[HEADER_LEN : end - 2])))
            self.stats.frames += 1
            del buf[:end]
        return frames
