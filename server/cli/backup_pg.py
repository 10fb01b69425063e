"""PostgreSQL backup and restore through PostgreSQL's own tools, pg_dump and pg_restore.

pg_dump reads inside one repeatable-read transaction, so its dump is consistent while the
server runs. The custom format (`-Fc`) is compressed and lets pg_restore recreate the tables
in a database of a later PostgreSQL version. The password, if the URL holds one, goes to the
tools in PGPASSWORD, never on their command line (where `ps` would show it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from server.cli.backup_sqlite import BackupError

HEADER = b"PGDMP"


def is_pg_dump(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(len(HEADER)) == HEADER
    except OSError:
        return False


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed, so a PostgreSQL database cannot be backed up or "
            f"restored from here. Install the client tools of the server's major version "
            f"(Debian: apt-get install postgresql-client) or run {name} on the database "
            "host; docs/backup.md shows the commands.")
    return path


def _params(url: str) -> dict[str, object]:
    from psycopg.conninfo import conninfo_to_dict

    return conninfo_to_dict(url.replace("postgresql+psycopg://", "postgresql://", 1))


def _env(url: str) -> dict[str, str]:
    """libpq's variables for `url` (postgresql://user:password@host:port/dbname)."""
    params = _params(url)
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
             "dbname": "PGDATABASE", "sslmode": "PGSSLMODE"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({names[k]: str(v) for k, v in params.items() if k in names and v is not None})
    return env


def _run(args: list[str], url: str) -> None:
    proc = subprocess.run(args, env=_env(url), capture_output=True, text=True)
    if proc.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {proc.stderr.strip()[-2000:]}")


def backup(url: str, out: Path) -> None:
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
              f"--file={partial}"], url)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def is_empty(url: str) -> bool:
    """No table in the database's public schema holds a row."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1),
                         connect_timeout=10) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            if table == "alembic_version":
                continue
            if conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None:
                return False
    return True


def restore(backup_file: Path, url: str) -> None:
    """Replace the database's tables by the dump's (`--clean` drops what it recreates)."""
    dbname = _params(url).get("dbname")
    if not dbname:
        raise BackupError(f"the URL {url!r} names no database")
    # without --dbname pg_restore would print SQL instead of restoring
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={dbname}", str(backup_file)],
         url)
