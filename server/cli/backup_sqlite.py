"""SQLite backup and restore with SQLite's online backup API.

`Connection.backup` copies the pages inside one read transaction, so the copy is a
consistent snapshot even while the server writes (WAL mode lets it go on writing). The
copy is written beside its destination and renamed into place only once it is complete and
checked, so a crash or a full disk never leaves half a file where the backup or the database
should be.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what to do."""


@dataclass(frozen=True)
class Summary:
    revision: str | None
    halls: list[str]
    tickets: int
    visits: int
    ratings: int

    def describe(self) -> str:
        halls = ", ".join(self.halls) or "no hall yet"
        return (f"hall {halls}: {self.tickets:,} tickets, {self.visits:,} visits, "
                f"{self.ratings:,} ratings; schema {self.revision or 'none'}")


def is_sqlite_file(path: Path) -> bool:
    with contextlib.suppress(OSError), path.open("rb") as f:
        return f.read(len(HEADER)) == HEADER
    return False


@contextlib.contextmanager
def _open(path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, timeout=30)
    try:
        yield conn
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}


def summarize(conn: sqlite3.Connection) -> Summary:
    tables = _tables(conn)

    def count(table: str) -> int:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] \
            if table in tables else 0

    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] \
        if "alembic_version" in tables else None
    halls = [r[0] for r in conn.execute("SELECT hall FROM hall_state ORDER BY hall")] \
        if "hall_state" in tables else []
    return Summary(revision, halls, count("ticket"), count("visit"), count("rating"))


def _check(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} failed SQLite's integrity check: {result}")
    if "alembic_version" not in _tables(conn):
        raise BackupError(f"{what} is an SQLite file but not a Layso database (it has no "
                          "alembic_version table)")


def backup(db: Path, out: Path) -> Summary:
    """Copy the live database `db` to `out` (one self-contained file, not WAL)."""
    if not db.is_file():
        raise BackupError(f"no database at {db} (check --db)")
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with _open(db) as src, _open(partial) as dst:
            src.backup(dst)  # every page in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode=DELETE")  # the copy stands alone
            _check(dst, "the copy")
            summary = summarize(dst)
        _fsync(partial)
        os.replace(partial, out)
        _fsync_dir(out.parent)
    finally:
        partial.unlink(missing_ok=True)
    return summary


def is_empty(db: Path) -> bool:
    """A database that does not exist yet, or holds no table, or only empty ones."""
    if not db.exists() or db.stat().st_size == 0:
        return True
    with _open(db) as conn:
        tables = _tables(conn) - {"alembic_version"}
        return all(conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() is None
                   for t in tables)


def _claim(db: Path) -> None:
    """Make sure no server has `db` open: leaving WAL mode needs the only connection, and
    checkpoints whatever the old WAL still held."""
    if not db.exists():
        return
    with _open(db) as conn:
        conn.execute("PRAGMA busy_timeout=2000")
        try:
            mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
        except sqlite3.OperationalError as exc:
            raise BackupError(f"{db} is in use ({exc}): stop `layso serve` first") from None
        if mode.lower() == "wal":
            raise BackupError(f"{db} is in use by another process: stop `layso serve` first")


def restore(backup_file: Path, db: Path, migrate) -> tuple[Summary, Summary]:
    """Put the backup in place of `db` and bring its schema up to date with `migrate(url)`.
    Returns the backup's summary as read and the database's after migrating."""
    staged = db.with_name(f".{db.name}.restoring")
    staged.unlink(missing_ok=True)
    try:
        with _open(backup_file) as src:
            _check(src, str(backup_file))
            before = summarize(src)
            with _open(staged) as dst:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
        try:
            migrate(f"sqlite:///{staged}")
        except Exception as exc:  # Alembic: a revision this Layso does not know, and such
            raise BackupError(f"the backup's schema ({before.revision}) cannot be brought up "
                              f"to this Layso's: {exc}. A backup made by a newer Layso "
                              "restores only with that version or a later one") from None
        with _open(staged) as conn:
            _check(conn, "the restored database")
            after = summarize(conn)
        _fsync(staged)
        _claim(db)
        for leftover in (Path(f"{db}-wal"), Path(f"{db}-shm")):
            leftover.unlink(missing_ok=True)  # never let an old WAL replay onto the new file
        db.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, db)
        _fsync_dir(db.parent)
    finally:
        staged.unlink(missing_ok=True)
    return before, after


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be synced
        _fsync(path)
