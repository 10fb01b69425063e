"""The database engine and its transactions.

SQLite (the default) runs in WAL mode with `synchronous=FULL`, so an acknowledged ticket
survives a power cut, not just a killed process. That costs an fsync per commit, so SQLite
writes go through one writer thread that commits in groups: the jobs waiting when a
transaction starts run in it, each inside its own savepoint (one job's refusal undoes only
that job), and all are answered after the one commit. SQLite serialises writers anyway; this
only shares the fsync. PostgreSQL serialises writers on the hall's row (`SELECT … FOR UPDATE`),
which also makes queue decisions safe across several server processes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

R = TypeVar("R")


def normalise_url(url: str) -> str:
    """Accept the URLs people type: `postgresql://` (psycopg 3) and a bare file path."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{url}"
    return url


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.is_sqlite = self.dialect == "sqlite"
        self._write_lock = threading.Lock()
        self._writer: GroupWriter | None = None
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = self._sqlite_engine(immediate=True, echo=echo)
            self.read_engine = self._sqlite_engine(immediate=False, echo=echo)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_size=10, max_overflow=20,
                                        pool_pre_ping=True)
            self.read_engine = self.engine

    def _sqlite_engine(self, *, immediate: bool, echo: bool) -> Engine:
        engine = create_engine(
            self.url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=1 if immediate else 40, max_overflow=0 if immediate else 20,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def write(self, fn: Callable[[Session], R]) -> R:
        """Run `fn` in a writing transaction and return once it is committed; nothing of it is
        kept if it raises."""
        if self.is_sqlite:
            return self._group_writer().submit(fn)
        with Session(self.engine, expire_on_commit=False) as s:
            result = fn(s)
            s.commit()
            return result

    def _group_writer(self) -> GroupWriter:
        with self._write_lock:
            if self._writer is None or not self._writer.alive:
                self._writer = GroupWriter(self.engine)
            return self._writer

    def read(self, fn: Callable[[Session], R]) -> R:
        with Session(self.read_engine, expire_on_commit=False) as s:
            return fn(s)

    def lock_hall(self, s: Session, hall: str) -> None:
        """Serialise writers on the hall row (PostgreSQL); SQLite's BEGIN IMMEDIATE did."""
        if not self.is_sqlite:
            s.execute(text("SELECT seq FROM hall_state WHERE hall = :h FOR UPDATE"), {"h": hall})

    def dispose(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


class GroupWriter:
    """One thread that owns SQLite's write connection and commits waiting jobs together."""

    MAX_BATCH = 64

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="sqlite-writer", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, fn: Callable[[Session], R]) -> R:
        if threading.current_thread() is self._thread:
            raise RuntimeError("a write job may not start another write")
        fut: Future = Future()
        self._jobs.put((fn, fut))
        return fut.result()

    def stop(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            first = self._jobs.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self.MAX_BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)
                    break
                batch.append(job)
            self._run(batch)

    def _run(self, batch: list) -> None:
        outcomes: list[tuple[bool, object]] = []
        try:
            with Session(self.engine, expire_on_commit=False) as s:
                if len(batch) == 1:
                    fn, _ = batch[0]
                    try:
                        outcomes.append((True, fn(s)))
                    except BaseException as exc:
                        s.rollback()
                        outcomes.append((False, exc))
                else:
                    for fn, _ in batch:
                        sp = s.begin_nested()
                        try:
                            result = fn(s)
                            s.flush()
                            sp.commit()
                            outcomes.append((True, result))
                        except BaseException as exc:
                            sp.rollback()
                            outcomes.append((False, exc))
                s.commit()
        except BaseException as exc:  # the commit itself failed: nobody's work was kept
            for _, fut in batch:
                fut.set_exception(exc)
            return
        for (ok, value), (_, fut) in zip(outcomes, batch, strict=True):
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)
