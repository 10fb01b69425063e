"""The hall service: one place that runs queue actions as transactions and publishes them.

Commit, then publish: events get their sequence numbers inside the transaction (under the hall
row's lock), are stored in the append-only log, and reach the bus only after the commit.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select

from contracts.events import check_event
from contracts.hall_config import HallConfig
from server.bus import EventBus, Numbered
from server.clock import Clock, SystemClock
from server.db.database import Database, Sql
from server.db.migrate import upgrade
from server.db.models import Counter, Event, HallState, Service
from server.queue.context import Tx
from server.queue.day import housekeeping

R = TypeVar("R")
log = logging.getLogger("layso.hall")

# Called inside the transaction with the numbered events (PostgreSQL NOTIFY uses it).
InTxHook = Callable[[Session, list[dict[str, Any]]], None]


class Hall:
    def __init__(self, cfg: HallConfig, db: Database, clock: Clock | None = None,
                 bus: EventBus | None = None) -> None:
        self.cfg = cfg
        self.db = db
        self.clock = clock or SystemClock()
        self.bus = bus or EventBus()
        self.in_tx_hooks: list[InTxHook] = []
        # server.ratelimit.LimitStore, made by the API; the minute's housekeeping prunes it
        self.limits: Any = None

    @property
    def code(self) -> str:
        return self.cfg.hall.code

    def setup(self, migrate: bool = True) -> None:
        """Bring the schema up to date and the hall's services and counters in line with its
        file (the file is the source of truth; rows exist for joins and reports)."""
        if migrate:
            upgrade(self.db.url)

        def sync(s: Session) -> None:
            if s.get(HallState, self.code) is None:
                s.add(HallState(hall=self.code, seq=0))
            for svc in self.cfg.services:
                row = s.get(Service, svc.code) or Service(code=svc.code, name=svc.name,
                                                          name_en=svc.name_en)
                row.name, row.name_en, row.prefix = svc.name, svc.name_en, svc.prefix
                s.add(row)
            for c in self.cfg.counters:
                row = s.get(Counter, c.number) or Counter(number=c.number, label=c.label,
                                                          name=c.name)
                row.label, row.name = c.label, c.name
                s.add(row)

        self.db.write(sync)
        self.bus.last_seq = self.read(lambda tx: tx.s.get(HallState, self.code).seq)

    def _job(self, fn: Callable[[Tx], R]) -> Callable[[Session], tuple[R, list[dict]]]:
        def run(s: Session) -> tuple[R, list[dict[str, Any]]]:
            self.db.lock_hall(s, self.code)
            tx = Tx(s, self.cfg, self.clock.now())
            result = fn(tx)
            events = self._number(tx)
            return result, events

        run.sql_only = getattr(fn, "sql_only", False)  # type: ignore[attr-defined]
        return run

    def write(self, fn: Callable[[Tx], R]) -> R:
        result, events = self.db.write(self._job(fn))
        self.bus.publish_threadsafe(events)
        return result

    async def write_async(self, fn: Callable[[Tx], R]) -> R:
        """`write` for a request handler. The group writer's future is awaited on
        the loop directly (no worker thread in between); the events are published from the
        writer thread right after the commit, whether or not the request is still waiting."""
        fut = self.db.submit(self._job(fn))
        fut.add_done_callback(self._publish_committed)
        result, _events = await asyncio.wrap_future(fut)
        return result

    def _publish_committed(self, fut: Future) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self.bus.publish_threadsafe(fut.result()[1])

    _BUMP_SEQ = Sql("UPDATE hall_state SET seq = seq + :n WHERE hall = :h RETURNING seq")
    _STORE = Sql("INSERT INTO event (seq, hall, type, at, payload) "
                 "VALUES (:seq, :hall, :type, :at, :payload)")

    def _number(self, tx: Tx) -> list[dict[str, Any]]:
        """Give the transaction's events their sequence numbers and store them. Plain SQL
        (`Sql`), not the ORM: this runs in every writing transaction, on the single writer."""
        if not tx.events:
            return []
        n = len(tx.events)
        last = self._BUMP_SEQ.one(tx.s, {"n": n, "h": self.code})[0]
        # A HallState the transaction loaded (housekeeping) must not keep a stale seq.
        state = tx.s.identity_map.get(tx.s.identity_key(HallState, self.code))
        if state is not None:
            set_committed_value(state, "seq", last)
        numbered: list[dict[str, Any]] = []
        for seq, ev in enumerate(tx.events, start=last - n + 1):
            ev["seq"] = seq
            check_event(ev)  # the event's model (contracts/events.py) or no commit
            out = Numbered(ev)
            self._STORE.run(tx.s, {"seq": seq, "hall": self.code, "type": ev["type"],
                                   "at": tx.now, "payload": out.text})
            numbered.append(out)
        tx.events = numbered
        for hook in self.in_tx_hooks:
            hook(tx.s, tx.events)
        return tx.events

    def read(self, fn: Callable[[Tx], R]) -> R:
        return self.db.read(lambda s: fn(Tx(s, self.cfg, self.clock.now())))

    def housekeeping(self) -> None:
        self.write(housekeeping)

    def events_since(self, seq: int, limit: int = 1000) -> list[dict[str, Any]]:
        def q(tx: Tx) -> list[dict[str, Any]]:
            rows = tx.s.exec(select(Event).where(Event.seq > seq).order_by(Event.seq)
                             .limit(limit)).all()
            return [Numbered(json.loads(e.payload), e.payload) for e in rows]

        return self.read(q)
