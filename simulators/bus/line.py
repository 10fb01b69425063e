"""A simulated RS-485 line: a real pseudo-terminal (or TCP port) with devices hanging on it.

The master opens the pty's slave path (or `socket://127.0.0.1:PORT`) exactly as it would open
a USB adapter. A pty carries bytes instantly, so the line simulates 8N1 timing itself when
`timed` is on: a byte "arrives" 10/baud seconds after the one before it, a device answers
only once the request's last byte has arrived (plus its turnaround), and its reply takes its
own line time before the master sees it. Every received frame is logged with that arrival
time, which is what the latency benchmark measures against.

`unplug()`/`replug()` pull the adapter out and put it back: the pty is closed and a new one
made, and the stable `link` path (a symlink, like udev's /dev/serial/by-id/…) follows it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import selectors
import socket
import tempfile
import threading
import time
import tty
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from drivers.bus.frame import BROADCAST, Frame, FrameDecoder, line_time

log = logging.getLogger("layso.sim")


class Device(Protocol):
    address: int

    def handle(self, frame: Any, arrived: float | None = None) -> bytes | None: ...

    @property
    def faults(self) -> Any: ...


class LineCodec(Protocol):
    def decoder(self) -> Any: ...

    def address(self, frame: Any) -> int: ...


class BusCodec:
    """The Layso bus as the simulator sees it."""

    def decoder(self) -> FrameDecoder:
        return FrameDecoder()

    def address(self, frame: Frame) -> int:
        return frame.address


@dataclass(frozen=True)
class Received:
    """A frame seen on the line and when its last byte arrived (monotonic, line time)."""

    at: float
    frame: Any
    size: int


class SimLine:
    """Devices on one line; `start()` returns the URL the master opens."""

    def __init__(
        self,
        devices: Iterable[Device] = (),
        *,
        baud: int = 9600,
        timed: bool = True,
        turnaround_s: float | None = None,
        tcp_port: int | None = None,
        link: str | Path | None = None,
        codec: LineCodec | None = None,
        gap_s: float = 0.02,
    ) -> None:
        self.baud = baud
        self.timed = timed
        self.turnaround_s = line_time(4, baud) if turnaround_s is None else turnaround_s
        """Device's pause before answering: at least 3.5 characters, as docs/serial-bus.md."""
        self.tcp_port = tcp_port
        self._codec = codec or BusCodec()
        self._gap_s = gap_s
        self.devices: dict[int, Device] = {}
        for d in devices:
            self.add(d)
        self.decoder = self._codec.decoder()
        self.received: list[Received] = []
        self.unknown_address = 0
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._link = Path(link) if link else None
        self._master_fd: int | None = None
        self._slave_fd: int | None = None
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._plugged = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._outbox: list[bytes] = []
        self._lock = threading.Lock()
        self.slave_path: str | None = None
        self.on_frame: Callable[[Received], None] | None = None

    def add(self, device: Device) -> None:
        if device.address in self.devices:
            raise ValueError(f"two simulated devices at address {device.address}")
        self.devices[device.address] = device

    # -- life cycle -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self.tcp_port is not None:
            return f"socket://127.0.0.1:{self.tcp_port}"
        assert self._link is not None
        return str(self._link)

    def start(self) -> str:
        if self.tcp_port is None and self._link is None:
            self._tmpdir = tempfile.TemporaryDirectory(prefix="layso-bus-")
            self._link = Path(self._tmpdir.name) / "ttyBUS0"
        self._plug()
        self._thread = threading.Thread(target=self._run, name="sim-line", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._unplug()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self._tmpdir is not None:
            self._tmpdir.cleanup()

    def __enter__(self) -> SimLine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def unplug(self) -> None:
        """Pull the adapter out: the master's port vanishes (reads fail, the path is gone)."""
        with self._lock:
            self._unplug()
        os.write(self._wake_w, b"x")

    def replug(self) -> None:
        """Put it back: a new pty behind the same link path (or the TCP port listening again)."""
        with self._lock:
            self._plug()
        os.write(self._wake_w, b"x")

    def _plug(self) -> None:
        if self.tcp_port is not None:
            lst = socket.create_server(("127.0.0.1", self.tcp_port), reuse_port=False)
            lst.setblocking(False)
            self.tcp_port = lst.getsockname()[1]
            self._listener = lst
        else:
            master, slave = os.openpty()
            tty.setraw(slave)  # no line discipline: bytes pass as they are
            os.set_blocking(master, False)
            self._master_fd, self._slave_fd = master, slave
            self.slave_path = os.ttyname(slave)
            assert self._link is not None
            tmp = self._link.with_name(self._link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self.slave_path)
            tmp.replace(self._link)
        self.decoder = self._codec.decoder()
        self._plugged.set()

    def _unplug(self) -> None:
        self._plugged.clear()
        for sock in (self._client, self._listener):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
        self._client = self._listener = None
        for fd in (self._master_fd, self._slave_fd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master_fd = self._slave_fd = None
        if self._link is not None and self.tcp_port is None:
            with contextlib.suppress(FileNotFoundError):
                self._link.unlink()

    # -- talking --------------------------------------------------------------------------
    def inject(self, data: bytes) -> None:
        """Put raw bytes on the line towards the master (noise, foreign frames)."""
        with self._lock:
            self._outbox.append(bytes(data))
        os.write(self._wake_w, b"x")

    def _write(self, data: bytes) -> None:
        try:
            if self._client is not None:
                self._client.sendall(data)
            elif self._master_fd is not None:
                view = memoryview(data)
                while view:
                    try:
                        n = os.write(self._master_fd, view)
                    except BlockingIOError:
                        time.sleep(0.001)
                        continue
                    view = view[n:]
        except OSError as exc:
            log.debug("write to the master failed: %s", exc)

    def _byte_time(self) -> float:
        return line_time(1, self.baud) if self.timed else 0.0

    def _run(self) -> None:
        clock = 0.0  # when the last received byte arrived on the simulated line
        while not self._stop.is_set():
            if not self._plugged.is_set():
                self._drain_wake(0.05)
                continue
            sel = selectors.DefaultSelector()
            source: Any = None
            with self._lock:
                if self._listener is not None and self._client is None:
                    source = self._listener
                elif self._client is not None:
                    source = self._client
                elif self._master_fd is not None:
                    source = self._master_fd
                outbox, self._outbox = self._outbox, []
            for data in outbox:
                self._write(data)
            if source is None:
                self._drain_wake(0.05)
                continue
            try:
                sel.register(source, selectors.EVENT_READ)
                sel.register(self._wake_r, selectors.EVENT_READ)
                timeout = self._gap_s if self.decoder.pending else None
                events = sel.select(timeout)
            except (OSError, ValueError):  # unplugged under our feet
                continue
            finally:
                sel.close()
            if not events:
                self._frames(self.decoder.expire(), [clock])
                continue
            for key, _ in events:
                if key.fileobj == self._wake_r:
                    self._drain_wake(0)
                elif key.fileobj is self._listener and self._listener is not None:
                    with contextlib.suppress(OSError):
                        client, _ = self._listener.accept()
                        client.setblocking(True)
                        self._client = client
                else:
                    data = self._read(source)
                    if data is None:
                        continue
                    now = time.monotonic()
                    arrivals = []
                    bt = self._byte_time()
                    for _ in data:
                        clock = max(clock, now) + bt
                        arrivals.append(clock)
                    self._feed(data, arrivals)

    def _read(self, source: Any) -> bytes | None:
        try:
            if isinstance(source, socket.socket):
                data = source.recv(4096)
                if not data:  # the master closed its TCP connection
                    with contextlib.suppress(OSError):
                        source.close()
                    self._client = None
                    return None
                return data
            return os.read(source, 4096)
        except (BlockingIOError, InterruptedError):
            return None
        except OSError:
            return None

    def _drain_wake(self, timeout: float) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self._wake_r, selectors.EVENT_READ)
        if sel.select(timeout):
            with contextlib.suppress(BlockingIOError, OSError):
                os.read(self._wake_r, 1024)
        sel.close()

    def _feed(self, data: bytes, arrivals: list[float]) -> None:
        # byte by byte, so each frame knows when its own last byte arrived
        for byte, at in zip(data, arrivals, strict=True):
            self._frames(self.decoder.feed(bytes((byte,))), [at])

    def _frames(self, frames: list[Any], at: list[float]) -> None:
        for frame in frames:
            size = len(frame)
            rec = Received(at[0], frame, size)
            self.received.append(rec)
            if self.on_frame is not None:
                self.on_frame(rec)
            self._dispatch(rec)

    def _dispatch(self, rec: Received) -> None:
        address = self._codec.address(rec.frame)
        if address == BROADCAST:
            for dev in list(self.devices.values()):
                dev.handle(rec.frame, rec.at)
            return
        dev = self.devices.get(address)
        if dev is None or dev.address != address:  # a device may have been re-addressed
            dev = next((d for d in self.devices.values() if d.address == address), None)
        if dev is None:
            self.unknown_address += 1
            return
        # the request has not fully arrived on a real line until `rec.at`
        _sleep_until(rec.at)
        reply = dev.handle(rec.frame, rec.at)
        faults = dev.faults
        if reply is None or faults.no_reply:
            return
        if faults.bad_crc:
            reply = reply[:-1] + bytes(((reply[-1] ^ 0xFF),))
        if faults.garbage:
            reply = bytes(random.getrandbits(8) for _ in range(faults.garbage)) + reply
        if faults.duplicate_reply:
            reply = reply + reply
        wait = self.turnaround_s + faults.slow_reply_s + len(reply) * self._byte_time()
        _sleep_until(time.monotonic() + wait)
        with self._lock:
            self._write(reply)


def _sleep_until(t: float) -> None:
    delay = t - time.monotonic()
    if delay > 0:
        time.sleep(delay)
