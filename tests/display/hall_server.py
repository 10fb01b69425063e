"""A small WebSocket server that speaks the hall contract (`contracts.events`), for the board's
client tests: snapshot first, then events with gap-free `seq`; `GET /api/v1/hall` too.

It keeps its own snapshot up to date as it publishes, so a client that reconnects gets a
snapshot consistent with the events it missed — what the real server does. It can be stopped
and started again on the same port (a server restart), and can skip a `seq` (a lost event).
"""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from display.sample import sample_snapshot

TOKEN = "board-token_1"


class HallServer:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.cfg = load_hall_config(DEFAULT_CONFIG)
        self.snapshot = sample_snapshot(self.cfg, datetime.now(UTC)).model_dump(mode="json")
        self.port = 0
        self.connections = 0
        self.hall_loads = 0  # GET /api/v1/hall answered
        self._clients: set[ServerConnection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # --- life ------------------------------------------------------------------------------
    def start(self) -> HallServer:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def boot() -> None:
            self._server = await serve(self._handler, "127.0.0.1", self.port,
                                       process_request=self._http)
            self.port = self._server.sockets[0].getsockname()[1] if not self.port else self.port
            ready.set()

        def main() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(boot())
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        if not ready.wait(5):
            raise RuntimeError("the test hall server did not start")
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def down() -> None:
            server.close()
            await server.wait_closed()

        asyncio.run_coroutine_threadsafe(down(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(5)
        self._loop = self._server = None
        self._clients.clear()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- protocol --------------------------------------------------------------------------
    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        token = parse_qs(parts.query).get("token", [""])[0]
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if parts.path == "/api/v1/hall":
            if bearer != self.token:
                return _json(HTTPStatus.UNAUTHORIZED, {"detail": "bad token"})
            with self._lock:
                self.hall_loads += 1
                return _json(HTTPStatus.OK, self.snapshot)
        if parts.path != "/ws/hall":
            return _json(HTTPStatus.NOT_FOUND, {"detail": "not found"})
        if token != self.token:
            return _json(HTTPStatus.FORBIDDEN, {"detail": "unauthorized: add ?token=TOKEN"})
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        with self._lock:
            first = json.dumps(self.snapshot, ensure_ascii=False)
            self._clients.add(ws)
            self.connections += 1
        try:
            await ws.send(first)
            async for _ in ws:
                pass
        finally:
            self._clients.discard(ws)

    def publish(self, event: dict, *, seq: int | None = None) -> dict:
        """Send `event` with the next seq (or `seq`, to make a gap) to every client."""
        with self._lock:
            event = {"seq": seq if seq is not None else self.snapshot["seq"] + 1,
                     "at": datetime.now(UTC).isoformat(), **event}
            self._fold(event)
            text = json.dumps(event, ensure_ascii=False)
            clients = list(self._clients)
        if self._loop is not None:
            for ws in clients:
                asyncio.run_coroutine_threadsafe(ws.send(text), self._loop).result(5)
        return event

    def call(self, number: str, counter: int, *, recall: bool = False, **extra) -> dict:
        c = self.cfg.counter(counter)
        assert c is not None
        return self.publish({"type": "recalled" if recall else "called", "number": number,
                             "counter": counter, "counter_label": c.label,
                             "service": c.services[0], "ticket_id": 1, "visit_id": 1, **extra})

    def _fold(self, event: dict) -> None:
        """Keep the snapshot current, as the real server's would be."""
        self.snapshot["seq"] = max(self.snapshot["seq"], event["seq"])
        if event["type"] in ("called", "recalled"):
            self.snapshot["recent_calls"].insert(0, {
                "number": event["number"], "counter": event["counter"],
                "counter_label": event["counter_label"], "service": event["service"],
                "at": event["at"]})
            for c in self.snapshot["counters"]:
                if c["number"] == event["counter"]:
                    c.update(state="called", ticket={
                        "id": 1, "number": event["number"], "service": event["service"],
                        "state": "called", "issued_at": event["at"]})


def _json(status: HTTPStatus, body: dict) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode()
    headers = Headers([("Content-Type", "application/json"),
                       ("Content-Length", str(len(data)))])
    return Response(status.value, status.phrase, headers, data)
