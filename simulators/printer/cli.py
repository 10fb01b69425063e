"""`layso sim printer`: an ESC/POS ticket printer in software, on TCP or a pseudo-terminal.

    layso sim printer [--tcp PORT | --pty] [--width 58|80] [--out DIR] [--faults-file PATH]

The first line printed is `port: URL`, the URL to give the driver (`tcp://127.0.0.1:9100`
or `serial:///dev/pts/N`); `--tcp 0` picks a free port. Each cut receipt is shown as text and,
with --out, saved as receipt-NNNN.txt and .png. Faults: see simulators/printer/control.py.
"""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path


def _table(text: str) -> tuple[int, str]:
    from drivers.printer.codepages import ENCODINGS

    number, _, name = text.partition("=")
    names = {n.lower().replace("-", ""): n for n in ENCODINGS}
    key = name.strip().lower().replace("-", "")
    if not number.strip().isdigit() or int(number) > 255 or key not in names:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write N=CODEPAGE with N 0..255 and CODEPAGE one of {', '.join(ENCODINGS)}"
        )
    return int(number), names[key]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tcp", type=int, metavar="PORT",
                       help="listen on TCP PORT (default 9100; 0 picks a free port)")
    where.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal")
    parser.add_argument("--host", default="127.0.0.1", help="TCP address (default 127.0.0.1)")
    parser.add_argument("--width", type=int, choices=(58, 80), default=80,
                        help="paper width in mm: 384 or 576 dots (default 80)")
    parser.add_argument("--profile", help="python-escpos profile whose ESC t table numbers "
                        "to use (default: Epson-like, TCVN-3 = 30/31, CP1258 = 52, 27, 94)")
    parser.add_argument("--table", type=_table, action="append", default=[],
                        metavar="N=CODEPAGE", help="also decode ESC t N as CODEPAGE "
                        "(e.g. 40=VISCII); repeatable")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="save each receipt as DIR/receipt-NNNN.txt and .png")
    parser.add_argument("--faults-file", type=Path, metavar="PATH",
                        help="file listing active faults (paper_out near_end cover_open "
                             "offline no_answer), re-read a few times a second")
    parser.add_argument("--fault", action="append", default=[], metavar="FAULT",
                        help="start with this fault on; repeatable")
    parser.add_argument("--quiet", action="store_true", help="do not print receipts")


def run(args: argparse.Namespace) -> int:
    from simulators.printer.control import HELP, FaultsFile, apply_command
    from simulators.printer.device import PrinterSimulator
    from simulators.printer.receipt import Receipt
    from simulators.printer.server import PtyPrinterServer, TcpPrinterServer

    def show(receipt: Receipt) -> None:
        if not args.quiet:
            print(f"--- receipt {len(sim.receipts)} ---\n{receipt.text()}---", flush=True)

    try:
        sim = PrinterSimulator(args.width, profile=args.profile, tables=dict(args.table),
                               out_dir=args.out, on_receipt=show)
        for fault in args.fault:
            sim.set_fault(fault)
        if args.pty:
            server: PtyPrinterServer | TcpPrinterServer = PtyPrinterServer(sim)
        else:
            port = 9100 if args.tcp is None else args.tcp
            server = TcpPrinterServer(sim, args.host, port)
    except (OSError, ValueError, KeyError) as exc:
        print(f"layso sim printer: {exc}", file=sys.stderr)
        return 1
    watcher = FaultsFile(sim, args.faults_file).start() if args.faults_file else None
    server.start()
    # `port: URL` first, like every `layso sim` device, so scripts read all of them alike.
    print(f"port: {server.url}", flush=True)
    print(f"printer simulator, {sim.dots} dots across ({args.width} mm)", flush=True)
    if args.faults_file:
        print(f"faults file: {args.faults_file}", flush=True)
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if interactive:
        print(HELP, flush=True)
    try:
        if interactive:
            for line in sys.stdin:
                if line.strip().lower() in ("quit", "exit"):
                    break
                answer = apply_command(sim, line)
                if answer:
                    print(answer, flush=True)
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if watcher is not None:
            watcher.stop()
    return 0
