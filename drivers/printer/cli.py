"""`layso printer`: try a ticket printer from the command line.

    layso printer test URL [--width 58|80] [--mode raster|text] [--codepage tcvn3|cp1258|viscii]
                           [--codepage-table N] [--hall FILE]
    layso printer status URL
    layso printer measure [--hall FILE]

`test` prints the sample ticket and says in one line what went wrong if it could not
(exit 1). Heavy imports (python-escpos, Pillow) happen only when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contracts.ticket_view import TicketView

BAUDS = (9600, 19200, 115200)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    test = sub.add_parser("test", help="print a sample ticket to the printer at URL",
                          description="Print a sample ticket; exit 1 with a reason if it fails.")
    test.add_argument("url", metavar="URL", help="tcp://HOST:9100, serial:///dev/ttyUSB0?baud="
                      "19200, usb://VID:PID or file:///PATH")
    _job_options(test)
    test.add_argument("--timeout", type=float, default=1.0,
                      help="seconds to wait for a status reply (default 1)")
    test.add_argument("--require-status", action="store_true",
                      help="fail when the printer does not answer the status query")
    status = sub.add_parser("status", help="ask the printer at URL for its status")
    status.add_argument("url", metavar="URL")
    status.add_argument("--timeout", type=float, default=1.0)
    measure = sub.add_parser("measure", help="bytes per ticket in each mode, and line time")
    measure.add_argument("--hall", type=Path, metavar="FILE", help="hall TOML for the sample")


def _job_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--width", type=int, choices=(58, 80), default=80,
                        help="paper width in mm (default 80)")
    parser.add_argument("--mode", choices=("raster", "text"), default="raster",
                        help="raster (works everywhere, default) or text (fast on serial)")
    parser.add_argument("--codepage", choices=("tcvn3", "cp1258", "viscii"), default="tcvn3",
                        help="text mode code page (default tcvn3)")
    parser.add_argument("--codepage-table", metavar="N[,N]",
                        help="ESC t number(s) of that code page on this printer, from its "
                             "self-test page (default: from the printer profile)")
    parser.add_argument("--hall", type=Path, metavar="FILE",
                        help="hall TOML whose name and first service go on the sample")


def _tables(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        tables = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"--codepage-table {text!r}: give numbers like 52 or 30,31") from None
    if not all(0 <= n <= 255 for n in tables):
        raise ValueError(f"--codepage-table {text!r}: ESC t numbers are 0..255")
    return tables


def sample_view(hall: Path | None) -> TicketView:
    """The contract's sample ticket, with the hall's name and first service when given."""
    from contracts.ticket_view import sample_ticket_view

    view = sample_ticket_view()
    if hall is None:
        return view
    from contracts.hall_config import load_hall_config

    config = load_hall_config(hall)
    service = config.services[0]
    return view.model_copy(update={
        "hall_name": config.hall.name,
        "hall_name_en": config.hall.name_en,
        "service_code": service.code,
        "service_name": service.name,
        "service_name_en": service.name_en,
        "number": service.format_number(service.first + 22),
        "counters": [c.label for c in config.counters_for(service.code)],
        "qr_url": f"{config.hall.public_url.rstrip('/')}/q/1",
    })


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "test":
            return _test(args)
        if args.action == "status":
            return _status(args)
        return _measure(args)
    except Exception as exc:  # noqa: BLE001 - one readable line, never a traceback
        from contracts.hall_config import HallConfigError
        from drivers.printer.errors import PrintError, PrinterURLError

        if isinstance(exc, PrintError | PrinterURLError | HallConfigError | ValueError |
                      OSError | RuntimeError):  # RuntimeError: a font without Vietnamese
            print(f"layso printer: {exc}", file=sys.stderr)
            return 1
        raise


def _test(args: argparse.Namespace) -> int:
    from drivers.printer.printer import TicketPrinter
    from drivers.printer.status import PrinterState

    view = sample_view(args.hall)
    with TicketPrinter(args.url, width_mm=args.width, mode=args.mode, codepage=args.codepage,
                       codepage_tables=_tables(args.codepage_table),
                       status_timeout=args.timeout,
                       require_status=args.require_status) as printer:
        result = printer.print_ticket(view)
    what = f"{args.mode}" + (f", {args.codepage}" if args.mode == "text" else "")
    print(f"printed the sample ticket {view.number} on {result.url} ({what}, {args.width} mm, "
          f"{result.bytes_sent} bytes): printer {result.after.describe()}")
    if not printer.url.can_read_status:
        print("note: a file:// printer cannot report status; look at the paper",
              file=sys.stderr)
    elif result.after.state is PrinterState.UNKNOWN:
        print("warning: the printer did not answer DLE EOT status queries; look at the paper "
              "to see that the ticket came out", file=sys.stderr)
    return 0


def _status(args: argparse.Namespace) -> int:
    from drivers.printer.printer import TicketPrinter
    from drivers.printer.status import PrinterState

    with TicketPrinter(args.url, status_timeout=args.timeout) as printer:
        status = printer.status()
    print(f"{printer.url}: {status.describe()}")
    return 0 if status.state in (PrinterState.OK, PrinterState.PAPER_NEAR_END) else 1


def _measure(args: argparse.Namespace) -> int:
    for row in measure_rows(sample_view(args.hall)):
        print(row)
    return 0


def measure_rows(view: TicketView) -> list[str]:
    """A Markdown table: bytes per ticket and seconds on the line at 8N1 (10 bits a byte)."""
    from drivers.printer.codepages import codepage_for
    from drivers.printer.job import ticket_job
    from drivers.printer.layout import Paper

    head = "| paper | mode | bytes | " + " | ".join(f"s at {b}" for b in BAUDS) + " |"
    rows = [head, "|" + " --- |" * (3 + len(BAUDS))]
    for mm in (58, 80):
        paper = Paper.for_width(mm)
        jobs = [("raster", ticket_job(view, paper, "raster"))]
        for key in ("tcvn3", "cp1258", "viscii"):
            codepage = codepage_for(key, tables=(40,) if key == "viscii" else None)
            jobs.append((f"text {key}", ticket_job(view, paper, "text", codepage)))
        for name, data in jobs:
            times = " | ".join(f"{len(data) * 10 / baud:.2f}" for baud in BAUDS)
            rows.append(f"| {mm} mm | {name} | {len(data)} | {times} |")
    return rows
