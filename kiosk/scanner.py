"""Dossier receipt scanners: a USB scanner that types like a keyboard, or a serial one.

A keyboard-wedge scanner types the code's characters and then Enter (some send Tab): the app
feeds pygame's TEXTINPUT text and the end key to `KeyboardWedge`. A serial scanner (a real
port or a pseudo-terminal) sends the code and CR and/or LF: `SerialScanner` reads it on its own
thread and hands each code to a callback, reopening the port if it goes away.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

MAX_CODE = 256  # a receipt's QR may hold a web address; anything longer is noise


class KeyboardWedge:
    """Collects typed characters until the end key; a pause of `stale_s` drops a fragment."""

    def __init__(self, stale_s: float = 1.0) -> None:
        self.stale_s = stale_s
        self._buffer: list[str] = []
        self._last = 0.0

    def feed(self, text: str, now: float) -> None:
        if self._buffer and now - self._last > self.stale_s:
            self._buffer.clear()
        self._last = now
        if sum(map(len, self._buffer)) < MAX_CODE:
            self._buffer.append(text)

    def end(self, now: float) -> str | None:
        """The code typed so far (Enter or Tab was pressed), or None when there is none."""
        fresh = now - self._last <= self.stale_s
        code = "".join(self._buffer).strip() if fresh else ""
        self._buffer.clear()
        return code or None


def split_lines(buffer: bytes) -> tuple[list[str], bytes]:
    """Complete codes ended by CR or LF, and what is left over for the next read."""
    codes: list[str] = []
    start = 0
    for i, byte in enumerate(buffer):
        if byte in (0x0D, 0x0A):
            chunk = buffer[start:i].decode("utf-8", errors="replace").strip()
            if chunk:
                codes.append(chunk)
            start = i + 1
    rest = buffer[start:]
    if len(rest) > MAX_CODE:
        rest = b""
    return codes, rest


class SerialScanner:
    """Reads codes from a serial scanner on a background thread.

    `port` is a device path (/dev/ttyACM0, a pty) or a pyserial URL; `on_code` is called on
    the reader thread, so it must be thread-safe (the app's `post` is).
    """

    def __init__(self, port: str, on_code: Callable[[str], None], *, baud: int = 9600) -> None:
        self.port = port
        self.baud = baud
        self.on_code = on_code
        self._stop = threading.Event()
        self.connected = threading.Event()  # set while the port is open
        self._thread = threading.Thread(target=self._run, name="kiosk-scanner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def _run(self) -> None:
        import serial

        delay = 0.5
        while not self._stop.is_set():
            try:
                with serial.serial_for_url(self.port, baudrate=self.baud, timeout=0.2) as port:
                    delay = 0.5
                    log.info("scanner %s open", self.port)
                    self.connected.set()
                    try:
                        self._read(port)
                    finally:
                        self.connected.clear()
            except (serial.SerialException, OSError) as exc:
                log.warning("scanner %s: %s; retrying in %.1f s", self.port, exc, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, 10.0)

    def _read(self, port: object) -> None:
        buffer = b""
        while not self._stop.is_set():
            data = port.read(256)  # type: ignore[attr-defined]
            if not data:
                continue
            codes, buffer = split_lines(buffer + data)
            for code in codes:
                self.on_code(code)
