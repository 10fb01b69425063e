"""The outbox table: written inside the hall's transactions, claimed and marked by the sender
on connections of its own (never the hall's writer: a slow gateway holds no write slot)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, create_engine, delete, event, or_, select, update
from sqlalchemy.engine import Engine

from server.db.database import Database, Sql
from server.db.models import Outbox
from server.db.side_engine import SideEngine
from server.queue.context import Tx

LEASE_S = 60.0
"""How long a claimed message belongs to its sender: more than a send can take (5 s), so a
living sender always marks it first; a dead one's messages are due again after it."""
MAX_ATTEMPTS = 10
BACKOFF_BASE_S = 5.0
BACKOFF_MAX_S = 900.0
KEEP_SENT = timedelta(days=1)  # then the row (and the phone number in it) is deleted

_ENQUEUE = Sql("INSERT INTO outbox (kind, channel, recipient, payload, created_at, attempts, "
               "next_try_at, dedupe_key) VALUES (:kind, :channel, :to, :payload, :now, 0, :now, "
               ":key) ON CONFLICT (dedupe_key) DO NOTHING")


def enqueue(tx: Tx, kind: str, to: str, text: str, dedupe_key: str, *,
            channel: str = "phone", expires_at: datetime | None = None) -> None:
    """A message in the transaction `tx` (plain SQL, so `sql_only` jobs may call it). A
    second message with the same `dedupe_key` is dropped. `expires_at`: past it the message
    is worth nothing (an OTP) and is given up instead of sent."""
    payload = {"text": text, "expires_at": expires_at.isoformat() if expires_at else None}
    _ENQUEUE.run(tx.s, {"kind": kind, "channel": channel, "to": to, "now": tx.now,
                        "payload": json.dumps(payload, ensure_ascii=False), "key": dedupe_key})


def backoff_s(attempts: int) -> float:
    """5 s, 10 s, 20 s … after the 1st, 2nd, 3rd failed attempt; at most 15 minutes."""
    return min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    channel: str
    to: str
    text: str
    expires_at: datetime | None
    attempts: int
    dedupe_key: str


class OutboxStore:
    """Claims, marks and prunes on a small engine of its own (each statement committed)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._side = SideEngine(db, self._make_engine)
        self._connect = self._side.get
        self.dispose = self._side.dispose

    def _make_engine(self) -> Engine:
        if self.db.is_sqlite:
            engine = create_engine(self.db.url, pool_size=1, max_overflow=1,
                                   connect_args={"check_same_thread": False,
                                                 "timeout": 30})

            @event.listens_for(engine, "connect")
            def _on_connect(dbapi_conn, _record) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
        else:
            engine = create_engine(self.db.url, pool_size=1, max_overflow=1,
                                   pool_pre_ping=True, connect_args={
                                       "application_name": "layso outbox"})
        return engine

    def claim(self, now: datetime, n: int = 20) -> list[Claimed]:
        """Up to `n` due messages, each leased to this caller until `now + LEASE_S`. The due
        condition is repeated on the update itself, so of two senders racing for a row (a
        leader's handover) only one gets it: PostgreSQL re-checks it on the row it waited
        for, SQLite has one writer at a time."""
        t = Outbox.__table__
        due = and_(t.c.sent_at.is_(None), t.c.next_try_at.is_not(None), t.c.next_try_at <= now)
        ids = select(t.c.id).where(due).order_by(t.c.next_try_at, t.c.id).limit(n)
        stmt = (update(t).where(due, t.c.id.in_(ids.scalar_subquery()))
                .values(attempts=t.c.attempts + 1,
                        next_try_at=now + timedelta(seconds=LEASE_S))
                .returning(t.c.id, t.c.kind, t.c.channel, t.c.recipient, t.c.payload,
                           t.c.attempts, t.c.dedupe_key))
        with self._connect().connect() as conn:  # a read first: an idle outbox costs no write
            if conn.execute(select(t.c.id).where(due).limit(1)).first() is None:
                return []
        with self._connect().begin() as conn:
            rows = conn.execute(stmt).all()
        out = []
        for id_, kind, channel, to, payload, attempts, key in sorted(rows):
            p = json.loads(payload)
            exp = datetime.fromisoformat(p["expires_at"]) if p.get("expires_at") else None
            out.append(Claimed(id_, kind, channel, to, p["text"], exp, attempts, key))
        return out

    def sent(self, id_: int, now: datetime) -> None:
        t = Outbox.__table__
        with self._connect().begin() as conn:
            conn.execute(update(t).where(t.c.id == id_).values(sent_at=now, last_error=None))

    def failed(self, msg: Claimed, now: datetime, error: str, *, give_up: bool = False) -> None:
        """Due again after the backoff; or given up (no `next_try_at`) after `MAX_ATTEMPTS`,
        or when the message has expired."""
        t = Outbox.__table__
        give_up = give_up or msg.attempts >= MAX_ATTEMPTS
        nxt = None if give_up else now + timedelta(seconds=backoff_s(msg.attempts))
        with self._connect().begin() as conn:
            conn.execute(update(t).where(t.c.id == msg.id, t.c.sent_at.is_(None))
                         .values(next_try_at=nxt, last_error=error[:300]))

    def prune(self, now: datetime) -> int:
        """Delete messages sent or given up more than `KEEP_SENT` ago: a phone number is not
        kept for a message that is over."""
        t = Outbox.__table__
        old = now - KEEP_SENT
        stmt = delete(t).where(or_(t.c.sent_at < old,
                                   and_(t.c.sent_at.is_(None), t.c.next_try_at.is_(None),
                                        t.c.created_at < old)))
        with self._connect().begin() as conn:
            return conn.execute(stmt).rowcount or 0

    def rows(self) -> list[dict[str, Any]]:
        """Every row, for tests and `layso` tools."""
        t = Outbox.__table__
        with self._connect().begin() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t).order_by(t.c.id))]

