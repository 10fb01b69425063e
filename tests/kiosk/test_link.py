"""The kiosk's hall link against a scripted server on a loopback port: a gap in `seq` reloads
the snapshot, a dropped connection comes back with backoff, a refused token is explained.

The real server never skips a sequence number on purpose, so this one is scripted: a small
FastAPI app that speaks the same `WS /ws/hall` and `GET /api/v1/hall` contracts.
"""

from __future__ import annotations

import asyncio
import queue
import time
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket

from kiosk import machine as m
from kiosk.worker import Backoff, KioskIO
from tests.kiosk.test_machine import snapshot
from tests.support.app_server import AppServer


class ScriptedHall(AppServer):
    """Each WebSocket connection sends the snapshot, then the scripted messages, then waits
    (or closes, when `close_after` is set)."""

    def __init__(self, script: list[dict[str, Any]], *, hall_seq: int = 10,
                 close_after: bool = False, token: str = "good") -> None:
        self.script = script
        self.hall_seq = hall_seq
        self.close_after = close_after
        self.token = token
        self.connections = 0
        self.hall_loads = 0
        app = FastAPI()

        @app.get("/api/v1/hall")
        async def hall() -> dict[str, Any]:
            self.hall_loads += 1
            return snapshot(seq=self.hall_seq)

        @app.websocket("/ws/hall")
        async def ws(socket: WebSocket, token: str = "") -> None:
            if token != self.token:
                await socket.close(code=4401)
                return
            await socket.accept()
            self.connections += 1
            await socket.send_json(snapshot(seq=1))
            for message in self.script:
                await socket.send_json(message)
            if self.close_after:
                await socket.close()
                return
            while True:
                await asyncio.sleep(0.05)

        super().__init__(app, force_exit=True)


def _collect(hall: ScriptedHall, token: str = "good") -> tuple[KioskIO, queue.SimpleQueue]:
    events: queue.SimpleQueue = queue.SimpleQueue()
    io = KioskIO(hall.url, token, None, events.put)
    io.start()
    return io, events


def _until(events: queue.SimpleQueue, predicate, what: str, timeout: float = 10) -> list:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            continue
        seen.append(event)
        if predicate(event):
            return seen
    raise AssertionError(f"never got {what}; got {seen}")


def _event(seq: int, kind: str = "called") -> dict[str, Any]:
    return {"seq": seq, "type": kind, "at": "2026-11-23T02:41:00Z"}


def test_a_gap_in_seq_reloads_the_snapshot():
    script = [_event(2), _event(5), _event(9), _event(11)]
    with ScriptedHall(script, hall_seq=10) as hall:
        io, events = _collect(hall)
        try:
            seen = _until(events, lambda e: isinstance(e, m.HallEvent) and e.event["seq"] == 11,
                          "event 11")
        finally:
            io.stop()
    kinds = [(type(e).__name__, getattr(e, "event", {}).get("seq")) for e in seen]
    # 2 follows the snapshot; 5 is a gap -> reload (seq 10), which already holds 5 and 9
    assert kinds == [("LinkUp", None), ("HallEvent", 2), ("HallReloaded", None),
                     ("HallEvent", 11)]
    assert hall.hall_loads == 1


def _health() -> dict[str, Any]:
    """A device-health message in the server's shape: no `seq`."""
    return {"type": "device_health", "at": "2026-11-23T02:41:00Z", "name": "kiosk-1",
            "kind": "kiosk", "counter": None, "online": True, "status": "paper_out",
            "detail": "printer: paper out", "since": "2026-11-23T02:40:00Z"}


def test_device_health_is_not_an_event_and_a_seqless_event_reloads():
    """Device health (no `seq`) used to count as the next event, so the real next event was
    dropped as a replay. It is skipped on its own; a queue event without `seq` reloads."""
    script = [_health(), _event(2), _health(), _event(3),
              {"type": "called", "at": "2026-11-23T02:41:00Z"}, _event(11)]
    with ScriptedHall(script, hall_seq=10) as hall:
        io, events = _collect(hall)
        try:
            seen = _until(events, lambda e: isinstance(e, m.HallEvent) and e.event["seq"] == 11,
                          "event 11")
        finally:
            io.stop()
    kinds = [(type(e).__name__, getattr(e, "event", {}).get("seq")) for e in seen]
    assert kinds == [("LinkUp", None), ("HallEvent", 2), ("HallEvent", 3),
                     ("HallReloaded", None), ("HallEvent", 11)]
    assert hall.hall_loads == 1


def test_a_dropped_link_reconnects():
    with ScriptedHall([_event(2)], close_after=True) as hall:
        io, events = _collect(hall)
        try:
            seen = _until(events, lambda e: isinstance(e, m.LinkUp) and hall.connections >= 3,
                          "a third connection")
        finally:
            io.stop()
    assert sum(isinstance(e, m.LinkDown) for e in seen) >= 2


def test_a_refused_token_is_explained():
    with ScriptedHall([]) as hall:
        io, events = _collect(hall, token="wrong")
        try:
            [down] = _until(events, lambda e: isinstance(e, m.LinkDown), "LinkDown")
        finally:
            io.stop()
    assert "refused this kiosk's token" in down.detail
    assert hall.connections == 0


def test_backoff_doubles_to_a_cap():
    backoff = Backoff(first=0.5, cap=4.0)
    waits = [backoff.next() for _ in range(6)]
    assert all(0.8 * c <= w <= 1.2 * c for w, c in zip(waits, [0.5, 1, 2, 4, 4, 4], strict=True))
    backoff.reset()
    assert backoff.next() <= 0.6


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_on_reports_are_retried(status):
    """A report the server could not take (5xx) stays queued and is sent again."""
    attempts: list[int] = []
    app = FastAPI()

    @app.post("/api/v1/tickets/{ticket_id}/printed")
    async def printed(ticket_id: int) -> Any:
        from fastapi.responses import JSONResponse

        attempts.append(ticket_id)
        if len(attempts) < 3:
            return JSONResponse({"detail": "busy", "error": "unavailable"}, status_code=status)
        return {"id": ticket_id, "printed": True}

    server = AppServer(app)
    server.start()
    io = KioskIO(server.url, "t", None, lambda e: None, report_retry_s=0.05)
    io.start()
    try:
        asyncio.run_coroutine_threadsafe(io._report(42, None), io.loop).result(5)
        deadline = time.monotonic() + 10
        while (len(attempts) < 3 or io.unreported) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        io.stop()
        server.stop()
    assert attempts == [42, 42, 42] and io.unreported == 0
