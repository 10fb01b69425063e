"""`layso serve`: the queue server under uvicorn on a real socket."""

from __future__ import annotations

import argparse
import os
import sys

from server.cli.common import load_config_or_exit
from server.cli.dbcheck import database_url_or_exit, port_or_exit
from server.cli.options import add_data_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_data_options(parser)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes (PostgreSQL only; SQLite takes one)")
    parser.add_argument("--no-scheduler", action="store_true",
                        help="leave the day's clockwork to another server process")
    parser.add_argument("--fake-clock", metavar="WHEN",
                        help="run on a movable clock starting at WHEN (ISO time with zone, or "
                        "'now'): for `layso simulate` and demos; an admin moves it with "
                        "POST /api/v1/clock")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--access-log", action="store_true",
                        help="log a line per HTTP request (off by default: it costs ticket "
                        "throughput)")


def uvicorn_options(args: argparse.Namespace) -> dict:
    """What every `layso serve` passes to uvicorn, one process or several.

    No permessage-deflate: hall events are a few hundred bytes on a LAN, and each compressed
    WebSocket keeps its own zlib state, much of a board's memory cost to the server and
    CPU on every send (docs/benchmarks.md has the figures). No access log: a
    line per ticket is CPU the hall needs for tickets; warnings and errors are still logged.
    The HTTP protocol is httptools with a bound on the time a request's headers take
    (`server.deadlines.HeaderDeadline`): uvicorn alone waits for slow headers for ever.
    """
    from server.deadlines import HeaderDeadline

    return {"host": args.host, "port": args.port, "log_level": args.log_level,
            "ws_per_message_deflate": False, "access_log": args.access_log,
            "http": HeaderDeadline}


def _fake_clock(args: argparse.Namespace, cfg):
    """The movable clock `--fake-clock` asks for, None without it; exit 2 on a bad time."""
    if not args.fake_clock:
        return None
    from datetime import UTC, datetime

    from server.clock import FakeClock

    try:
        start = (datetime.now(UTC) if args.fake_clock == "now"
                 else datetime.fromisoformat(args.fake_clock))
    except ValueError:
        print(f"layso serve: --fake-clock {args.fake_clock!r} is not an ISO time like "
              "2026-11-23T07:30:00+07:00", file=sys.stderr)
        raise SystemExit(2) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=cfg.zone)
    return FakeClock(start)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    # Everything a technician can get wrong is checked before the database is touched:
    # the hall file, the clock, the URL, the port, then the database answering.
    cfg = load_config_or_exit(args)
    clock = _fake_clock(args, cfg)
    url = database_url_or_exit(args, "serve", connect=False)
    if args.workers > 1 and not url.startswith("postgresql"):
        print("layso serve: --workers needs PostgreSQL (--db postgresql://…); SQLite "
              "allows one writer process", file=sys.stderr)
        return 2
    port_or_exit(args.host, args.port)
    database_url_or_exit(args, "serve")
    os.environ["LAYSO_CONFIG"] = str(args.config)
    os.environ["LAYSO_DB"] = args.db
    os.environ["LAYSO_SCHEDULER"] = "0" if args.no_scheduler else "1"
    if args.workers > 1:
        # Migrate and sync the hall once, here, before the workers start together.
        from server.db.database import Database
        from server.hall import Hall

        db = Database(args.db)
        Hall(cfg, db).setup()
        db.dispose()
        uvicorn.run("server.app:app_from_env", factory=True, workers=args.workers,
                    **uvicorn_options(args))
        return 0
    from server.app import create_app

    app = create_app(cfg, args.db, clock, scheduler=not args.no_scheduler)
    uvicorn.run(app, **uvicorn_options(args))
    return 0
