"""Limits counted in the database, so they hold across server processes and servers.

Tickets per kiosk and sign-in attempts per address are counted in the `rate_limit` table,
one row per (limit, subject): `layso serve --workers 2` (or two servers on one database)
used to keep one window per process, and one kiosk got 57 tickets a minute against 30.

The window is **fixed and anchored at the subject's first hit**: it opens at the first hit
after the previous window ended and lasts `window_s`; at most `limit` hits are allowed in it.
So a burst is refused exactly at the `limit + 1`st hit wherever it falls on the clock (a
window aligned to clock minutes would let 2 × limit through around a minute's turn), and
over any 60 s at most 2 × limit pass (limit at the end of one window, limit at the start of
the next) — a guard against a stuck kiosk or a guesser, not a ledger.

Each hit is one atomic statement (`INSERT … ON CONFLICT … DO UPDATE … RETURNING`), on a
connection of its own outside the hall's write pipeline: it takes neither the hall row's
lock nor a place in the group writer's batch, and it commits without waiting for the disk
(SQLite `synchronous=NORMAL`, PostgreSQL `synchronous_commit=off`): a count lost in a
power cut costs nothing. Refused hits are counted too (a hammering client stays refused until
its window ends). A database fault is not a pass: the request is answered 503 like every
other request the database cannot serve (`StoreUnavailable`). Expired rows are deleted by
the minute's housekeeping, a bounded number at a time (`prune`).
"""

from __future__ import annotations

import contextlib
import math
import re
import time
from dataclasses import dataclass

import anyio
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from server.db.database import Database
from server.db.faults import StoreUnavailable, is_disconnect
from server.db.side_engine import SideEngine

_HIT = ("INSERT INTO rate_limit (name, subject, window_start, hits) "
        "VALUES (:name, :subject, :now, 1) "
        "ON CONFLICT (name, subject) DO UPDATE SET "
        "hits = CASE WHEN rate_limit.window_start <= :expired THEN 1 "
        "ELSE rate_limit.hits + 1 END, "
        "window_start = CASE WHEN rate_limit.window_start <= :expired THEN :now "
        "ELSE rate_limit.window_start END "
        "RETURNING hits, window_start")
# The outer condition again: on PostgreSQL a row reopened meanwhile by a hit is re-checked
# (and kept); the LIMIT keeps one minute's housekeeping short whatever piled up.
_PRUNE = ("DELETE FROM rate_limit WHERE window_start < :cutoff AND (name, subject) IN "
          "(SELECT name, subject FROM rate_limit WHERE window_start < :cutoff LIMIT :n)")
LOGIN_PER_MINUTE = 30  # sign-in attempts from one address (docs/security.md)
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


def _pg(sql: str) -> str:
    return _PARAM.sub(r"%(\1)s", sql)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends (0 when allowed)


class LimitStore:
    """The `rate_limit` table of one database, on a small pool of its own connections."""

    PRUNE_BATCH = 5000

    def __init__(self, db: Database) -> None:
        self.db = db
        self._side = SideEngine(db, self._make_engine)
        self._connect = self._side.get
        self.dispose = self._side.dispose

    def _make_engine(self) -> Engine:
        if self.db.is_sqlite:
            engine = create_engine(self.db.url, pool_size=2, max_overflow=2,
                                   connect_args={"check_same_thread": False, "timeout": 30})

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn, _record) -> None:
                dbapi_conn.isolation_level = None  # each statement its own transaction
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")  # no fsync for a count
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

            return engine
        return create_engine(self.db.url, pool_size=2, max_overflow=6, pool_pre_ping=True,
                             connect_args={"options": "-c synchronous_commit=off",
                                           "application_name": "layso limits"})

    def _execute(self, sql: str, params: dict) -> list[tuple]:
        """One statement, committed; a connection lost under it is dropped and the statement
        run once more on a fresh one (a count twice is the safe side). A database fault
        raises `StoreUnavailable` (503), never a silent pass."""
        text = sql if self.db.is_sqlite else _pg(sql)
        for attempt in (1, 2):
            conn = None
            try:
                conn = self._connect().raw_connection()
                cur = conn.cursor()
                cur.execute(text, params)
                rows = cur.fetchall() if cur.description else []
                conn.commit()
                cur.close()
                conn.close()
                return rows
            except Exception as exc:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.invalidate() if is_disconnect(exc) else conn.rollback()
                    with contextlib.suppress(Exception):
                        conn.close()
                if attempt == 1 and is_disconnect(exc):
                    continue
                kind = self.db.health.failed(exc)
                if kind is not None:
                    raise StoreUnavailable(kind) from exc
                raise
        raise AssertionError("unreachable")

    def hit(self, name: str, subject: str, limit: int, window_s: float,
            now: float | None = None) -> Verdict:
        now = time.time() if now is None else now
        rows = self._execute(_HIT, {"name": name, "subject": subject, "now": now,
                                    "expired": now - window_s})
        hits, start = rows[0]
        if hits <= limit:
            return Verdict(True, 0)
        return Verdict(False, max(1, math.ceil(start + window_s - now)))

    def prune(self, older_than_s: float = 3600.0, now: float | None = None,
              batch: int | None = None) -> int:
        """Delete up to `batch` rows whose window opened more than `older_than_s` ago (every
        window is far shorter); the number deleted."""
        now = time.time() if now is None else now
        n = batch or self.PRUNE_BATCH
        rows = self._execute(_PRUNE + " RETURNING name", {"cutoff": now - older_than_s,
                                                          "n": n})
        return len(rows)



class SharedLimit:
    """One limit: at most `limit` hits per subject in a window of `window_s` seconds, counted
    in the database (`LimitStore`), for request handlers."""

    def __init__(self, store: LimitStore, name: str, limit: int, window_s: float = 60.0) -> None:
        self.store = store
        self.name = name
        self.limit = limit
        self.window_s = window_s

    def check(self, subject: object, now: float | None = None) -> Verdict:
        return self.store.hit(self.name, str(subject)[:64], self.limit, self.window_s, now)

    async def hit(self, subject: object) -> Verdict:
        """Count one hit (in a worker thread: it may wait on the database)."""
        return await anyio.to_thread.run_sync(self.check, subject)
