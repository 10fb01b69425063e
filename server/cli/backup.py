"""`layso backup --out FILE` and `layso restore FILE [--force]` (docs/backup.md).

SQLite: the online backup API, safe while `layso serve` runs; the backup is one SQLite file.
PostgreSQL: pg_dump's custom format, and pg_restore. A restore refuses to overwrite a
database that holds data unless --force is given, and brings the schema up to date (Alembic)
afterwards, so a backup made by an older Layso restores into a newer one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.cli.options import add_data_options


def add_arguments_for(command: str, parser: argparse.ArgumentParser) -> None:
    if command == "backup":
        parser.add_argument("--out", type=Path, required=True, metavar="FILE",
                            help="where to write the backup (SQLite: a database file; "
                            "PostgreSQL: a pg_dump custom-format file)")
        parser.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    else:
        parser.add_argument("file", type=Path, metavar="FILE", help="a file `layso backup` "
                            "wrote (or pg_dump -Fc for PostgreSQL)")
        parser.add_argument("--force", action="store_true",
                            help="overwrite a database that already holds data")
    add_data_options(parser)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_arguments_for("backup", parser)


def _sqlite_path(url: str) -> Path | None:
    from server.db.database import normalise_url

    url = normalise_url(url)
    if not url.startswith("sqlite:"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:":
        raise SystemExit(f"layso: {url} is not a database file")
    return Path(path)


def _fail(command: str, message: str, code: int = 1) -> int:
    print(f"layso {command}: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from server.cli import backup_pg, backup_sqlite
    from server.cli.backup_sqlite import BackupError
    from server.cli.dbcheck import database_url_or_exit

    command = getattr(args, "command", "backup")
    database_url_or_exit(args, command)
    try:
        if command == "backup":
            return _backup(args, backup_sqlite, backup_pg)
        return _restore(args, backup_sqlite, backup_pg)
    except BackupError as exc:
        return _fail(command, str(exc))


def _backup(args: argparse.Namespace, sqlite, pg) -> int:
    out: Path = args.out
    if out.exists() and not args.force:
        return _fail("backup", f"{out} exists; give another --out or add --force")
    if out.parent and not out.parent.is_dir():
        return _fail("backup", f"no folder {out.parent} for {out.name}")
    path = _sqlite_path(args.db)
    if path is not None:
        summary = sqlite.backup(path, out)
        print(f"backed up {path} to {out} ({out.stat().st_size:,} bytes): "
              f"{summary.describe()}")
        return 0
    pg.backup(args.db, out)
    print(f"backed up the PostgreSQL database to {out} ({out.stat().st_size:,} bytes, "
          "pg_dump custom format; restore with `layso restore`)")
    return 0


def _restore(args: argparse.Namespace, sqlite, pg) -> int:
    from server.db.migrate import upgrade

    source: Path = args.file
    if not source.is_file():
        return _fail("restore", f"no backup file {source}")
    path = _sqlite_path(args.db)
    if path is not None:
        if not sqlite.is_sqlite_file(source):
            kind = "a pg_dump file (restore it into PostgreSQL)" if pg.is_pg_dump(source) \
                else "not an SQLite backup"
            return _fail("restore", f"{source} is {kind}")
        if not args.force and not sqlite.is_empty(path):
            return _fail("restore", f"{path} already holds data; restoring would replace it. "
                         "Stop the server, back it up, then run again with --force")
        before, after = sqlite.restore(source, path, upgrade)
        print(f"restored {source} into {path}: {before.describe()}")
        if before.revision != after.revision:
            print(f"schema upgraded from {before.revision} to {after.revision}")
        return 0
    if not pg.is_pg_dump(source):
        kind = "an SQLite backup (restore it into SQLite)" if sqlite.is_sqlite_file(source) \
            else "not a pg_dump custom-format file"
        return _fail("restore", f"{source} is {kind}")
    if not args.force and not pg.is_empty(args.db):
        return _fail("restore", "the PostgreSQL database already holds data; restoring would "
                     "replace it. Stop the servers, back it up, then run again with --force")
    pg.restore(source, args.db)
    upgrade(args.db)
    print(f"restored {source} into the PostgreSQL database; schema brought up to date")
    return 0
