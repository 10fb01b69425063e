"""`layso report --date D [--to D2 | --period week|month] --format csv|xlsx|json [--out FILE]`:
the manager's report from the command line, with the same figures as the `/manage` page.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from server.cli.dbcheck import database_url_or_exit
from server.cli.options import add_data_options


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date like 2026-04-28 (YYYY-MM-DD)") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", type=_date, required=True,
                        help="the hall's local date (YYYY-MM-DD); the first day of a range")
    parser.add_argument("--to", type=_date, default=None,
                        help="the last day of a range (inclusive)")
    parser.add_argument("--period", choices=["day", "week", "month"], default="day",
                        help="without --to: the day, its week (Monday–Sunday) or its month")
    parser.add_argument("--format", choices=["json", "csv", "xlsx"], default="json")
    parser.add_argument("--out", type=Path, default=None,
                        help="write to this file instead of standard output")
    add_data_options(parser)


def _missing_sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    from server.db.database import normalise_url

    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


def run(args: argparse.Namespace) -> int:
    from server.cli.common import load_config_or_exit, open_hall
    from server.reports.export_csv import to_csv
    from server.reports.export_xlsx import to_xlsx
    from server.reports.period import PeriodError, make_period
    from server.reports.summary import build

    load_config_or_exit(args)
    try:
        if args.to is not None:
            period = make_period("range", start=args.date, end=args.to)
        else:
            period = make_period(args.period, on=args.date)
    except PeriodError as exc:
        print(f"layso report: {exc}", file=sys.stderr)
        return 2
    database_url_or_exit(args, "report", connect=False)
    missing = _missing_sqlite_file(args.db)
    if missing is not None:
        print(f"layso report: no database at {missing} (give --db, or run `layso serve` "
              "first)", file=sys.stderr)
        return 1
    if args.format == "xlsx" and args.out is None and sys.stdout.isatty():
        print("layso report: an Excel file is binary; give --out FILE.xlsx (or redirect "
              "standard output)", file=sys.stderr)
        return 2
    hall = open_hall(args)
    try:
        report = hall.read(lambda tx: build(tx, period))
    finally:
        hall.db.dispose()
    if args.format == "xlsx":
        body: bytes = to_xlsx(report)
    elif args.format == "csv":
        body = to_csv(report).encode("utf-8")
    else:
        body = (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if args.out is not None:
        try:
            args.out.write_bytes(body)
        except OSError as exc:
            print(f"layso report: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
            return 1
        print(f"{period.label('en')}: {report['totals']['issued']} tickets issued, "
              f"{report['totals']['served']} served → {args.out}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    if report["empty"]:
        print(f"layso report: {report['message']['en']}", file=sys.stderr)
    return 0
