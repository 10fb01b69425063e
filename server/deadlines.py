"""Time bounds on what a client sends: its request headers and its request body.

Without them a client that trickles its bytes holds the server for good: uvicorn arms no timer
while a request's headers arrive (its keep-alive timer is cancelled by the first byte), and the
ASGI app waits on `receive` for a body that never completes — inside the load shedder, where
each such request held one of the slots the boards and counters need (issue 12: 200 slow
uploads made boards get 503).

`BodyDeadline` reads the whole body before the request goes further (so no request holds a
slot while it uploads) and answers 408 when it is not complete in time; `HeaderDeadline` is
uvicorn's httptools protocol with a timer from the connection's start (or the end of the last
answer) to the end of the next request's headers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from asyncio import TimerHandle

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("layso.deadlines")

BODY_TIMEOUT_S = 10.0
"""A hall's bodies are a few hundred bytes on a LAN: ten seconds is a lot of slack."""
HEADER_TIMEOUT_S = 10.0
MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest body read (the API's are under a kilobyte); more is 413 before it is kept."""

_408 = ("Yêu cầu gửi quá chậm: nội dung không đến đủ trong {s:g} giây. "
        "(The request was too slow: its body did not arrive within {s:g} seconds.)")
_413 = ("Nội dung yêu cầu quá lớn (tối đa {n} byte). (The request body is too large: at most "
        "{n} bytes.)")


def _json_answer(status: int, detail: str, code: str) -> tuple[Message, Message]:
    body = json.dumps({"detail": detail, "error": code}, ensure_ascii=False).encode()
    start = {"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode()),
                         # the rest of the body may still be on its way: end the connection
                         (b"connection", b"close")]}
    return start, {"type": "http.response.body", "body": body}


class BodyDeadline:
    """Reads a request's body in full, within `timeout_s` of its headers, before the app sees
    the request; then hands the app the body in one message and, after it, the real `receive`
    (which the app uses to learn of a disconnect)."""

    def __init__(self, app: ASGIApp, timeout_s: float = BODY_TIMEOUT_S,
                 max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.timed_out = 0
        self.reading = 0  # requests whose body is still arriving (none of them holds a slot)
        self._last_log = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)  # nothing to wait for: no timer to arm
            return
        try:
            async with asyncio.timeout(self.timeout_s):
                whole = await self._read(scope, receive, send)
        except TimeoutError:
            self._note_timeout(scope)
            await _send(send, 408, _408.format(s=self.timeout_s), "request_timeout")
            return
        if whole is not None:
            await self.app(scope, _replay(whole, receive), send)

    async def _read(self, scope: Scope, receive: Receive, send: Send) -> Message | None:
        """The body as one message, or None when the request was answered or abandoned."""
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return None
        if not message.get("more_body", False):  # the usual case: one message, at once
            return message
        chunks = [message.get("body", b"")]
        size = len(chunks[0])
        self.reading += 1
        try:
            while message.get("more_body", False):
                if size > self.max_bytes:
                    await _send(send, 413, _413.format(n=self.max_bytes), "too_large")
                    return None
                message = await receive()
                if message["type"] != "http.request":
                    return None
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
        finally:
            self.reading -= 1
        if size > self.max_bytes:
            await _send(send, 413, _413.format(n=self.max_bytes), "too_large")
            return None
        return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

    def _note_timeout(self, scope: Scope) -> None:
        self.timed_out += 1
        now = time.monotonic()
        if now - self._last_log > 60:  # a slow-upload flood must not flood the log too
            self._last_log = now
            client = scope.get("client") or ("?", 0)
            log.warning("request body not complete within %gs from %s (%d so far); answered "
                        "408", self.timeout_s, client[0], self.timed_out)


def _has_body(scope: Scope) -> bool:
    """Whether the request announces a body (HTTP/1.1: without Content-Length or
    Transfer-Encoding it has none, and uvicorn hands the app an empty one at once)."""
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


def _replay(message: Message, receive: Receive) -> Receive:
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return message
        return await receive()

    return replay


async def _send(send: Send, status: int, detail: str, code: str) -> None:
    for message in _json_answer(status, detail, code):
        await send(message)


_HEADER_408 = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
               b"connection: close\r\ncontent-length: %d\r\n\r\n%s")


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus: a request's headers must be complete within
    `header_timeout_s` of the connection's start or of the end of the previous answer, else
    408 and the connection is closed. uvicorn's own `timeout_keep_alive` does not bound this:
    it is armed only after an answer and cancelled by the first byte that comes."""

    header_timeout_s: float = HEADER_TIMEOUT_S
    _header_timer: TimerHandle | None = None

    @classmethod
    def with_timeout(cls, seconds: float) -> type[HeaderDeadline]:
        """A subclass with its own bound (uvicorn takes a protocol class, not an instance)."""
        return type("HeaderDeadline", (cls,), {"header_timeout_s": seconds})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.timeout_keep_alive_task is not None:  # idle now: the next request's turn
            self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered: its headers were complete
        text = (f"Tiêu đề yêu cầu không đến đủ trong {self.header_timeout_s:g} giây. (The "
                f"request headers did not arrive within {self.header_timeout_s:g} seconds.)"
                ).encode()
        self.transport.write(_HEADER_408 % (len(text), text))
        self.transport.close()
