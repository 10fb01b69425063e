"""`--db` and `serve`'s port, checked before a command touches anything.

A mistyped URL used to go wrong quietly or loudly: `sqlite:/x.sqlite3` became a file
`x.sqlite3` in a new folder named `sqlite:`, `sqlite://x.sqlite3` an in-memory database that
lost everything, a missing folder was created, an unreachable PostgreSQL or `mysql://`
printed a long traceback, and a port in use was found only after start-up had migrated the
database. Each is now one line that says what to write instead, and exit code 2.
"""

from __future__ import annotations

import argparse
import errno
import re
import socket
import sys
from pathlib import Path

from server.cli.options import DEFAULT_DB

SQLITE_MAGIC = b"SQLite format 3\x00"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_SUPPORTED = "sqlite:///FILE (relative) or sqlite:////abs/FILE, or postgresql://USER@HOST/DB"


class DbUrlError(ValueError):
    """What is wrong with a `--db` (or the port), as one line for a technician."""


def shown(url: str) -> str:
    """The URL as it may be printed: no password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def check_url(url: str, *, default: bool = False) -> str:
    """The SQLAlchemy URL `url` means, or DbUrlError. Nothing is created or opened.

    A bare path is a SQLite file. `default` (the built-in `var/layso.sqlite3`) may have its
    folder made; a path a person typed must be in a folder that exists."""
    from sqlalchemy.engine import make_url

    from server.db.database import normalise_url

    if "://" not in url and _SCHEME.match(url) and not re.match(r"^[A-Za-z]:[\\/]", url):
        raise DbUrlError(f"not a database URL (no '://'): write {_SUPPORTED}")
    try:
        parsed = make_url(normalise_url(url))
    except Exception:
        raise DbUrlError(f"not a database URL: write {_SUPPORTED}") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if not parsed.database:
            raise DbUrlError("names no database: postgresql://USER@HOST/DATABASE")
        return parsed.render_as_string(hide_password=False)
    if backend != "sqlite":
        raise DbUrlError(f"{backend} is not supported: Layso stores its data in SQLite or "
                         f"PostgreSQL ({_SUPPORTED})")
    if parsed.host or not parsed.database or parsed.database == ":memory:":
        raise DbUrlError("names no file (an in-memory database would lose the hall's data): "
                         "sqlite:///FILE for a relative path, sqlite:////abs/FILE for an "
                         "absolute one")
    path = Path(parsed.database)
    if path.is_dir():
        raise DbUrlError(f"{path} is a folder: name the database file inside it")
    folder = path.parent
    if not folder.is_dir() and not default:
        raise DbUrlError(f"the folder {folder.absolute()} does not exist: create it, or "
                         "check the path")
    if path.is_file() and path.stat().st_size > 0:
        with path.open("rb") as f:
            if f.read(16) != SQLITE_MAGIC:
                raise DbUrlError(f"{path} is not an SQLite database")
    return parsed.render_as_string(hide_password=False)


def reach(url: str, timeout_s: int = 5) -> None:
    """Connect once to a PostgreSQL `url` (from `check_url`) and close, or DbUrlError with
    the server's own first line; SQLite needs nothing here."""
    if not url.startswith("postgresql"):
        return
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(conninfo, connect_timeout=timeout_s).close()
    except psycopg.Error as exc:
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()),
                     type(exc).__name__)
        raise DbUrlError(f"cannot reach PostgreSQL: {first}") from None


def check_port(host: str, port: int) -> None:
    """DbUrlError when `host:port` cannot be listened on (in use, or not this machine's).

    Bound with SO_REUSEADDR as uvicorn binds, so a port in TIME_WAIT is not refused here."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise DbUrlError(f"port {port} on {host} is already in use (another `layso "
                                 "serve`?): stop it, or choose another --port") from None
            raise DbUrlError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def database_url_or_exit(args: argparse.Namespace, command: str, *,
                         connect: bool = True) -> str:
    """`args.db` checked (and, with `connect`, reached): the URL to use, or one line on
    stderr and exit 2."""
    try:
        url = check_url(args.db, default=args.db == DEFAULT_DB)
        if connect:
            reach(url)
    except DbUrlError as exc:
        who = f"layso {command}" if command else "layso"
        print(f"{who}: --db {shown(args.db)}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    return url


def port_or_exit(host: str, port: int, command: str = "serve") -> None:
    try:
        check_port(host, port)
    except DbUrlError as exc:
        print(f"layso {command}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
