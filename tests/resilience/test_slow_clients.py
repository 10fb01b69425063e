"""Clients that trickle their bytes (issue 12 §4): slow uploads without credentials must not
take the slots boards and devices need; a body or a request's headers that do not arrive in
time are answered 408 and the connection is closed. Real uvicorn, real sockets."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from starlette.types import Message

from server.deadlines import BodyDeadline, HeaderDeadline
from server.overload import LoadShedder
from tests.support.live import LiveServer

SLOW_UPLOADS = 40


def _serve(tmp_path, http: type = HeaderDeadline, **app_kw) -> LiveServer:
    """The app as `layso serve` runs it: uvicorn with the protocol it passes."""
    return LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}",
                            uvicorn={"http": http}, **app_kw)


def _connect(live: LiveServer) -> socket.socket:
    host, port = live.url.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)), timeout=30)
    s.settimeout(30)
    return s


def _read_all(s: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (30 s at most)."""
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    return data


def _find(app: object, kind: type) -> object:
    layer = app.middleware_stack  # built by the first request
    while layer is not None and not isinstance(layer, kind):
        layer = getattr(layer, "app", None)
    assert layer is not None, f"no {kind.__name__} in the middleware stack"
    return layer


def _wait_for(cond, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _start_upload(live: LiveServer, path: str, auth: str = "") -> socket.socket:
    s = _connect(live)
    s.sendall(f"POST {path} HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\n"
              f"{auth}Content-Length: 1000\r\n\r\n{{\"user".encode())
    return s


def test_slow_unauthenticated_uploads_leave_boards_and_devices_served(tmp_path):
    live = _serve(tmp_path, max_in_flight=8, body_timeout_s=600)
    board = live.device_token("board", "display")
    kiosk = live.device_token("kiosk")
    uploads = []
    try:
        with live.client(board) as c:
            assert c.get("/api/v1/hall").status_code == 200  # builds the middleware stack
        deadlines = _find(live.app, BodyDeadline)
        shedder = _find(live.app, LoadShedder)
        uploads = [_start_upload(live, "/api/v1/auth/login") for _ in range(SLOW_UPLOADS)]
        # a forged header must not get a slow upload a slot either
        uploads += [_start_upload(live, "/api/v1/tickets", "Authorization: Bearer forged\r\n")
                    for _ in range(8)]
        _wait_for(lambda: deadlines.reading == len(uploads), "the server to be reading them")
        assert shedder.in_flight == 0 and shedder.anonymous_in_flight == 0
        with live.client(board) as c:
            codes = [c.get("/api/v1/hall").status_code for _ in range(20)]
        with live.client(kiosk) as c:
            codes.append(c.post("/api/v1/tickets", json={"service": "HT"}).status_code)
        assert set(codes) <= {200, 201}, codes
        officer = live.login("an", counter=1)  # signing in, without credentials, works too
        with live.client(officer) as c:
            assert c.post("/api/v1/counters/1/next").status_code == 200
    finally:
        for s in uploads:
            s.close()
        live.stop()


CHUNKED = (b"POST /api/v1/tickets HTTP/1.1\r\nHost: hall\r\nAuthorization: Bearer x\r\n"
           b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"s\r\n")


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_that_does_not_arrive_in_time_gets_408(tmp_path, chunked):
    live = _serve(tmp_path, body_timeout_s=1)
    try:
        if chunked:
            s = _connect(live)
            s.sendall(CHUNKED)
        else:
            s = _start_upload(live, "/api/v1/auth/login")
        answer = _read_all(s)  # the server answers and closes; no more bytes are sent
        s.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), answer
        assert b"connection: close" in head.lower()
        text = body.decode()
        assert "quá chậm" in text and "too slow" in text, text
        with live.client() as c:  # and the server goes on
            assert c.get("/healthz").status_code == 200
    finally:
        live.stop()


def test_headers_that_do_not_arrive_in_time_get_408_and_a_close(tmp_path):
    live = _serve(tmp_path, http=HeaderDeadline.with_timeout(1))
    try:
        half = _connect(live)
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: hall\r\nX-Slow: ")
        silent = _connect(live)  # a connection that never sends a byte is closed as well
        ok = _connect(live)  # a client that is on time keeps its keep-alive connection
        for _ in range(2):
            ok.sendall(b"GET /healthz HTTP/1.1\r\nHost: hall\r\n\r\n")
            assert ok.recv(65536).startswith(b"HTTP/1.1 200")
        answer = _read_all(half)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert "Tiêu đề yêu cầu" in answer.decode() and b"headers did not arrive" in answer
        assert _read_all(silent).startswith(b"HTTP/1.1 408")
        for s in (half, silent, ok):
            s.close()
    finally:
        live.stop()


def test_requests_without_credentials_have_their_own_small_budget():
    """The shedder alone: anonymous requests past their budget get 503, and never take the
    slots of requests that carry a token."""
    release = asyncio.Event()

    async def app(scope, receive, send) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def main() -> None:
        shedder = LoadShedder(app, max_in_flight=2, max_anonymous=3)
        statuses: list[int] = []

        def call(headers: list) -> asyncio.Task:
            async def send(message) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            scope = {"type": "http", "path": "/api/v1/hall", "headers": headers}
            return asyncio.create_task(shedder(scope, receive, send))

        anonymous = [call([]) for _ in range(3)]
        await asyncio.sleep(0)
        assert shedder.anonymous_in_flight == 3
        await call([(b"authorization", b"Basic eA==")])  # not a bearer token: anonymous
        assert statuses == [503]
        staff = [call([(b"authorization", b"Bearer t")]) for _ in range(2)]
        await asyncio.sleep(0)
        assert shedder.in_flight == 2 and statuses == [503]
        release.set()
        await asyncio.gather(*anonymous, *staff)
        assert statuses.count(200) == 5

    asyncio.run(main())


def test_a_body_past_the_limit_gets_413_before_it_is_kept():
    seen: list[int] = []

    async def app(scope, receive, send) -> None:
        seen.append(1)

    async def main() -> list[Message]:
        chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True}] * 3
        sent: list[Message] = []

        async def receive():
            return chunks.pop(0)

        async def send(message) -> None:
            sent.append(message)

        scope = {"type": "http", "headers": [(b"content-length", b"1800")]}
        await BodyDeadline(app, max_bytes=1000)(scope, receive, send)
        return sent

    sent = asyncio.run(main())
    assert sent[0]["status"] == 413 and not seen
    assert "quá lớn" in sent[1]["body"].decode()
