"""The durable outbox: a message exists exactly when its fact committed; the sender sends it,
retries a failing gateway with backoff, never gives one message to two senders, and picks up
what a dead sender had claimed once its lease ends."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.outbox import OutboxStore, enqueue
from server.outbox.gateways import LogGateway, WebhookGateway
from server.outbox.sender import OutboxSender
from server.outbox.store import LEASE_S, MAX_ATTEMPTS, backoff_s
from simulators.notify import WebhookSim
from tests.server.hall_fixture import make_hall

START = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def hall(tmp_path):
    h = make_hall(START, folder=tmp_path)
    yield h
    h.db.dispose()


@pytest.fixture
def sim():
    s = WebhookSim(token="t0k").start()
    yield s
    s.stop()


def put(hall, key: str, text: str = "Mã 123456", fail: bool = False) -> None:
    def job(tx):
        enqueue(tx, "otp", "+84912345678", text, key)
        if fail:
            raise RuntimeError("the fact failed")

    hall.write(job)


def test_a_message_exists_only_when_its_fact_committed(hall):
    store = OutboxStore(hall.db)
    put(hall, "k1")
    with pytest.raises(RuntimeError):
        put(hall, "k2", fail=True)
    put(hall, "k1", "again")  # the same fact's retry: one message
    rows = store.rows()
    assert [(r["dedupe_key"], r["attempts"], r["sent_at"]) for r in rows] == [("k1", 0, None)]
    assert "123456" in rows[0]["payload"]


def test_sent_through_the_webhook_once_with_its_key(hall, sim):
    store = OutboxStore(hall.db)
    put(hall, "otp:1")
    sender = OutboxSender(store, WebhookGateway(sim.url, "t0k"), hall.clock)
    assert asyncio.run(sender.drain_once()) == 1
    (got,) = sim.wait_for(1)
    assert (got.to, got.kind, got.key, got.authorization) == ("+84912345678", "otp", "otp:1",
                                                              "Bearer t0k")
    assert got.code == "123456"
    assert store.rows()[0]["sent_at"] == hall.clock.now()
    assert asyncio.run(sender.drain_once()) == 0  # nothing due any more


def test_a_failing_gateway_is_retried_with_backoff_then_given_up(hall, sim):
    store = OutboxStore(hall.db)
    put(hall, "otp:2")
    sim.fail_with(503)
    sender = OutboxSender(store, WebhookGateway(sim.url, "t0k"), hall.clock)

    async def rounds() -> list[dict]:
        seen = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            assert await sender.drain_once() == 1
            row = store.rows()[0]
            seen.append(row)
            if row["next_try_at"] is None:
                break
            assert row["next_try_at"] - hall.clock.now() == timedelta(
                seconds=backoff_s(attempt))
            assert await sender.drain_once() == 0  # not due before its backoff
            hall.clock.advance(backoff_s(attempt))
        return seen

    seen = asyncio.run(rounds())
    assert [r["attempts"] for r in seen] == list(range(1, MAX_ATTEMPTS + 1))
    assert "HTTP 503" in seen[0]["last_error"]
    assert seen[-1]["next_try_at"] is None and seen[-1]["sent_at"] is None  # given up
    assert len(sim.requests) == MAX_ATTEMPTS and sim.delivered == []
    assert [backoff_s(n) for n in (1, 2, 3)] == [5, 10, 20]


def test_the_gateway_heals_and_the_message_goes_once(hall, sim):
    store = OutboxStore(hall.db)
    put(hall, "otp:3")
    sim.fail_with(500)
    sender = OutboxSender(store, WebhookGateway(sim.url, "t0k"), hall.clock)
    asyncio.run(sender.drain_once())
    sim.heal()
    hall.clock.advance(backoff_s(1))
    asyncio.run(sender.drain_once())
    assert len(sim.delivered) == 1 and store.rows()[0]["sent_at"] is not None


def test_two_senders_never_claim_the_same_message(hall):
    for i in range(30):
        put(hall, f"m{i}")
    a, b = OutboxStore(hall.db), OutboxStore(hall.db)
    got_a = a.claim(hall.clock.now(), 20)
    got_b = b.claim(hall.clock.now(), 20)
    ids_a, ids_b = {m.id for m in got_a}, {m.id for m in got_b}
    assert len(ids_a) == 20 and len(ids_b) == 10 and not ids_a & ids_b
    assert a.claim(hall.clock.now(), 20) == []  # all leased


def test_a_dead_senders_claim_is_sent_after_its_lease(hall, sim):
    """A sender killed after claiming (maybe after sending): its messages are due again when
    the lease ends, and go out with the same key, which the gateway delivers once."""
    store = OutboxStore(hall.db)
    put(hall, "otp:4")
    (claimed,) = store.claim(hall.clock.now())  # the dead sender's claim
    asyncio.run(WebhookGateway(sim.url, "t0k").send(claimed))  # it had sent, not marked
    sender = OutboxSender(OutboxStore(hall.db), WebhookGateway(sim.url, "t0k"), hall.clock)
    assert asyncio.run(sender.drain_once()) == 0  # still leased
    hall.clock.advance(LEASE_S)
    assert asyncio.run(sender.drain_once()) == 1
    assert len(sim.requests) == 2 and len(sim.delivered) == 1  # at least once; once by key
    assert store.rows()[0]["sent_at"] is not None


def test_an_expired_message_is_given_up_not_sent(hall, sim):
    store = OutboxStore(hall.db)
    hall.write(lambda tx: enqueue(tx, "otp", "+84912345678", "Mã 111111", "otp:5",
                                  expires_at=tx.now + timedelta(minutes=5)))
    hall.clock.advance(minutes=6)
    asyncio.run(OutboxSender(store, WebhookGateway(sim.url), hall.clock).drain_once())
    row = store.rows()[0]
    assert sim.requests == [] and row["next_try_at"] is None and "expired" in row["last_error"]


def test_the_log_gateway_writes_a_line_a_person_can_read(hall, tmp_path):
    store = OutboxStore(hall.db)
    put(hall, "otp:6", "Mã xác nhận của Ông/Bà: 654321")
    path = tmp_path / "var" / "messages.log"
    asyncio.run(OutboxSender(store, LogGateway(path), hall.clock).drain_once())
    line = path.read_text(encoding="utf-8")
    assert "+84912345678" in line and "654321" in line and "otp:6" in line


def test_sent_messages_are_pruned_after_a_day(hall, sim):
    store = OutboxStore(hall.db)
    put(hall, "otp:7")
    asyncio.run(OutboxSender(store, WebhookGateway(sim.url, "t0k"), hall.clock).drain_once())
    assert store.prune(hall.clock.now() + timedelta(hours=23)) == 0
    assert store.prune(hall.clock.now() + timedelta(hours=25)) == 1
    assert store.rows() == []
