"""An error nobody handled answers 500 and leaves the keep-alive connection usable.

Starlette's handler for `Exception` re-raises after it answers; uvicorn then closed the
connection, so the request a client had already sent on it was reset. `ContainErrors`
answers such an error itself."""

from __future__ import annotations

import socket

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server.app import create_app
from tests.support.app_server import AppServer


def _two_requests_on_one_connection(port: int) -> bytes:
    """Both requests written at once (pipelined, as a busy client's next request already
    is), then everything read until the server closes or both answers are in."""
    req = (b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(req)
        data = b""
        while data.count(b"HTTP/1.1 ") < 2:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
        return data


def test_a_500_does_not_reset_the_next_request_on_the_connection(tmp_path):
    app = create_app(load_hall_config(DEFAULT_CONFIG), f"sqlite:///{tmp_path / 'h.sqlite3'}",
                     scheduler=False, devices=False)

    @app.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("a bug on a route")

    with AppServer(app) as server:
        data = _two_requests_on_one_connection(server.port)
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 500"), data[:300]
    assert b"x-content-type-options: nosniff" in first.lower()  # still through the middleware
    assert b"server_error" in rest
    assert b"HTTP/1.1 200" in rest, f"the second request got no answer: {data!r}"
    assert b'"ok":true' in rest
