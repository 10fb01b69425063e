"""Numbers under load and across crashes, through real HTTP on loopback ports."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import websockets.sync.client as wsc

from tests.support.live import LiveServer


def _issue_many(url: str, token: str, n: int, service: str = "HT") -> list[dict]:
    def one(_: int) -> dict:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as c:
            r = c.post("/api/v1/tickets", json={"service": service})
            assert r.status_code == 201, r.text
            return r.json()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def test_fifty_kiosks_at_once_get_fifty_numbers(live):
    tokens = [live.device_token(f"kiosk-{i}") for i in range(50)]

    def one(token: str) -> str:
        with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as c:
            r = c.post("/api/v1/tickets", json={"service": "CT"})
            assert r.status_code == 201, r.text
            return r.json()["number"]

    with ThreadPoolExecutor(max_workers=50) as pool:
        numbers = list(pool.map(one, tokens))
    assert len(set(numbers)) == 50
    assert sorted(numbers) == [f"3{i:03d}" for i in range(1, 51)]


def test_sigkill_loses_no_acknowledged_ticket(tmp_path):
    db = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    server = LiveServer.spawn(db)
    try:
        token = server.device_token("kiosk")
        acked = _issue_many(server.url, token, 25)
        server.kill()
        server = LiveServer.spawn(db)
        officer = server.login("dung", counter=2)
        with server.client(token) as c:
            more = c.post("/api/v1/tickets", json={"service": "HT"}).json()
        # every acknowledged number is there, and none is handed out again
        with server.client(officer) as c:
            called = []
            while (r := c.post("/api/v1/counters/2/next")).status_code == 200:
                called.append(r.json()["ticket"]["number"])
                c.post("/api/v1/counters/2/finish").raise_for_status()
        assert sorted(called) == sorted([t["number"] for t in acked] + [more["number"]])
        assert more["number"] not in {t["number"] for t in acked}
    finally:
        server.stop()


@pytest.mark.postgres
def test_two_server_processes_on_postgresql_never_share_a_number(pg_url):
    a = LiveServer.spawn(pg_url)
    b = LiveServer.spawn(pg_url, extra=["--no-scheduler"])
    try:
        # a kiosk each: one kiosk's 50 tickets in seconds would pass its limit of 30 a
        # minute, which both processes count together
        token_a, token_b = a.device_token("kiosk-a"), a.device_token("kiosk-b")
        from concurrent.futures import ThreadPoolExecutor as Pool

        with Pool(2) as pool:
            fa = pool.submit(_issue_many, a.url, token_a, 25, "DD")
            fb = pool.submit(_issue_many, b.url, token_b, 25, "DD")
            numbers = [t["number"] for t in fa.result() + fb.result()]
        assert len(set(numbers)) == 50
        assert sorted(numbers) == [f"2{i:03d}" for i in range(1, 51)]
    finally:
        a.stop()
        b.stop()


@pytest.mark.postgres
def test_postgresql_call_reaches_websocket(pg_url):
    server = LiveServer.spawn(pg_url)
    try:
        display = server.device_token("board", "display")
        with server.client(server.device_token("kiosk")) as c:
            t = c.post("/api/v1/tickets", json={"service": "HT"}).json()
        with wsc.connect(f"{server.ws_url}?token={display}", open_timeout=5) as ws:
            snap = json.loads(ws.recv(timeout=5))
            assert snap["services"][0]["waiting"] == 1
            with server.client(server.login("em", counter=2)) as c:
                c.post("/api/v1/counters/2/next").raise_for_status()
            ev = json.loads(ws.recv(timeout=5))
            assert ev["type"] == "called" and ev["number"] == t["number"]
    finally:
        server.stop()


@pytest.mark.postgres
def test_call_through_process_a_reaches_board_on_process_b_and_one_scheduler(pg_url):
    a = LiveServer.spawn(pg_url)
    b = LiveServer.spawn(pg_url)
    try:
        import time

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            flags = [httpx.get(f"{s.url}/healthz").json()["scheduler"] for s in (a, b)]
            if sum(flags) == 1:
                break
            time.sleep(0.2)
        assert sum(flags) == 1, f"exactly one scheduler must run, got {flags}"
        display = b.device_token("board-b", "display")
        with wsc.connect(f"{b.ws_url}?token={display}", open_timeout=5) as ws:
            json.loads(ws.recv(timeout=5))
            with a.client(a.device_token("kiosk-a")) as c:
                t = c.post("/api/v1/tickets", json={"service": "CT"}).json()
            with a.client(a.login("giang", counter=4)) as c:
                c.post("/api/v1/counters/4/next").raise_for_status()
            seen = [json.loads(ws.recv(timeout=5)) for _ in range(2)]
        assert [e["type"] for e in seen] == ["ticket_issued", "called"]
        assert seen[1]["number"] == t["number"] and seen[1]["counter"] == 4
        assert seen[1]["seq"] == seen[0]["seq"] + 1
    finally:
        a.stop()
        b.stop()
