"""The database engine and its transactions.

SQLite (the default) runs in WAL mode with `synchronous=FULL`, so an acknowledged ticket
survives a power cut, not just a killed process. That costs an fsync per commit, so SQLite
writes go through one writer thread that commits in groups: the jobs waiting when a
transaction starts run in it, each inside its own savepoint (one job's refusal undoes only
that job), and all are answered after the one commit. SQLite serialises writers anyway; this
only shares the fsync. A job that changes rows only through `Sql` (plain statements on the
transaction's cursor, for the hot paths) can be marked `sql_only` and gets a plain SAVEPOINT
instead of the ORM's nested transaction. An asyncio caller awaits the writer's future
directly (`submit`). PostgreSQL serialises writers on the hall's row (`SELECT … FOR UPDATE`),
which also makes queue decisions safe across several server processes.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from server.db.faults import (
    COMMIT_UNKNOWN,
    FaultKind,
    StoreHealth,
    StoreUnavailable,
    classify,
    is_disconnect,
)

R = TypeVar("R")


def normalise_url(url: str) -> str:
    """Accept the URLs people type: `postgresql://` (psycopg 3) and a bare file path."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{url}"
    return url


class Sql:
    """A statement on a hot path (every ticket, every call), run on the transaction's own
    DBAPI cursor: no statement objects built, compiled or cache-keyed, no result processing.
    Through the session, such a statement cost 50–150 µs of Python on the single writer; this
    way it costs about 10 µs, and the SQL is plain enough to read the same on both databases.

    Written with `:name` parameters. On SQLite the values are stored the way SQLAlchemy stores
    them (dates `YYYY-MM-DD`, UTC datetimes `YYYY-MM-DD HH:MM:SS.ffffff`, booleans 0/1), so
    rows written here and through the ORM are alike; `utc` and `day` read them back.
    Pending ORM changes of the session are flushed first, as SQLAlchemy's autoflush would."""

    _PARAM = re.compile(r"(?<![:\w]):(\w+)")

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.pg_sql = self._PARAM.sub(r"%(\1)s", sql)

    def run(self, s: Session, params: Mapping[str, Any] | None = None) -> Any:
        """Execute and return the DBAPI cursor (fetchone / fetchall)."""
        s.flush()  # returns at once when nothing is pending
        dbapi, sqlite = _dbapi(s)
        cur = dbapi.cursor()
        if sqlite:
            if params and not _STORED_AS_IS.issuperset(map(type, params.values())):
                params = {k: _sqlite_value(v) for k, v in params.items()}
            cur.execute(self.sql, params or {})
        else:
            cur.execute(self.pg_sql, params or {})
        return cur

    def one(self, s: Session, params: Mapping[str, Any] | None = None) -> tuple:
        row = self.run(s, params).fetchone()
        if row is None:
            raise LookupError(f"no row from {self.sql!r}")
        return row

    def scalar(self, s: Session, params: Mapping[str, Any] | None = None) -> Any:
        row = self.run(s, params).fetchone()
        return None if row is None else row[0]

    @staticmethod
    def utc(value: datetime | str | None) -> datetime | None:
        """A timestamp column as an aware UTC datetime, from either database."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @staticmethod
    def day(value: date | str) -> date:
        return date.fromisoformat(value) if isinstance(value, str) else value


def _dbapi(s: Session) -> tuple[Any, bool]:
    """The DBAPI connection of the session's transaction (begun if need be), remembered for
    as long as that transaction lasts: `Session.connection()` costs more than a statement."""
    tx = s.get_transaction()
    known = s.info.get("layso_dbapi")
    if tx is not None and known is not None and known[0] is tx:
        return known[1], known[2]
    conn = s.connection()
    dbapi = conn.connection.dbapi_connection
    sqlite = conn.dialect.name == "sqlite"
    s.info["layso_dbapi"] = (s.get_transaction(), dbapi, sqlite)
    return dbapi, sqlite


_STORED_AS_IS = frozenset({str, int, float, type(None), bytes})


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        if v.tzinfo is None:
            raise ValueError("naive datetime written to the database; use aware UTC")
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.is_sqlite = self.dialect == "sqlite"
        self._write_lock = threading.Lock()
        self._writer: GroupWriter | None = None
        # Things that hold their own connection to this database (the token resolver) and
        # close with it.
        self.on_dispose: list[Callable[[], None]] = []
        self.token_resolver: object | None = None  # server.auth.TokenResolver, made by the API
        self.health = StoreHealth()  # the current fault (disk full, connection lost), if any
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
        return self._group_writer().submit(fn)

    def submit(self, fn: Callable[[Session], R]) -> Future:
        """Queue `fn` for the group writer and return at once; the future completes after the
        commit. An asyncio caller awaits it (`asyncio.wrap_future`) with no worker thread in
        between: one thread hop per write instead of three."""
        return self._group_writer().submit_future(fn)

    def _group_writer(self) -> GroupWriter:
        with self._write_lock:
            if self._writer is None or not self._writer.alive:
                self._writer = GroupWriter(self.engine, self.health)
            return self._writer

    def read(self, fn: Callable[[Session], R]) -> R:
        """Run `fn` in a reading transaction. A read cut off by a lost connection runs once
        more on a fresh one (it changed nothing); a fault raises `StoreUnavailable`."""
        try:
            with Session(self.read_engine, expire_on_commit=False) as s:
                return fn(s)
        except Exception as exc:
            if not is_disconnect(exc):
                self._raise_fault(exc)
                raise
        try:
            with Session(self.read_engine, expire_on_commit=False) as s:
                return fn(s)
        except Exception as exc:
            self._raise_fault(exc)
            raise

    def _raise_fault(self, exc: Exception) -> None:
        """Raise the fault `exc` stands for, if it is one (an ordinary error is the
        caller's to raise)."""
        kind = self.health.failed(exc)
        if kind is not None:
            raise StoreUnavailable(kind) from exc

    def lock_hall(self, s: Session, hall: str) -> None:
        """Serialise writers on the hall row (PostgreSQL); SQLite's BEGIN IMMEDIATE did."""
        if not self.is_sqlite:
            s.execute(text("SELECT seq FROM hall_state WHERE hall = :h FOR UPDATE"), {"h": hall})

    def dispose(self) -> None:
        while self.on_dispose:
            self.on_dispose.pop()()
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


class _BatchFailed(Exception):
    """A batch's transaction failed as a whole (`committing`: in its COMMIT)."""

    def __init__(self, exc: BaseException, *, committing: bool, xid: str | None = None,
                 outcomes: list | None = None) -> None:
        super().__init__(str(exc))
        self.exc = exc
        self.committing = committing
        self.xid = xid
        self.outcomes = outcomes or []


class GroupWriter:
    """One thread that owns the process's write connection and commits waiting jobs together
    (each in its own savepoint, so a refused job undoes only itself).

    SQLite allows one writer, so this is how writes go there anyway; one commit (one fsync)
    serves the batch. On PostgreSQL every write takes the hall row's lock: one transaction per
    request meant as many transactions queued on that lock as requests in flight, each with
    its own round trips and commit, and throughput fell as kiosks were added. Here a process
    holds the lock once per batch; several processes take turns batch by batch.
    """

    MAX_BATCH = 64
    STATUS_WAIT_S = 3.0  # how long to wait for PostgreSQL to settle a COMMIT cut short

    def __init__(self, engine: Engine, health: StoreHealth | None = None) -> None:
        self.engine = engine
        self.health = health or StoreHealth()
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="db-writer", daemon=True)
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def submit(self, fn: Callable[[Session], R]) -> R:
        return self.submit_future(fn).result()

    def submit_future(self, fn: Callable[[Session], R]) -> Future:
        if threading.current_thread() is self._thread:
            raise RuntimeError("a write job may not start another write")
        fut: Future = Future()
        self._jobs.put((fn, fut))
        return fut

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
        # A job whose caller gave up (a cancelled request) before it started is not run.
        batch = [job for job in batch if job[1].set_running_or_notify_cancel()]
        if not batch:
            return
        try:
            outcomes = self._attempt(batch)
        except _BatchFailed as first:
            outcomes = self._after_failure(batch, first)
            if outcomes is None:
                return
        self.health.ok()
        for (ok, value), (_, fut) in zip(outcomes, batch, strict=True):
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)

    def _after_failure(self, batch: list, failed: _BatchFailed) -> list | None:
        """A batch whose transaction failed as a whole. Lost before COMMIT (the connection
        died: nothing of it is kept), it runs once more on a fresh connection. Lost during
        COMMIT, the outcome is unknown until PostgreSQL says what became of the transaction
        (`pg_xact_status`): committed, its answers stand; aborted, it runs once more; unknown,
        it is not run again (that could issue a ticket twice) and the callers are told so.
        Anything else fails every job of the batch, unanswered and not kept."""
        exc = failed.exc
        if failed.committing and is_disconnect(exc):
            status = self._xact_status(failed.xid)
            if status == "committed":
                return failed.outcomes
            if status != "aborted":
                self._fail(batch, exc, COMMIT_UNKNOWN)
                return None
        if not is_disconnect(exc):
            self._fail(batch, exc)
            return None
        self.health.throttle.log("retry", logging.WARNING, "database connection lost before "
                                 "COMMIT (%s); running the batch of %d once more on a fresh "
                                 "connection", str(exc).splitlines()[0][:200], len(batch))
        try:
            return self._attempt(batch)
        except _BatchFailed as second:
            if second.committing and is_disconnect(second.exc):
                status = self._xact_status(second.xid)
                if status == "committed":
                    return second.outcomes
                self._fail(batch, second.exc,
                           COMMIT_UNKNOWN if status != "aborted" else None)
                return None
            self._fail(batch, second.exc)
            return None

    def _fail(self, batch: list, exc: BaseException, kind: FaultKind | None = None) -> None:
        kind = self.health.failed(exc, kind)
        err: BaseException = exc
        if kind is not None:
            err = StoreUnavailable(kind)
            err.__cause__ = exc
        for _, fut in batch:
            fut.set_exception(err)

    def _attempt(self, batch: list) -> list[tuple[bool, object]]:
        """Run the batch in one transaction and commit it; the outcomes, one per job.
        Raises `_BatchFailed` when the transaction as a whole failed (nothing kept)."""
        outcomes: list[tuple[bool, object]] = []
        xid = None
        s = Session(self.engine, expire_on_commit=False)
        try:
            if len(batch) == 1:
                fn, _ = batch[0]
                try:
                    outcomes.append((True, fn(s)))
                except BaseException as exc:
                    s.rollback()
                    outcomes.append((False, exc))
            else:
                for fn, _ in batch:
                    if getattr(fn, "sql_only", False):
                        outcomes.append(self._sql_only_job(s, fn))
                        continue
                    sp = s.begin_nested()
                    try:
                        result = fn(s)
                        s.flush()
                        sp.commit()
                        outcomes.append((True, result))
                    except BaseException as exc:
                        sp.rollback()
                        outcomes.append((False, exc))
            # A job refused because the database failed under it (connection lost, disk
            # full) leaves the transaction in doubt (SQLite may have rolled it all back):
            # the whole batch fails, and none of it is answered as done.
            for ok, value in outcomes:
                if not ok and isinstance(value, Exception) and classify(value) is not None:
                    raise value
            xid = self._xid(s) if s.in_transaction() else None
        except BaseException as exc:
            with contextlib.suppress(Exception):
                s.close()
            raise _BatchFailed(exc, committing=False) from exc
        try:
            s.commit()
        except BaseException as exc:
            with contextlib.suppress(Exception):
                s.close()
            raise _BatchFailed(exc, committing=True, xid=xid, outcomes=outcomes) from exc
        s.close()
        return outcomes

    def _xid(self, s: Session) -> str | None:
        """PostgreSQL: the transaction's id, asked just before COMMIT so that, should the
        connection die during the COMMIT, another connection can ask what became of it.
        SQLite: make sure the transaction is still open (after SQLITE_FULL it may have been
        rolled back, and statements after it would have run on their own)."""
        dbapi, sqlite = _dbapi(s)
        if sqlite:
            if not dbapi.in_transaction:
                raise sqlite3.OperationalError("the transaction was rolled back by SQLite")
            return None
        cur = dbapi.cursor()
        cur.execute("SELECT pg_current_xact_id()::text")
        return cur.fetchone()[0]

    def _xact_status(self, xid: str | None) -> str | None:
        """'committed', 'aborted', or None when it cannot be known (yet)."""
        if xid is None:
            return None
        deadline = time.monotonic() + self.STATUS_WAIT_S
        while True:
            try:
                with self.engine.connect() as conn:
                    status = conn.exec_driver_sql("SELECT pg_xact_status(%(x)s::xid8)",
                                                  {"x": xid}).scalar()
            except Exception:
                status = None
            # 'in progress': the terminated backend has not finished aborting yet
            if status in ("committed", "aborted") or time.monotonic() > deadline:
                return status if status in ("committed", "aborted") else None
            time.sleep(0.05)

    @staticmethod
    def _sql_only_job(s: Session, fn: Callable[[Session], R]) -> tuple[bool, object]:
        """A job marked `sql_only` (it changes rows only through `Sql`, never ORM objects)
        gets a plain SAVEPOINT on the connection: the ORM's nested transaction costs more
        than the ticket's own statements. Should such a job have touched ORM objects after
        all, a refusal still leaves the session right: every ORM object is let go (later
        jobs read the rows again), and a failed flush fails the whole batch, unanswered."""
        dbapi, _ = _dbapi(s)
        cur = dbapi.cursor()
        cur.execute("SAVEPOINT layso_job")
        try:
            result = fn(s)
            s.flush()
            cur.execute("RELEASE SAVEPOINT layso_job")
            return True, result
        except BaseException as exc:
            cur.execute("ROLLBACK TO SAVEPOINT layso_job")
            cur.execute("RELEASE SAVEPOINT layso_job")
            if s.identity_map or s.new or s.deleted:
                s.expunge_all()
            return False, exc


def sql_only(fn: Callable[..., R]) -> Callable[..., R]:
    """Mark a write job that changes rows only through `Sql` (see GroupWriter._sql_only_job)."""
    fn.sql_only = True  # type: ignore[attr-defined]
    return fn
