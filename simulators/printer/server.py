"""Put a `PrinterSimulator` on a real line: a TCP port (like a network printer's 9100) or a
pseudo-terminal (like a serial printer), each served by a background thread.

Both are context managers; `.url` is the printer URL the driver takes.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import tty

from simulators.printer.device import PrinterSimulator

_POLL_S = 0.1


class TcpPrinterServer:
    """Serve the simulator on TCP, one connection at a time, as a network printer does."""

    def __init__(self, sim: PrinterSimulator, host: str = "127.0.0.1", port: int = 9100) -> None:
        self.sim = sim
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(4)
        self._sock.settimeout(_POLL_S)
        self.host, self.port = self._sock.getsockname()[:2]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="printer-sim-tcp", daemon=True)
        self.connections = 0

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    def start(self) -> TcpPrinterServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(_POLL_S)
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            reply = self.sim.receive(data)
            if reply:
                try:
                    conn.sendall(reply)
                except OSError:
                    return

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._sock.close()

    def __enter__(self) -> TcpPrinterServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PtyPrinterServer:
    """Serve the simulator on a pseudo-terminal; `.path` is the serial device to open."""

    def __init__(self, sim: PrinterSimulator) -> None:
        self.sim = sim
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # at once, or the line discipline rewrites bytes
        tty.setraw(self._master)
        self.path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="printer-sim-pty", daemon=True)

    @property
    def url(self) -> str:
        return f"serial://{self.path}"

    def start(self) -> PtyPrinterServer:
        self._thread.start()
        return self

    def _serve(self) -> None:
        # The slave fd stays open here, so reads do not fail with EIO when a client closes.
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._master], [], [], _POLL_S)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            if not data:
                continue
            reply = self.sim.receive(data)
            if reply:
                with contextlib.suppress(OSError):
                    os.write(self._master, reply)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyPrinterServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
