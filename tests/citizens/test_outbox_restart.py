"""The outbox across a killed server and on PostgreSQL: a message accepted (202) while the
gateway fails is not lost when the server is killed (SIGKILL) and reaches the phone once the
server is back; on PostgreSQL two senders racing never claim one message twice."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server.clock import FakeClock
from server.db.database import Database
from server.hall import Hall
from server.outbox import OutboxStore, enqueue
from server.outbox.gateways import WebhookGateway
from server.outbox.sender import OutboxSender
from tests.support.live import LiveServer

START = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _hall_file(tmp_path, url: str):
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    path = tmp_path / "hall.toml"
    path.write_text(text + f'\n[notify]\nkind = "webhook"\nurl = "{url}"\ntoken = "t0k"\n',
                    encoding="utf-8")
    return path


def test_a_message_outlives_a_killed_server(tmp_path, sim):
    hall_file = _hall_file(tmp_path, sim.url)
    db = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    sim.fail_with(503)
    server = LiveServer.spawn(db, hall_file)
    try:
        r = httpx.post(f"{server.url}/api/v1/public/otp", json={"phone": "0912345678"})
        assert r.status_code == 202, r.text
        server.kill()  # whether or not it had tried the gateway yet
    finally:
        server.stop()
    assert sim.delivered == []
    sim.heal()
    again = LiveServer.spawn(db, hall_file)
    try:
        (msg,) = sim.wait_for(1, timeout=120)  # its backoff (5 s), or a lease (60 s)
        assert msg.kind == "otp" and msg.to == "+84912345678" and msg.code
        r = httpx.post(f"{again.url}/api/v1/public/remote-tickets",
                       json={"service": "HT", "phone": "0912345678", "otp": msg.code})
        assert r.status_code == 201, r.text  # the code sent after the restart still works
    finally:
        again.stop()
    assert len(sim.delivered) == 2  # the code, then the confirmation: nothing twice
    assert [m.kind for m in sim.delivered] == ["otp", "booking"]


def test_two_senders_on_postgresql_share_the_work_without_overlap(pg_url, sim):
    db = Database(pg_url)
    hall = Hall(load_hall_config(DEFAULT_CONFIG), db, FakeClock(START))
    try:
        hall.setup()
        for i in range(40):
            hall.write(lambda tx, i=i: enqueue(tx, "otp", "+84912345678", f"Mã {i:06d}",
                                               f"pg:{i}"))
        senders = [OutboxSender(OutboxStore(db), WebhookGateway(sim.url, "t0k"), hall.clock,
                                batch=7) for _ in range(2)]

        async def race() -> None:
            while sum(await asyncio.gather(*(s.drain_once() for s in senders))):
                pass

        asyncio.run(race())
        assert len(sim.requests) == 40 and len({m.key for m in sim.requests}) == 40
        assert all(r["sent_at"] is not None for r in OutboxStore(db).rows())
    finally:
        db.dispose()


def test_two_servers_on_postgresql_share_limits_and_one_sender(pg_url, sim):
    """Two servers on one database: the codes per phone are counted together, each message
    is sent once (only the scheduler's holder sends), and a number taken through one server
    with a code asked through the other lands in the one queue."""
    from tests.citizens.conftest import hall_cfg

    cfg = hall_cfg(sim)
    a = LiveServer.start(pg_url, cfg=cfg)
    b = LiveServer.start(pg_url, cfg=cfg)
    try:
        servers = [a, b, a]
        for i, live in enumerate(servers):
            r = httpx.post(f"{live.url}/api/v1/public/otp", json={"phone": "0912345678"})
            assert r.status_code == 202, (i, r.text)
            sim.wait_for(i + 1, timeout=60)  # one at a time: the last one is the latest
        for live in (a, b):
            r = httpx.post(f"{live.url}/api/v1/public/otp", json={"phone": "0912345678"})
            assert r.status_code == 429, r.text  # 3 per phone, across both servers
        code = sim.delivered[-1].code  # the latest code is the one that works
        r = httpx.post(f"{b.url}/api/v1/public/remote-tickets",
                       json={"service": "HT", "phone": "0912345678", "otp": code})
        assert r.status_code == 201, r.text
        sim.wait_for(4, timeout=60)
        assert len(sim.requests) == 4 and len({m.key for m in sim.requests}) == 4
    finally:
        b.stop()
        a.stop()
