"""Time from a touch on a service to the first byte at the printer simulator (median of many).

    .venv/bin/python -m tests.kiosk.bench_touch_to_print [--runs 50] [--mode raster|text]

The whole path is real: the pygame app (dummy video driver) takes a synthetic FINGERDOWN,
the state machine asks for a ticket, the I/O thread POSTs it to the real server (SQLite on a
temp file, uvicorn on a loopback port), then the printer driver sends the job over TCP to the
simulator. Two moments are timed at the simulator: its first byte (the driver's DLE EOT status
query, sent before any ticket) and the first byte of the ticket itself (ESC @).
Not a test: it prints figures and asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import pygame

from kiosk import machine as m
from simulators.printer.device import PrinterSimulator
from simulators.printer.server import TcpPrinterServer
from tests.kiosk.harness import FAST, HallServer, KioskHarness, hall_config


class TimedSimulator(PrinterSimulator):
    """The simulator, noting when each chunk of bytes arrives."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.chunks: list[tuple[float, bytes]] = []
        self._chunks_lock = threading.Lock()

    def receive(self, data: bytes) -> bytes:
        with self._chunks_lock:
            self.chunks.append((time.perf_counter(), data))
        return super().receive(data)

    def first_after(self, t0: float, marker: bytes = b"") -> float | None:
        with self._chunks_lock:
            for at, data in self.chunks:
                if at >= t0 and marker in data:
                    return at
        return None


def _summary(name: str, values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
    return (f"{name:<34} median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms   "
            f"min {ms[0]:6.1f}   max {ms[-1]:7.1f}   (n={len(ms)})")


def run(runs: int, mode: str) -> dict[str, list[float]]:
    cfg = hall_config(queue={"kiosk_per_minute": 100_000})
    sim = TimedSimulator(80)
    printer = TcpPrinterServer(sim, port=0).start()
    with tempfile.TemporaryDirectory() as tmp:
        server = HallServer(cfg, f"sqlite:///{Path(tmp) / 'hall.sqlite3'}").start()
        settings = replace(FAST, per_minute=100_000)
        kiosk = KioskHarness(server.url, server.device_token(), printer.url, cfg, settings)
        if mode != "raster":
            from kiosk.printing import DriverPrinter

            kiosk.io.printer = DriverPrinter(printer.url, 80, mode)
        kiosk.io.printer_poll_s = 3600  # only the ticket path talks to the printer
        results: dict[str, list[float]] = {"first byte (status query)": [],
                                           "first byte of the ticket (ESC @)": [],
                                           "ticket on screen": []}
        try:
            kiosk.ready()
            for i in range(runs + 3):
                x, y = kiosk.point("service:HT")
                t0 = time.perf_counter()
                pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, touch_id=1,
                                                     finger_id=0, x=x, y=y, dx=0.0, dy=0.0,
                                                     pressure=1.0))
                kiosk.pump_until(lambda: isinstance(kiosk.visible(), m.ShowTicket),
                                 "the ticket screen")
                shown = time.perf_counter()
                kiosk.pump_until(lambda n=i + 1: len(sim.receipts) >= n, "the receipt")
                first = sim.first_after(t0)
                ticket = sim.first_after(t0, b"\x1b@")
                if i >= 3 and first is not None and ticket is not None:  # 3 warm-up runs
                    results["first byte (status query)"].append(first - t0)
                    results["first byte of the ticket (ESC @)"].append(ticket - t0)
                    results["ticket on screen"].append(shown - t0)
                kiosk.pump(settings.touch_guard_s * 2)  # the guard ignores an instant touch
                kiosk.touch("done")
                kiosk.shows(m.Home)
                kiosk.pump(settings.touch_guard_s * 2)
        finally:
            kiosk.close()
            server.stop()
            printer.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--mode", choices=("raster", "text"), default="raster")
    args = parser.parse_args()
    results = run(args.runs, args.mode)
    print(f"touch -> printer simulator, {args.mode} mode, 80 mm, loopback TCP:")
    for name, values in results.items():
        print(_summary(name, values))


if __name__ == "__main__":
    main()
