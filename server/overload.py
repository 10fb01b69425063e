"""Shedding load before it hurts the hall: past a number of requests in flight, new ones get
503 with Retry-After — except the counters' own actions and sign-in, which keep working, so
officers can go on calling while a flood of kiosk or board requests is turned away.

Requests without credentials (no `Authorization: Bearer …`: sign-in, pages, health checks,
strangers) have a small budget of their own and do not count against the others: a flood of
them cannot take the slots the counters, boards and kiosks need. The check is the header's
presence, not the token's validity (no database on the way in): a forged header only gets a
request as far as its 401, and no request holds a slot while its body arrives (bodies are read
before, under a deadline: `server.deadlines.BodyDeadline`)."""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("layso.overload")
PRIORITY_PREFIXES = ("/api/v1/counters/", "/api/v1/auth/", "/api/v1/visits/", "/healthz")


def has_credentials(scope: Scope) -> bool:
    """Whether the request carries a bearer token (how every staff member and device signs
    its requests; the WebSocket's `?token=` is not HTTP and not shed here)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return value[:7].lower() == b"bearer " and bool(value[7:].strip())
    return False


class LoadShedder:
    def __init__(self, app: ASGIApp, max_in_flight: int = 256,
                 max_anonymous: int | None = None) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_anonymous = (max(4, max_in_flight // 8) if max_anonymous is None
                              else max_anonymous)
        self.in_flight = 0
        self.anonymous_in_flight = 0
        self.shed = 0
        self._last_log = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if not has_credentials(scope):
            await self._anonymous(scope, receive, send)
            return
        path = scope.get("path", "")
        if self.in_flight >= self.max_in_flight and not path.startswith(PRIORITY_PREFIXES):
            await self._shed(send, self.in_flight)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _anonymous(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.anonymous_in_flight >= self.max_anonymous:
            await self._shed(send, self.anonymous_in_flight, "without credentials ")
            return
        self.anonymous_in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.anonymous_in_flight -= 1

    async def _shed(self, send: Send, in_flight: int, kind: str = "") -> None:
        self.shed += 1
        now = time.monotonic()
        if now - self._last_log > 5:
            self._last_log = now
            log.warning("overloaded: %d requests %sin flight; answering 503 (%d shed so far)",
                        in_flight, kind, self.shed)
        body = json.dumps({"detail": "Máy chủ đang quá tải, vui lòng thử lại sau giây lát. "
                           "(The server is overloaded; try again in a moment.)",
                           "error": "overloaded"}, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json"),
                                (b"retry-after", b"2"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
