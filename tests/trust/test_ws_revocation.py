"""A WebSocket opened with a token that is later revoked is closed (4401), not left listening
to the hall until it happens to reconnect."""

from __future__ import annotations

import json
import time

import pytest
import websockets.sync.client as wsc
from websockets.exceptions import ConnectionClosed

from server.api import ws as ws_route

RECHECK_S = 0.3


@pytest.fixture
def quick_recheck(monkeypatch):
    monkeypatch.setattr(ws_route, "TOKEN_RECHECK_S", RECHECK_S)


def close_code_within(ws, seconds: float) -> int | None:
    """Reads frames until the server closes; the close code, or None if it stayed open."""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            try:
                ws.recv(timeout=0.2)
            except TimeoutError:
                continue
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


def test_a_signed_out_officers_socket_is_closed(live, quick_recheck):
    token = live.login("an", counter=1)
    with wsc.connect(f"{live.ws_url}?token={token}", open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "snapshot"
        with live.client(token) as c:
            assert c.post("/api/v1/auth/logout").status_code == 200
        assert close_code_within(ws, 10 * RECHECK_S) == 4401


def test_a_revoked_board_is_closed_and_a_valid_one_stays(live, quick_recheck):
    from server import auth

    stolen = live.device_token("board-stolen", "display")
    good = live.device_token("board-good", "display")
    with wsc.connect(f"{live.ws_url}?token={stolen}", open_timeout=5) as bad_ws, \
            wsc.connect(f"{live.ws_url}?token={good}", open_timeout=5) as good_ws:
        bad_ws.recv(timeout=5)
        good_ws.recv(timeout=5)
        db = live._db()
        try:
            assert db.write(lambda s: auth.revoke_device(s, "board-stolen"))
        finally:
            db.dispose()
        assert close_code_within(bad_ws, 10 * RECHECK_S) == 4401
        # the other board saw several re-checks pass and is still open
        assert close_code_within(good_ws, 4 * RECHECK_S) is None
