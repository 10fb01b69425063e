"""The `layso` command: one entry point, a subcommand per job.

Each subcommand lives in the part of the project it belongs to, as a module with
`add_arguments(parser)` and `run(args) -> int`. Only the module of the command being run is
imported, so `layso --help` is instant and a kiosk never loads the server.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from layso import __version__

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("server.cli.serve", "run the queue server (HTTP, WebSocket, devices, scheduler)"),
    "kiosk": ("kiosk.cli", "run the citizen touchscreen kiosk"),
    "display": ("display.cli", "run the hall display board"),
    "sim": ("simulators.cli", "run a device simulator on a pseudo-terminal or TCP port"),
    "demo": ("layso.demo", "run the whole hall live, with simulators"),
    "simulate": ("layso.simulate", "simulate a hall day against the real server, for planning"),
    "bench": ("layso.bench", "measure ticket, call and device latencies"),
    "report": ("server.cli.report",
               "print a report for a day, week, month or range (json, csv, xlsx)"),
    "check-config": ("server.cli.check_config", "validate a hall's TOML file"),
    "user": ("server.cli.user", "add, list, disable users"),
    "device": ("server.cli.device", "add, list, revoke device tokens"),
    "printer": ("drivers.printer.cli", "ticket printers: `layso printer test URL`"),
    "say": ("display.voice.cli", "speak a call: write a WAV or print the words"),
    "backup": ("server.cli.backup", "back up the database"),
    "restore": ("server.cli.backup", "restore a database backup"),
}


def _top_parser() -> argparse.ArgumentParser:
    width = max(len(n) for n in COMMANDS)
    listing = "\n".join(f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="layso",
        description="Layso — queue tickets and counter calling for one-stop service halls.",
        epilog=f"commands:\n{listing}\n\n`layso COMMAND --help` describes one command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"layso {__version__}")
    parser.add_argument("command", nargs="?", choices=list(COMMANDS), metavar="COMMAND")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    if not argv or argv[0] in ("-h", "--help"):
        top.print_help()
        return 0
    ns = top.parse_args(argv[:1])
    module_name, text = COMMANDS[ns.command]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"layso {ns.command}", description=text)
    if hasattr(module, "add_arguments_for"):
        module.add_arguments_for(ns.command, parser)
    else:
        module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    args.command = ns.command
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
