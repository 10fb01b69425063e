"""Far more requests or WebSocket clients than the server takes: it sheds them with 503 or a
refusal, keeps the counters working, and recovers when the load falls."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import websockets.sync.client as wsc
from websockets.exceptions import ConnectionClosed

from tests.support.live import LiveServer


@pytest.fixture
def small(tmp_path):
    server = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}",
                              max_in_flight=3, max_ws_clients=3)
    try:
        yield server
    finally:
        server.stop()


def test_request_flood_gets_503_while_counters_keep_working(small):
    kiosk = small.device_token("kiosk")
    officer = small.login("an", counter=1)
    with small.client(kiosk) as c:
        for _ in range(5):
            c.post("/api/v1/tickets", json={"service": "HT"}).raise_for_status()

    def flood(_: int) -> int:
        with httpx.Client(base_url=small.url, timeout=30,
                          headers={"Authorization": f"Bearer {kiosk}"}) as c:
            return c.get("/api/v1/hall").status_code

    def work() -> list[int]:
        """The officer at counter 1 goes on calling and finishing during the flood."""
        codes = []
        with httpx.Client(base_url=small.url, timeout=30,
                          headers={"Authorization": f"Bearer {officer}"}) as c:
            for _ in range(5):
                r = c.post("/api/v1/counters/1/next")
                codes.append(r.status_code)
                if r.status_code == 200:
                    codes.append(c.post("/api/v1/counters/1/finish").status_code)
        return codes

    with ThreadPoolExecutor(max_workers=48) as pool:
        floods = [pool.submit(flood, i) for i in range(200)]
        worker = pool.submit(work)
        flood_codes = [f.result() for f in floods]
        work_codes = worker.result()
    assert 503 in flood_codes, "the flood was never shed"
    assert set(flood_codes) <= {200, 503}
    assert set(work_codes) <= {200, 204}, work_codes  # counters were never turned away
    with small.client(kiosk) as c:  # and it recovers
        r = c.get("/api/v1/hall")
        assert r.status_code == 200 and r.headers.get("retry-after") is None


def test_websocket_clients_past_the_limit_are_refused_and_room_comes_back(small):
    token = small.device_token("board", "display")
    url = f"{small.ws_url}?token={token}"
    boards = [wsc.connect(url, open_timeout=5) for _ in range(3)]
    for b in boards:
        assert json.loads(b.recv(timeout=5))["type"] == "snapshot"
    extra = wsc.connect(url, open_timeout=5)
    with pytest.raises(ConnectionClosed) as closed:
        extra.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
    boards[0].close()
    for _ in range(50):  # the server notices the close
        again = wsc.connect(url, open_timeout=5)
        try:
            if json.loads(again.recv(timeout=5))["type"] == "snapshot":
                break
        except ConnectionClosed:
            continue
    else:
        pytest.fail("no room came back after a board left")
    again.close()
    for b in boards[1:]:
        b.close()
