"""Benchmark: from `POST /api/v1/counters/1/next` to the panel's SHOW frame on the line.

A real server (uvicorn on a loopback port, SQLite in a temporary folder) drives a simulated
RS-485 line on a pty; the simulated line adds the 8N1 line time, so the arrival time of the
SHOW frame's last byte is what a real panel would see. For each call we take the time from
sending the request and from receiving its answer to that last byte, and compare both with
the frame's own line time. `layso bench` can call `measure_call_to_led(n)`; by hand:
`python -m layso.bench.devices --n 50 --baud 9600`.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from contracts.api import DeviceKind as TokenKind
from contracts.api import Role
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config, parse_hall_config
from drivers.bus.frame import line_time
from drivers.bus.protocol import Command, parse_show


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="bench-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return server, thread, url
        time.sleep(0.05)
    raise RuntimeError("the benchmark server did not start")


def measure_call_to_led(n: int = 50, baud: int = 9600, polled: bool = True) -> dict[str, Any]:
    """Figures in ms: `from_answer_*` (answer received -> last byte of SHOW at the panel),
    `from_request_*` (request sent -> same), and their ratio to the frame's line time.
    `polled` adds a keypad and a rating box to the line, as in a real hall."""
    from server import auth
    from server.app import create_app
    from server.db.database import Database
    from simulators.bus.devices import SimBoard, SimKeypad, SimPanel, SimRatingBox
    from simulators.bus.line import SimLine

    panel = SimPanel(1, digits=4)
    sims: list[Any] = [panel, SimBoard(10, lines=4)]
    if polled:
        sims += [SimKeypad(11), SimRatingBox(21)]
    line = SimLine(sims, baud=baud)
    with tempfile.TemporaryDirectory(prefix="layso-bench-") as tmp:
        url = line.start()
        devices = [
            {"name": "panel-1", "kind": "led_panel", "port": url, "address": 1, "counter": 1,
             "baud": baud},
            {"name": "board", "kind": "led_board", "port": url, "address": 10, "baud": baud},
        ]
        if polled:
            devices += [
                {"name": "keypad-1", "kind": "keypad", "port": url, "address": 11,
                 "counter": 1, "baud": baud},
                {"name": "rating-1", "kind": "rating_box", "port": url, "address": 21,
                 "counter": 1, "baud": baud},
            ]
        data = load_hall_config(DEFAULT_CONFIG).model_dump(mode="json")
        data["devices"] = devices
        data["queue"]["kiosk_per_minute"] = max(n, 30)  # one kiosk issues all the tickets
        cfg = parse_hall_config(data)
        db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        server, thread, base = _serve(create_app(cfg, db_url, scheduler=False))
        try:
            db = Database(db_url)
            now = datetime.now(UTC)
            db.write(lambda s: auth.add_user(s, "bench", Role.officer, "bench-password", now))
            _, kiosk_token = db.write(lambda s: auth.add_device(s, "bench-kiosk",
                                                                 TokenKind.kiosk, None, now))
            db.dispose()
            token = httpx.post(f"{base}/api/v1/auth/login", json={
                "username": "bench", "password": "bench-password", "counter": 1}).json()["token"]
            officer = httpx.Client(base_url=base, timeout=10,
                                   headers={"Authorization": f"Bearer {token}"})
            kiosk = httpx.Client(base_url=base, timeout=10,
                                 headers={"Authorization": f"Bearer {kiosk_token}"})
            return _run(n, baud, line, sims, officer, kiosk)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            line.stop()


def _run(n: int, baud: int, line: Any, sims: list[Any], officer: httpx.Client,
         kiosk: httpx.Client) -> dict[str, Any]:
    panel = sims[0]

    numbers = []
    for _ in range(n):
        r = kiosk.post("/api/v1/tickets", json={"service": "HT"})
        r.raise_for_status()
        numbers.append(r.json()["number"])
    _wait(lambda: panel.lines and panel.lines[0].counter == "1", "the panel's first state")
    shows: dict[str, Any] = {}
    seen = threading.Condition()

    def on_frame(rec: Any) -> None:  # the simulator's thread: note each SHOW to the panel
        f = rec.frame
        if f.address == 1 and f.command == Command.SHOW:
            lines = parse_show(f.payload)
            if lines and lines[0].number:
                with seen:
                    shows.setdefault(lines[0].number, rec)
                    seen.notify_all()

    line.on_frame = on_frame
    from_answer: list[float] = []
    from_request: list[float] = []
    frame_bytes = 0
    rng = random.Random(9600)
    for number in numbers:
        # a call lands at a random moment on a line that is only polling (in a hall, calls
        # are minutes apart): wait until the last call's and finish's frames are out
        _wait(lambda: panel.number == "" and _writes_done(line, 0.1), "the line to settle")
        time.sleep(rng.uniform(0.0, 0.1))
        t0 = time.monotonic()
        officer.post("/api/v1/counters/1/next").raise_for_status()
        t1 = time.monotonic()
        with seen:
            if not seen.wait_for(lambda number=number: number in shows, timeout=10):
                raise RuntimeError(f"benchmark: the panel never got SHOW {number}")
            rec = shows[number]
        from_request.append(rec.at - t0)
        from_answer.append(rec.at - t1)
        frame_bytes = rec.size
        officer.post("/api/v1/counters/1/finish", json={}).raise_for_status()
    frame_ms = line_time(frame_bytes, baud) * 1000

    def ms(values: list[float], q: float) -> float:
        return round(_pct(values, q) * 1000, 2)

    out: dict[str, Any] = {"n": n, "baud": baud, "frame_bytes": frame_bytes,
                           "frame_line_ms": round(frame_ms, 2)}
    for name, values in (("from_answer", from_answer), ("from_request", from_request)):
        out[f"{name}_median_ms"] = round(statistics.median(values) * 1000, 2)
        out[f"{name}_p99_ms"] = ms(values, 0.99)
        out[f"{name}_max_ms"] = ms(values, 1.0)
        out[f"{name}_median_ratio"] = round(out[f"{name}_median_ms"] / frame_ms, 2)
        out[f"{name}_p99_ratio"] = round(out[f"{name}_p99_ms"] / frame_ms, 2)
    return out


def _writes_done(line: Any, quiet_s: float) -> bool:
    """No display or rating box write on the line for `quiet_s` (polls and pings go on)."""
    now = time.monotonic()
    for rec in reversed(line.received[-50:]):
        if now - rec.at > quiet_s:
            return True
        if rec.frame.command not in (Command.POLL, Command.PING):
            return False
    return True


def _wait(predicate: Any, what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.01)
    raise RuntimeError(f"benchmark: timed out waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--baud", type=int, action="append")
    parser.add_argument("--idle", action="store_true", help="no keypad or rating box polled")
    args = parser.parse_args()
    for baud in args.baud or [9600]:
        print(measure_call_to_led(args.n, baud, polled=not args.idle))


if __name__ == "__main__":
    main()
