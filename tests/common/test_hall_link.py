"""common/hall_link.py, the one hall-link client of the kiosk and the board, against a real
WebSocket server on loopback: its gap policy (reload over HTTP, in order with the events that
arrive meanwhile), a failed reload (reconnect), and the shared backoff."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from common.backoff import Backoff
from common.hall_link import HallLink, LinkHandlers
from display.client import HallClient
from kiosk.worker import KioskIO

WAIT = 10.0  # a bound for a broken test, never a measurement


def _event(seq: int) -> dict[str, Any]:
    return {"seq": seq, "type": "called", "at": "2026-11-23T02:41:00Z"}


async def _until(check, what: str) -> None:
    async with asyncio.timeout(WAIT):
        while not check():
            await asyncio.sleep(0.005)
    assert check(), what


class Script:
    """Per connection: the snapshot (seq 1), then `first`; once the reload has begun, `later`."""

    def __init__(self, first: list[dict], later: list[dict]) -> None:
        self.first, self.later = first, later
        self.connections = 0
        self.reloading = asyncio.Event()

    async def handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        await ws.send(json.dumps({"type": "snapshot", "seq": 1}))
        for message in self.first:
            await ws.send(json.dumps(message))
        await self.reloading.wait()
        for message in self.later:
            await ws.send(json.dumps(message))
        await ws.wait_closed()


def _link(url: str, load, got: list) -> HallLink:
    return HallLink(
        url, load,
        LinkHandlers(snapshot=lambda s, fresh: got.append(("snapshot", s["seq"], fresh)),
                     event=lambda e: got.append(("event", e["seq"])),
                     unsequenced=lambda m: got.append(("unsequenced", m["type"])),
                     closed=lambda reason: got.append(("closed", reason))),
        unsequenced=frozenset({"device_health"}), backoff=Backoff(first=0.05, cap=0.1))


def test_a_gap_reloads_over_http_and_events_during_the_reload_follow_in_order() -> None:
    """5 after 2 is a gap: the snapshot (seq 10, which holds 3..10) comes over HTTP while the
    socket brings 9, 11, 12 and a device-health message; 9 is in the snapshot, 11 and 12 follow
    it. The reload waits until those are read, so they really arrived during it."""

    async def main() -> list:
        script = Script([_event(2), _event(5)],
                        [_event(9), {"type": "device_health"}, _event(11), _event(12)])
        got: list = []

        async def load() -> dict:
            script.reloading.set()
            # the reader goes on while the snapshot loads: 4 messages buffered meanwhile
            await _until(lambda: link._inbox is not None and link._inbox.qsize() >= 4,
                         "events buffered during the reload")
            return {"type": "snapshot", "seq": 10}

        async with serve(script.handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            link = _link(f"ws://127.0.0.1:{port}/ws/hall", load, got)
            task = asyncio.ensure_future(link.run())
            await _until(lambda: ("event", 12) in got, "event 12")
            link.stop()
            await asyncio.wait_for(task, WAIT)
        assert script.connections == 1 and link.reloads == 1
        return got

    got = asyncio.run(main())
    assert got[:-1] == [("snapshot", 1, True), ("event", 2), ("snapshot", 10, False),
                        ("unsequenced", "device_health"), ("event", 11), ("event", 12)]
    assert got[-1][0] == "closed"


def test_a_failed_reload_reconnects_and_the_new_snapshot_is_the_reload() -> None:
    async def main() -> tuple[list, int]:
        script = Script([_event(2), _event(4)], [])
        got: list = []

        async def load() -> dict:
            script.reloading.set()
            raise ConnectionRefusedError("no HTTP today")

        async with serve(script.handler, "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            link = _link(f"ws://127.0.0.1:{port}/ws/hall", load, got)
            task = asyncio.ensure_future(link.run())
            await _until(lambda: script.connections >= 2
                         and got.count(("snapshot", 1, True)) >= 2, "a second connection")
            link.stop()
            await asyncio.wait_for(task, WAIT)
        return got, script.connections

    got, connections = asyncio.run(main())
    assert connections >= 2
    closed = [g for g in got if g[0] == "closed"]
    assert "GET /api/v1/hall failed: no HTTP today" in closed[0][1]
    assert got[:3] == [("snapshot", 1, True), ("event", 2), closed[0]]


def test_backoff_without_jitter_is_exact() -> None:
    backoff = Backoff(first=0.5, cap=4.0, jitter=0)
    assert [backoff.next() for _ in range(5)] == [0.5, 1, 2, 4, 4]


def test_the_kiosk_and_the_board_use_the_one_client() -> None:
    kiosk = KioskIO("http://127.0.0.1:9", "t", None, lambda e: None)
    board = HallClient("http://127.0.0.1:9", "t")
    assert isinstance(kiosk.link.link, HallLink) and isinstance(board.link, HallLink)
