"""A slow line to a printer: a TCP relay that carries bytes toward the printer at a fixed rate
(like a receipt printer on a 2400-baud serial link, or one that prints as it receives), so
a test can kill the kiosk while a ticket is still on its way to the paper.

Replies from the printer come back at once. When the kiosk's side of a connection closes or
dies, what the relay still holds for the printer is dropped and the printer's connection is
closed: the printer got the part of the ticket that had reached it, like a real one whose
host died mid-job. Each kiosk connection gets its own connection to the printer (the printer
simulator serves one at a time, as a network printer does).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class SlowLine:
    def __init__(self, printer: tuple[str, int], bytes_per_s: float) -> None:
        self.printer = printer
        self.bytes_per_s = bytes_per_s
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="slow-line", daemon=True)
        self.dropped = 0  # bytes that never reached the printer: their sender was gone

    def url(self, status_timeout_s: float) -> str:
        """The printer URL for the kiosk; the status reply after a ticket waits for the whole
        ticket to cross the line, so its time-out must cover the line's slowness."""
        return f"tcp://127.0.0.1:{self.port}?timeout={status_timeout_s:g}"

    def start(self) -> SlowLine:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def __enter__(self) -> SlowLine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                kiosk, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._relay, args=(kiosk,), daemon=True).start()

    def _relay(self, kiosk: socket.socket) -> None:
        try:
            printer = socket.create_connection(self.printer, timeout=30)
        except OSError:
            kiosk.close()
            return
        printer.settimeout(None)
        pending = bytearray()
        cond = threading.Condition()
        gone = threading.Event()  # the kiosk's side closed or died

        def from_kiosk() -> None:
            try:
                while True:
                    data = kiosk.recv(65536)
                    if not data:
                        break
                    with cond:
                        pending.extend(data)
                        cond.notify()
            except OSError:
                pass
            gone.set()
            with cond:
                cond.notify()

        def to_printer() -> None:
            chunk = max(1, int(self.bytes_per_s / 50))  # 20 ms of line at a time
            while not self._stop.is_set():
                with cond:
                    cond.wait_for(lambda: pending or gone.is_set() or self._stop.is_set(), 0.1)
                    if gone.is_set():
                        self.dropped += len(pending)
                        pending.clear()
                        break
                    piece = bytes(pending[:chunk])
                    del pending[:chunk]
                if not piece:
                    continue
                try:
                    printer.sendall(piece)
                except OSError:
                    break
                time.sleep(len(piece) / self.bytes_per_s)
            with contextlib.suppress(OSError):
                printer.shutdown(socket.SHUT_RDWR)
            printer.close()

        def to_kiosk() -> None:
            try:
                while True:
                    data = printer.recv(65536)
                    if not data:
                        break
                    kiosk.sendall(data)
            except OSError:
                pass
            with contextlib.suppress(OSError):
                kiosk.shutdown(socket.SHUT_RDWR)

        threads = [threading.Thread(target=f, daemon=True)
                   for f in (from_kiosk, to_printer, to_kiosk)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        kiosk.close()
