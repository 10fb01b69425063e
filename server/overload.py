"""Shedding load before it hurts the hall: past a number of requests in flight, new ones get
503 with Retry-After — except the counters' own actions and sign-in, which keep working, so
officers can go on calling while a flood of kiosk or board requests is turned away."""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("layso.overload")
PRIORITY_PREFIXES = ("/api/v1/counters/", "/api/v1/auth/", "/api/v1/visits/", "/healthz")


class LoadShedder:
    def __init__(self, app: ASGIApp, max_in_flight: int = 256) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.shed = 0
        self._last_log = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if self.in_flight >= self.max_in_flight and not path.startswith(PRIORITY_PREFIXES):
            self.shed += 1
            now = time.monotonic()
            if now - self._last_log > 5:
                self._last_log = now
                log.warning("overloaded: %d requests in flight; answering 503 (%d shed so far)",
                            self.in_flight, self.shed)
            body = json.dumps({"detail": "Máy chủ đang quá tải, vui lòng thử lại sau giây lát. "
                               "(The server is overloaded; try again in a moment.)",
                               "error": "overloaded"}, ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 503,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"retry-after", b"2"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
