"""An incremental ESC/POS decoder: bytes in, receipt elements and status queries out.

It understands what the project and python-escpos send (ESC @, ESC t, ESC a, ESC E, ESC !,
ESC M, ESC -, ESC d, ESC J, ESC 2/3, GS !, GS v 0, GS ( k, GS ( L, GS k, GS V, FS ., LF, and
DLE EOT) and skips every other command by its known length, so unknown input never wedges
it. Bytes may arrive in any chunks: an incomplete command waits for the rest. Commands that
declare absurd sizes are dropped rather than buffered forever.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from PIL import Image

from drivers.printer.codepages import decoding_table
from simulators.printer.receipt import (
    DEFAULT_LINE_DOTS,
    Barcode,
    Element,
    Feed,
    Line,
    Note,
    QRCode,
    Raster,
    Style,
)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
MAX_RASTER_BYTES = 1 << 22  # 4 MiB: a 576-dot image 58,000 dots (7 m) long
MAX_RASTER_WIDTH_BYTES = 256  # 2048 dots

# ESC x and GS x commands skipped by total length (command bytes included).
_ESC_FIXED = {
    0x20: 3, 0x21: 3, 0x24: 4, 0x25: 3, 0x2D: 3, 0x32: 2, 0x33: 3, 0x3C: 2, 0x3D: 3, 0x3F: 3,
    0x40: 2, 0x45: 3, 0x47: 3, 0x4A: 3, 0x4B: 3, 0x4C: 2, 0x4D: 3, 0x52: 3, 0x53: 2, 0x54: 3,
    0x55: 3, 0x56: 3, 0x5C: 4, 0x61: 3, 0x64: 3, 0x65: 3, 0x69: 2, 0x6D: 2, 0x70: 5, 0x72: 3,
    0x74: 3, 0x75: 3, 0x76: 2, 0x7B: 3, 0x0C: 2, 0x0E: 2, 0x14: 2,
}
_GS_FIXED = {
    0x21: 3, 0x24: 4, 0x2F: 3, 0x3A: 2, 0x42: 3, 0x43: 3, 0x48: 3, 0x49: 3, 0x4C: 4, 0x50: 4,
    0x54: 3, 0x57: 4, 0x5C: 4, 0x5E: 5, 0x61: 3, 0x62: 3, 0x63: 2, 0x66: 3, 0x67: 3, 0x68: 3,
    0x72: 3, 0x77: 3, 0x7C: 3, 0x0C: 2,
}
_FS_FIXED = {0x21: 3, 0x26: 2, 0x2D: 3, 0x2E: 2, 0x43: 3, 0x53: 4, 0x57: 3, 0x70: 4}
_QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
_INVERT = bytes(255 - i for i in range(256))


class EscPosDecoder:
    """Feed bytes with `feed()`; elements, cuts and status queries go to the callbacks."""

    def __init__(
        self,
        dots: int,
        tables: Mapping[int, str],
        on_element: Callable[[Element], None],
        on_cut: Callable[[], None],
        on_status: Callable[[int], None],
    ) -> None:
        self.dots = dots
        self.tables = dict(tables)
        self.on_element = on_element
        self.on_cut = on_cut
        self.on_status = on_status
        self._buf = bytearray()
        self.bytes_in = 0
        self.skipped = 0  # bytes of commands dropped as malformed
        self._reset()

    # -- state -----------------------------------------------------------------------------

    def _reset(self) -> None:
        self.style = Style()
        self.align = 0
        self.table = 0
        self.spacing = DEFAULT_LINE_DOTS
        self.line: Line | None = None
        self.qr_module = 3
        self.qr_ec = "L"
        self.qr_data = b""
        self.barcode_height = 162

    def _decode(self, byte: int) -> str | None:
        name = self.tables.get(self.table)
        if name is None:
            return chr(byte) if 0x20 <= byte < 0x7F else None
        try:
            return decoding_table(name)[byte]
        except (KeyError, ValueError, LookupError):
            return chr(byte) if 0x20 <= byte < 0x7F else None

    def _put(self, ch: str) -> None:
        if self.line is None:
            self.line = Line(align=self.align, spacing=self.spacing)
        runs = self.line.runs
        if runs and runs[-1][1] == self.style:
            runs[-1] = (runs[-1][0] + ch, self.style)
        else:
            runs.append((ch, self.style))

    def _end_line(self, force: bool = True) -> None:
        """Print the line buffer (LF prints an empty line too; other commands do not)."""
        if self.line is None:
            if force:
                self.on_element(Line(align=self.align, spacing=self.spacing))
            return
        self.line.spacing = self.spacing
        self.on_element(self.line)
        self.line = None

    # -- input -----------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self.bytes_in += len(data)
        self._buf += data
        pos = 0
        buf = self._buf
        while pos < len(buf):
            used = self._step(buf, pos)
            if used == 0:
                break
            pos += used
        del buf[:pos]

    def pending(self) -> int:
        """Bytes held back, waiting for the rest of a command."""
        return len(self._buf)

    def _step(self, buf: bytearray, pos: int) -> int:
        b = buf[pos]
        if b == 0x0A:
            self._end_line()
            return 1
        if b == ESC:
            return self._esc(buf, pos)
        if b == GS:
            return self._gs(buf, pos)
        if b == FS:
            return self._fs(buf, pos)
        if b == DLE:
            return self._dle(buf, pos)
        if b == 0x09:
            self._put(" ")
            return 1
        ch = self._decode(b)
        if ch is not None:
            self._put(ch)
        elif b >= 0x80:
            self._put("\ufffd")
        return 1  # other C0 bytes (CR, NUL, CAN, FF...) print nothing here

    def _need(self, buf: bytearray, pos: int, n: int) -> bool:
        return len(buf) - pos >= n

    def _dle(self, buf: bytearray, pos: int) -> int:
        if not self._need(buf, pos, 2):
            return 0
        fn = buf[pos + 1]
        if fn in (0x04, 0x05):  # DLE EOT n, DLE ENQ n
            if not self._need(buf, pos, 3):
                return 0
            if fn == 0x04:
                self.on_status(buf[pos + 2])
            return 3
        if fn == 0x14:  # DLE DC4 fn ...
            if not self._need(buf, pos, 3):
                return 0
            if buf[pos + 2] in (1, 2):
                return 5 if self._need(buf, pos, 5) else 0
            return 3
        return 1  # a lone DLE is not a character

    def _esc(self, buf: bytearray, pos: int) -> int:
        if not self._need(buf, pos, 2):
            return 0
        cmd = buf[pos + 1]
        if cmd == 0x2A:  # ESC * m nL nH d...: column bit image
            if not self._need(buf, pos, 5):
                return 0
            m, n = buf[pos + 2], buf[pos + 3] | buf[pos + 4] << 8
            total = 5 + n * (3 if m in (32, 33) else 1)
            if not self._need(buf, pos, total):
                return 0
            self._end_line(force=False)
            self.on_element(Note(f"column image {n} dots"))
            return total
        if cmd == 0x44:  # ESC D n1..nk NUL: tab stops
            end = buf.find(b"\x00", pos + 2, pos + 36)
            if end < 0:
                return 0 if len(buf) - pos < 36 else 2
            return end - pos + 1
        if cmd == 0x63:  # ESC c 3/4/5 n
            return 4 if self._need(buf, pos, 4) else 0
        if cmd == 0x28:  # ESC ( X pL pH ...
            return self._skip_paren(buf, pos)
        size = _ESC_FIXED.get(cmd, 2)
        if not self._need(buf, pos, size):
            return 0
        arg = buf[pos + 2] if size >= 3 else 0
        if cmd == 0x40:
            self._end_line(force=False)
            self._reset()
        elif cmd == 0x74:
            self.table = arg
        elif cmd == 0x61:
            self.align = arg % 48 if arg % 48 <= 2 else 0
            if self.line is not None and not self.line.runs:
                self.line.align = self.align
        elif cmd == 0x45:
            self.style = replace(self.style, bold=bool(arg & 1))
        elif cmd == 0x2D:
            self.style = replace(self.style, underline=arg % 48 if arg % 48 <= 2 else 0)
        elif cmd == 0x4D:
            self.style = replace(self.style, font_b=arg % 48 == 1)
        elif cmd == 0x21:
            self.style = Style(font_b=bool(arg & 0x01), bold=bool(arg & 0x08),
                               underline=1 if arg & 0x80 else 0,
                               width=2 if arg & 0x20 else 1, height=2 if arg & 0x10 else 1)
        elif cmd == 0x64:  # ESC d n: print and feed n lines
            self._end_line(force=False)
            if arg:
                self.on_element(Feed(arg * self.spacing))
        elif cmd == 0x4A:  # ESC J n: print and feed n dots
            self._end_line(force=False)
            self.on_element(Feed(arg))
        elif cmd == 0x32:
            self.spacing = DEFAULT_LINE_DOTS
        elif cmd == 0x33:
            self.spacing = arg
        return size

    def _skip_paren(self, buf: bytearray, pos: int) -> int:
        if not self._need(buf, pos, 5):
            return 0
        total = 5 + (buf[pos + 3] | buf[pos + 4] << 8)
        return total if self._need(buf, pos, total) else 0

    def _gs(self, buf: bytearray, pos: int) -> int:
        if not self._need(buf, pos, 2):
            return 0
        cmd = buf[pos + 1]
        if cmd == 0x76:  # GS v 0 m xL xH yL yH d...
            return self._raster(buf, pos)
        if cmd == 0x28:  # GS ( k / GS ( L / others: GS ( X pL pH data
            if not self._need(buf, pos, 5):
                return 0
            total = 5 + (buf[pos + 3] | buf[pos + 4] << 8)
            if not self._need(buf, pos, total):
                return 0
            if buf[pos + 2] == 0x6B:
                self._two_d(bytes(buf[pos + 5:pos + total]))
            elif buf[pos + 2] == 0x4C and total > 6 and buf[pos + 6] in (0x32, 0x02):
                self._end_line(force=False)
                self.on_element(Note("graphics (GS ( L) printed"))
            return total
        if cmd == 0x6B:  # GS k m ...
            return self._barcode(buf, pos)
        if cmd == 0x56:  # GS V m [n]
            if not self._need(buf, pos, 3):
                return 0
            m = buf[pos + 2]
            size = 4 if m in (65, 66, 97, 98, 103, 104) else 3
            if not self._need(buf, pos, size):
                return 0
            self._end_line(force=False)
            if size == 4 and m in (65, 66) and buf[pos + 3]:
                self.on_element(Feed(buf[pos + 3]))
            self.on_cut()
            return size
        if cmd == 0x2A:  # GS * x y d...: define downloaded image
            if not self._need(buf, pos, 4):
                return 0
            total = 4 + buf[pos + 2] * buf[pos + 3] * 8
            return total if self._need(buf, pos, total) else 0
        size = _GS_FIXED.get(cmd, 2)
        if not self._need(buf, pos, size):
            return 0
        if cmd == 0x21:
            n = buf[pos + 2]
            self.style = replace(self.style, width=(n >> 4 & 7) + 1, height=(n & 7) + 1)
        elif cmd == 0x68:
            self.barcode_height = buf[pos + 2] or 1
        return size

    def _raster(self, buf: bytearray, pos: int) -> int:
        if not self._need(buf, pos, 8):
            return 0
        m = buf[pos + 3]
        x = buf[pos + 4] | buf[pos + 5] << 8
        y = buf[pos + 6] | buf[pos + 7] << 8
        size = x * y
        if buf[pos + 2] not in (0x00, 0x30) or x == 0 or y == 0 or \
                x > MAX_RASTER_WIDTH_BYTES or size > MAX_RASTER_BYTES:
            self.skipped += 8
            return 8  # not a usable header: drop it and read on
        if not self._need(buf, pos, 8 + size):
            return 0
        # ESC/POS sets a bit for a black dot; Pillow's "1" mode sets it for white.
        raw = bytes(buf[pos + 8:pos + 8 + size]).translate(_INVERT)
        image = Image.frombytes("1", (x * 8, y), raw)
        mode = m % 48
        if mode in (1, 3):
            image = image.resize((image.width * 2, image.height), Image.Resampling.NEAREST)
        if mode in (2, 3):
            image = image.resize((image.width, image.height * 2), Image.Resampling.NEAREST)
        self._end_line(force=False)
        self.on_element(Raster(image, self.align))
        return 8 + size

    def _two_d(self, body: bytes) -> None:
        """GS ( k body: cn fn [params]; QR (cn=49) store, size, level and print."""
        if len(body) < 2 or body[0] != 49:
            return
        fn = body[1]
        if fn == 67 and len(body) >= 3:
            self.qr_module = max(1, min(16, body[2]))
        elif fn == 69 and len(body) >= 3:
            self.qr_ec = _QR_EC.get(body[2], "L")
        elif fn == 80 and len(body) >= 3:
            self.qr_data = bytes(body[3:])
        elif fn == 81:
            self._end_line(force=False)
            if self.qr_data:
                self.on_element(QRCode(self.qr_data, self.qr_module, self.qr_ec, self.align))

    def _barcode(self, buf: bytearray, pos: int) -> int:
        if not self._need(buf, pos, 3):
            return 0
        m = buf[pos + 2]
        if m <= 6:
            end = buf.find(b"\x00", pos + 3, pos + 3 + 256)
            if end < 0:
                if len(buf) - pos - 3 < 256:
                    return 0
                return 3
            data, total = bytes(buf[pos + 3:end]), end - pos + 1
        elif 65 <= m <= 79:
            if not self._need(buf, pos, 4):
                return 0
            total = 4 + buf[pos + 3]
            if not self._need(buf, pos, total):
                return 0
            data = bytes(buf[pos + 4:pos + total])
        else:
            return 3
        self._end_line(force=False)
        self.on_element(Barcode(m, data, self.barcode_height, self.align))
        return total

    def _fs(self, buf: bytearray, pos: int) -> int:
        if not self._need(buf, pos, 2):
            return 0
        size = _FS_FIXED.get(buf[pos + 1], 2)
        return size if self._need(buf, pos, size) else 0

    def flush(self) -> None:
        """Print what is left in the line buffer (end of input)."""
        self._end_line(force=False)
