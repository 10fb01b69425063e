"""Several server processes on one PostgreSQL: every process sees every event, in order.

PostgreSQL LISTEN/NOTIFY, chosen over Redis pub/sub because the database is already there and
NOTIFY is transactional: a notification sent inside the transaction is delivered only if it
commits, and in commit order, which is exactly "commit, then publish". A process that loses its
listening connection catches up from the event log (every event is stored there) when it
reconnects, so nothing is missed, only late.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from common.backoff import Backoff
from server.bus import Numbered, event_text
from server.hall import Hall

log = logging.getLogger("layso.fanout")
CHANNEL = "layso_events"


def notify_in_tx(s: Session, events: list[dict[str, Any]]) -> None:
    for ev in events:
        s.execute(text("SELECT pg_notify(:ch, :payload)"),
                  {"ch": CHANNEL, "payload": event_text(ev)})


def libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1)


class PgListener:
    """LISTEN on the hall's channel and feed the local bus; reconnect with backoff."""

    def __init__(self, hall: Hall) -> None:
        self.hall = hall
        self._task: asyncio.Task | None = None
        self.connected = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pg-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        import psycopg

        backoff = Backoff(first=0.5, cap=10, jitter=0)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        libpq_url(self.hall.db.url), autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    await self._catch_up()
                    self.connected.set()
                    backoff.reset()
                    async for note in conn.notifies():
                        self.hall.bus.publish([Numbered(json.loads(note.payload),
                                                        note.payload)])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.connected.clear()
                delay = backoff.next()
                log.warning("event listener lost PostgreSQL (%s); retrying in %.1f s", exc,
                            delay)
                await asyncio.sleep(delay)

    async def _catch_up(self) -> None:
        missed = await asyncio.to_thread(self.hall.events_since, self.hall.bus.last_seq)
        if missed:
            self.hall.bus.publish(missed)


class AdvisoryLeader:
    """Hold a PostgreSQL advisory lock to be the one process that does a job (the scheduler,
    a serial line's bus master). The lock lives as long as its connection: if the holder dies,
    another process takes over at its next try. If the connection dies under a live holder
    (`pg_terminate_backend`, a database restart), the lock is gone with it: the holder must
    see that with `held()` before it acts, and stop. The connection's `application_name`
    names the job and the process id, so `pg_stat_activity` shows who holds what."""

    CHECK_TIMEOUT_S = 5.0  # an answer slower than this counts as a lost lock

    def __init__(self, url: str, key: int, name: str) -> None:
        self.url = libpq_url(url)
        self.key = key
        self.name = name
        self._conn = None

    async def try_acquire(self) -> bool:
        import psycopg

        try:
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, connect_timeout=5,
                    application_name=f"layso {self.name} {os.getpid()}"[:63])
            cur = await self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            row = await cur.fetchone()
        except Exception:
            await self.release()  # a dead connection: the next try starts a fresh one
            raise
        return bool(row and row[0])

    _HELD = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
             "AND pid = pg_backend_pid() AND objsubid = 1 "
             "AND ((classid::bigint << 32) | objid::bigint) = %s")

    async def held(self) -> bool:
        """Whether this process still holds the lock: asked of PostgreSQL on the lock's own
        connection (a dead connection, or no answer within CHECK_TIMEOUT_S, means no)."""
        conn = self._conn
        if conn is None or conn.closed:
            return False
        try:
            cur = await asyncio.wait_for(conn.execute(self._HELD, (self.key,)),
                                         self.CHECK_TIMEOUT_S)
            row = await asyncio.wait_for(cur.fetchone(), self.CHECK_TIMEOUT_S)
        except asyncio.CancelledError:
            raise
        except Exception:
            await self.release()
            return False
        return bool(row and row[0])

    async def release(self) -> None:
        if self._conn is not None and not self._conn.closed:
            with contextlib.suppress(Exception):
                await self._conn.close()
        self._conn = None


def lock_key(name: str) -> int:
    """A stable 63-bit key for a lock name (advisory locks take a bigint)."""
    import hashlib

    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1
