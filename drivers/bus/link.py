"""One serial line opened with pyserial-asyncio-fast: bytes out, decoded frames in.

The port is a device path (/dev/ttyUSB0, a udev symlink, a pty), `socket://host:port` (an
RS-485-to-Ethernet converter or a simulator's TCP port; `tcp://` is accepted as a synonym) or
any other pyserial URL with a file descriptor (`spy://` logs every byte). The link keeps its
own idea of when the line is busy: at 9600 baud a 13-byte frame takes 13.5 ms after `write()`
returns, and a reply cannot start before that.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import serial
import serial_asyncio_fast

from drivers.bus.frame import line_time

log = logging.getLogger("layso.bus")


class StreamDecoder(Protocol):
    """What the link needs of a decoder (the Layso bus and Modbus RTU each have one)."""

    @property
    def pending(self) -> int: ...

    def feed(self, data: bytes) -> list[Any]: ...

    def expire(self) -> list[Any]: ...


def normalise_url(port: str) -> str:
    """`tcp://h:p` -> `socket://h:p`; everything else as given."""
    if port.startswith("tcp://"):
        return "socket://" + port[len("tcp://") :]
    return port


class LinkClosed(ConnectionError):
    """The line went away while a frame was being sent or awaited."""


class SerialLink(asyncio.Protocol):
    """An open serial line. `open()` raises `OSError` with a readable message if it cannot."""

    def __init__(
        self,
        port: str,
        baud: int,
        decoder: StreamDecoder,
        on_frame: Callable[[Any], None],
        on_lost: Callable[[Exception | None], None],
        interbyte_timeout_s: float = 0.02,
    ) -> None:
        self.port = port
        self.baud = baud
        self.decoder = decoder
        self._on_frame = on_frame
        self._on_lost = on_lost
        self._interbyte = interbyte_timeout_s
        self._transport: asyncio.Transport | None = None
        self._expire_handle: asyncio.TimerHandle | None = None
        self.busy_until = 0.0
        self.bytes_in = 0
        self.bytes_out = 0

    @property
    def connected(self) -> bool:
        return self._transport is not None and not self._transport.is_closing()

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        url = normalise_url(self.port)
        kwargs: dict[str, Any] = {"baudrate": self.baud}
        if "://" not in url:
            kwargs["exclusive"] = True  # a second program on the same adapter garbles both
        try:
            await serial_asyncio_fast.create_serial_connection(loop, lambda: self, url, **kwargs)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise OSError(f"cannot open serial line {self.port}: {_reason(exc)}") from exc

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._expire_handle:
            self._expire_handle.cancel()
        self._on_lost(exc)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def closed(self, timeout: float = 2.0) -> None:
        """Wait until the port is really closed: the transport closes it on a later loop
        turn, and a process that stops right away would keep the adapter (and its exclusive
        lock) open, so the next owner could not open it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._transport is not None and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.005)
        if self._transport is not None:  # never let go: drop it the hard way
            self._transport.abort()
            await asyncio.sleep(0)

    def write(self, data: bytes) -> float:
        """Queue `data`; return the monotonic time its last byte has left the line."""
        if not self.connected:
            raise LinkClosed(f"serial line {self.port} is not open")
        assert self._transport is not None
        self._transport.write(data)
        self.bytes_out += len(data)
        self.busy_until = max(time.monotonic(), self.busy_until) + line_time(len(data), self.baud)
        return self.busy_until

    def data_received(self, data: bytes) -> None:
        self.bytes_in += len(data)
        self._deliver(self.decoder.feed(data))
        if self._expire_handle:
            self._expire_handle.cancel()
            self._expire_handle = None
        if self.decoder.pending:
            loop = asyncio.get_running_loop()
            self._expire_handle = loop.call_later(self._interbyte, self.expire)

    def expire(self) -> None:
        """The line has been quiet: drop a half-received frame, deliver any frame behind it."""
        self._expire_handle = None
        if self.decoder.pending:
            self._deliver(self.decoder.expire())

    def _deliver(self, frames: list[Any]) -> None:
        for frame in frames:
            try:
                self._on_frame(frame)
            except Exception:  # one bad handler must not kill the line
                log.exception("frame handler failed on %r", frame)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, serial.SerialException) and exc.__context__ is not None:
        inner = exc.__context__
        if isinstance(inner, OSError) and inner.strerror:
            if inner.errno == errno.EACCES:
                return f"{inner.strerror} (add the service's user to the `dialout` group)"
            return inner.strerror  # "No such file or directory", "Device or resource busy"…
    return text
