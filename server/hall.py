"""The hall service: one place that runs queue actions as transactions and publishes them.

Commit, then publish: events get their sequence numbers inside the transaction (under the hall
row's lock), are stored in the append-only log, and reach the bus only after the commit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session
from sqlmodel import select

from contracts.hall_config import HallConfig
from server.bus import EventBus
from server.clock import Clock, SystemClock
from server.db.database import Database
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

    def write(self, fn: Callable[[Tx], R]) -> R:
        def run(s: Session) -> tuple[R, list[dict[str, Any]]]:
            self.db.lock_hall(s, self.code)
            tx = Tx(s, self.cfg, self.clock.now())
            result = fn(tx)
            events = self._number(tx)
            return result, events

        result, events = self.db.write(run)
        self.bus.publish_threadsafe(events)
        return result

    def _number(self, tx: Tx) -> list[dict[str, Any]]:
        if not tx.events:
            return []
        state = tx.s.get(HallState, self.code)
        for ev in tx.events:
            state.seq += 1
            ev["seq"] = state.seq
            tx.s.add(Event(seq=state.seq, hall=self.code, type=ev["type"], at=tx.now,
                           payload=json.dumps(ev, ensure_ascii=False, default=str)))
        tx.s.flush()
        for hook in self.in_tx_hooks:
            hook(tx.s, tx.events)
        return tx.events

    def read(self, fn: Callable[[Tx], R]) -> R:
        return self.db.read(lambda s: fn(Tx(s, self.cfg, self.clock.now())))

    def housekeeping(self) -> None:
        self.write(lambda tx: housekeeping(tx, tx.s.get(HallState, self.code)))

    def events_since(self, seq: int, limit: int = 1000) -> list[dict[str, Any]]:
        def q(tx: Tx) -> list[dict[str, Any]]:
            rows = tx.s.exec(select(Event).where(Event.seq > seq).order_by(Event.seq)
                             .limit(limit)).all()
            return [json.loads(e.payload) for e in rows]

        return self.read(q)
