"""Exactly one scheduler, even when the scheduler lock's connection dies under a live
process: the lock is free then, another process takes it, and the old leader must stop
instead of running the minute's housekeeping alongside the new one."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server.clock import FakeClock
from server.db.database import Database
from server.db.models import Ticket
from server.hall import Hall
from server.queue import tickets
from server.scheduler import SchedulerLeader

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CFG = load_hall_config(DEFAULT_CONFIG)
ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"


def _holders(db_name: str) -> list[int]:
    """Backends of `db_name` holding an advisory lock."""
    with psycopg.connect(ADMIN, autocommit=True) as c:
        return [pid for (pid,) in c.execute(
            "SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.datname = %s", (db_name,))]


def _terminate(pid: int) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        c.execute("SELECT pg_terminate_backend(%s)", (pid,))


async def _until(check, what: str, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"never: {what}")
        await asyncio.sleep(0.05)


@pytest.mark.postgres
def test_a_leader_whose_lock_connection_died_stops_and_the_new_holder_runs_it(pg_url):
    db_name = pg_url.rsplit("/", 1)[1]
    yesterday = datetime.now(VN).replace(hour=9) - timedelta(days=1)
    first = Hall(CFG, Database(pg_url), FakeClock(yesterday))
    first.setup()
    left = first.write(lambda tx: tickets.issue(tx, "HT", None, "vi", None, None))
    today = datetime.now(VN).replace(hour=9)
    first.clock.set(today)  # the ticket of yesterday is waiting: housekeeping expires it
    second = Hall(CFG, Database(pg_url), FakeClock(today))

    def state() -> str:
        return first.read(lambda tx: tx.s.get(Ticket, left.id).state)

    async def run() -> None:
        # `check_s` long: only the check before the run can notice the loss here
        a = SchedulerLeader(first, retry_s=0.1, check_s=3600)
        b = SchedulerLeader(second, retry_s=0.1, check_s=3600)
        await a.start()

        async def a_leads() -> bool:
            return a.running

        await _until(a_leads, "the first process takes the scheduler lock")
        await b.start()
        try:
            [holder] = _holders(db_name)
            _terminate(holder)  # the lock's connection dies; the process lives on

            async def b_leads() -> bool:
                return b.running

            await _until(b_leads, "the second process takes the free lock")
            assert a.running, "the old leader has not noticed yet (no periodic check)"
            await a.tick()  # the minute comes: the old leader checks its lock first
            assert not a.running, "a leader without its lock must stop its scheduler"
            assert await asyncio.to_thread(state) == "waiting", "the old leader ran the job"
            await b.tick()
            assert await asyncio.to_thread(state) == "expired", "the holder must run the job"
            assert len(_holders(db_name)) == 1
        finally:
            await a.stop()
            await b.stop()

    try:
        asyncio.run(run())
    finally:
        first.db.dispose()
        second.db.dispose()


@pytest.mark.postgres
def test_the_periodic_check_notices_a_lost_lock_and_campaigns_again(pg_url):
    """Alone, a leader whose lock connection died notices within `check_s` and takes the
    lock again on a fresh connection."""
    db_name = pg_url.rsplit("/", 1)[1]
    hall = Hall(CFG, Database(pg_url))
    hall.setup()

    async def run() -> None:
        leader = SchedulerLeader(hall, retry_s=0.1, check_s=0.1)
        await leader.start()
        try:
            async def one_holder() -> bool:
                return leader.running and len(_holders(db_name)) == 1

            await _until(one_holder, "the leader holds the lock")
            [old] = _holders(db_name)
            _terminate(old)

            async def retaken() -> bool:
                now = await asyncio.to_thread(_holders, db_name)
                return leader.running and len(now) == 1 and now[0] != old

            await _until(retaken, "the lock is taken again on a new connection")
        finally:
            await leader.stop()

    try:
        asyncio.run(run())
    finally:
        hall.db.dispose()
