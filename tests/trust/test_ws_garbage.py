"""The server ignores what WebSocket clients send: garbage, binary, huge or malformed frames
neither close a healthy client's feed nor disturb the server or the other clients.

Over a real server and real sockets: well-formed frames of any content through a WebSocket
client, and raw bytes after a hand-made handshake for what a client library would never send.
"""

from __future__ import annotations

import base64
import json
import os
import socket
from datetime import timedelta

import httpx
import pytest
import websockets.sync.client as wsc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.live import LiveServer

pytestmark = pytest.mark.timeout(120)
RANDOM = os.environ.get("LAYSO_FUZZ_RANDOM") == "1"
WS_FUZZ = settings(max_examples=25, deadline=timedelta(seconds=20), derandomize=not RANDOM,
                   suppress_health_check=list(HealthCheck), database=None)
COUNTS = {"frames": 0, "raw": 0}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path_factory.mktemp('ws') / 'h.sqlite3'}")
    live.board = live.device_token("board-1", "display")
    live.boss = live.client(live.login("quanly", role="manager"))  # issues without a limit
    yield live
    live.stop()
    print(f"\nWebSocket fuzz: {COUNTS['frames']} frames on a live feed, {COUNTS['raw']} raw "
          "byte streams after a handshake")


def _next_event(ws, seq_after: int) -> dict:
    while True:
        msg = json.loads(ws.recv(timeout=5))
        if msg.get("seq", 0) > seq_after and msg.get("type") != "snapshot":
            return msg


def _issue(live: LiveServer) -> int:
    r = live.boss.post("/api/v1/tickets", json={"service": "HT"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


frames = st.lists(st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200),
    st.sampled_from(['{"type":"snapshot"}', '{"seq":-1}', "null", "[]", "ping", "\x00" * 50,
                     '{"type":"called","number":"9999","counter":1}']),
    st.integers(1, 3).map(lambda n: b"\xff" * (n * 400_000)),  # up to 1.2 MB
), min_size=1, max_size=8)


@WS_FUZZ
@given(frames)
def test_anything_a_client_sends_is_ignored(server, batch):
    with wsc.connect(f"{server.ws_url}?token={server.board}", open_timeout=5,
                     max_size=None) as ws:
        snap = json.loads(ws.recv(timeout=5))
        assert snap["type"] == "snapshot"
        for frame in batch:
            ws.send(frame)
            COUNTS["frames"] += 1
        ticket = _issue(server)
        ev = _next_event(ws, snap["seq"])
        assert ev["type"] == "ticket_issued" and ev["ticket_id"] == ticket
        ws.ping()  # the connection answers control frames too


def _handshake(live: LiveServer, token: str) -> socket.socket:
    host, port = live.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/hall?token={token} HTTP/1.1\r\nHost: {host}\r\n"
                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        assert chunk, "the server closed during the handshake"
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head[:200]
    return sock


MALFORMED = [
    b"\x81\x05hello",  # unmasked client frame (a protocol error)
    b"\x83\x80\x00\x00\x00\x00",  # reserved opcode 3
    b"\x81\x82\x00\x00\x00\x00\xff\xfe",  # text frame that is not UTF-8
    b"\x82\xff" + b"\x7f" * 8 + b"\x00\x00\x00\x00",  # claims 2**63 bytes
    b"\x80\x81\x00\x00\x00\x00a",  # continuation with nothing to continue
    b"\x89\xfe\x01\x00\x00\x00\x00\x00" + b"x" * 256,  # ping longer than 125 bytes
    b"\x88\x82\x00\x00\x00\x00\x03\xe7",  # close with a reserved code (999)
    b"\xf1\x80\x00\x00\x00\x00",  # RSV bits set
]


@WS_FUZZ
@given(st.one_of(st.sampled_from(MALFORMED), st.binary(min_size=1, max_size=300)))
def test_raw_bytes_after_the_handshake_hurt_nobody_else(server, raw):
    COUNTS["raw"] += 1
    with wsc.connect(f"{server.ws_url}?token={server.board}", open_timeout=5) as watcher:
        snap = json.loads(watcher.recv(timeout=5))
        sock = _handshake(server, server.board)
        try:
            sock.sendall(raw)
            sock.shutdown(socket.SHUT_WR)
            sock.settimeout(5)
            try:  # the server answers, closes or waits; it must not wedge
                while sock.recv(65536):
                    pass
            except (TimeoutError, ConnectionResetError):
                pass
        finally:
            sock.close()
        ticket = _issue(server)
        ev = _next_event(watcher, snap["seq"])
        assert ev["type"] == "ticket_issued" and ev["ticket_id"] == ticket
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200


def test_the_feed_drops_no_client_after_the_fuzz(server):
    """After everything above: the server counts no leftover clients (each closed one left
    the hub), and a new client gets the full, current snapshot."""
    hub = server.app.state.ws_clients
    assert len(hub) == 0, f"{len(hub)} WebSocket clients still registered"
    with wsc.connect(f"{server.ws_url}?token={server.board}", open_timeout=5) as ws:
        snap = json.loads(ws.recv(timeout=5))
        live_snap = httpx.get(f"{server.url}/api/v1/hall",
                              headers={"Authorization": f"Bearer {server.board}"}).json()
        assert snap["seq"] == live_snap["seq"]
