"""Benchmark: from `master.show()` to the last byte of the panel's frame on the simulated line.

The pty carries bytes instantly, so the simulated line (simulators.bus.line) adds the 8N1 line
time: a frame's last byte "arrives" n*10/baud after its bytes reach the pty. The latency
measured is therefore master overhead + any wait for an exchange already on the line + the
frame's own line time. Run: `python -m simulators.bus.bench [--baud 9600] [--n 200]`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import threading
import time
from dataclasses import dataclass

from drivers.bus.frame import Frame, line_time
from drivers.bus.master import BusMaster, DeviceSpec
from drivers.bus.protocol import Command, DeviceKind, Line, show_payload
from simulators.bus.devices import SimKeypad, SimPanel, SimRatingBox
from simulators.bus.line import Received, SimLine


@dataclass(frozen=True)
class Figures:
    baud: int
    busy: bool
    n: int
    frame_bytes: int
    frame_line_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float
    ack_median_ms: float

    def __str__(self) -> str:
        load = "busy line (2 keypads + 1 rating box polled)" if self.busy else "idle line"
        return (f"{self.baud} baud, {load}, n={self.n}: frame {self.frame_bytes} B = "
                f"{self.frame_line_ms:.1f} ms line time; show -> last byte at panel: median "
                f"{self.median_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, max {self.max_ms:.1f} ms; "
                f"show -> ACK back: median {self.ack_median_ms:.1f} ms")


async def measure(baud: int = 9600, n: int = 200, busy: bool = False) -> Figures:
    panel = SimPanel(3, 4)
    devices: list = [panel]
    specs = [DeviceSpec(3, DeviceKind.LED_PANEL)]
    if busy:
        devices += [SimKeypad(11), SimKeypad(12), SimRatingBox(21)]
        specs += [DeviceSpec(11, DeviceKind.KEYPAD), DeviceSpec(12, DeviceKind.KEYPAD),
                  DeviceSpec(21, DeviceKind.RATING_BOX)]
    line = SimLine(devices, baud=baud)
    arrivals: dict[bytes, float] = {}
    seen = threading.Event()

    def on_frame(rec: Received) -> None:
        frame: Frame = rec.frame
        if frame.address == 3 and frame.command == Command.SHOW:
            arrivals[frame.payload] = rec.at
            seen.set()

    line.on_frame = on_frame
    url = line.start()
    master = BusMaster(url, specs, baud=baud)
    await master.start()
    latencies, acks = [], []
    size = 0
    try:
        await asyncio.wait_for(master.show(3, "0000", "5A"), 5)  # warm up: line open, online
        rng = random.Random(7)
        for i in range(n):
            await asyncio.sleep(rng.uniform(0.0, 0.05))  # land anywhere in the poll cycle
            number = f"{1000 + i % 9000}"
            payload = show_payload([Line(number, "5A")])
            size = len(Frame(3, 0, Command.SHOW, payload))
            t0 = time.monotonic()
            ok = await asyncio.wait_for(master.show(3, number, "5A"), 5)
            t_ack = time.monotonic()
            if not ok or payload not in arrivals:
                raise RuntimeError(f"show {number} was not delivered")
            latencies.append((arrivals.pop(payload) - t0) * 1000)
            acks.append((t_ack - t0) * 1000)
    finally:
        await master.stop()
        line.stop()
    latencies.sort()
    return Figures(
        baud=baud, busy=busy, n=n, frame_bytes=size,
        frame_line_ms=line_time(size, baud) * 1000,
        median_ms=statistics.median(latencies),
        p95_ms=latencies[int(0.95 * (len(latencies) - 1))],
        max_ms=latencies[-1], ack_median_ms=statistics.median(acks),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baud", type=int, action="append")
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    for baud in args.baud or [9600]:
        for busy in (False, True):
            print(asyncio.run(measure(baud, args.n, busy)), flush=True)


if __name__ == "__main__":
    main()
