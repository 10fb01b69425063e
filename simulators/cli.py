"""`layso sim <device>`: run one simulated device on a pseudo-terminal or a TCP port.

    layso sim led-panel --address 3 --digits 4       # prints `port: /tmp/…/ttyBUS0`
    layso sim keypad --address 11 --tcp 7011         # type `next`, `recall`, … + Enter
    layso sim rating-box --address 21 --link var/sim/rating0
    layso sim led-panel --address 1 --address 2      # two panels sharing one line
    layso sim printer --tcp 9100                     # the ticket printer (its own options)
    layso sim esystem --port 8090 --fault slow       # the one-stop e-system (OpenCPS REST)
    layso sim notify --port 8025                     # the [notify] webhook gateway

The first line printed is `port: URL` (what the master opens). Typed commands: a key name or
rating level for keypads and rating boxes, and for every device `state`, `png FILE`,
`fault no-reply|bad-crc|garbage N|slow SECONDS|duplicate|repeat N|clear`, `unplug`, `replug`
(the device), `pull`/`plug` (the whole adapter), `help`, `quit`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEVICES = ("led-panel", "led-board", "keypad", "rating-box", "modbus-display", "printer")
# not on the bus: each parses its own options (simulators.<name>.cli)
OWN_OPTIONS = {"printer": ("simulators.printer.cli", "a simulated ticket printer"),
               "esystem": ("simulators.esystem.cli", "a simulated one-stop e-system (OpenCPS "
                           "REST, faults)")}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = __doc__.split("\n\n", 1)[1]
    sub = parser.add_subparsers(dest="device", metavar="DEVICE", required=True)
    for name in DEVICES[:-1]:
        p = sub.add_parser(name, help=f"a simulated {name.replace('-', ' ')}")
        _line_options(p)
        if name == "led-panel":
            p.add_argument("--digits", type=int, default=4, help="number digits, 4-6")
            p.add_argument("--label-chars", type=int, default=3,
                           help="counter label characters (0: none)")
        elif name == "led-board":
            p.add_argument("--lines", type=int, default=4)
            p.add_argument("--label-chars", type=int, default=3)
        elif name == "rating-box":
            p.add_argument("--levels", type=int, default=3, help="rating keys, 2-9")
        elif name == "modbus-display":
            p.add_argument("--digits", type=int, default=4)
    # their options belong to their own cli modules, imported only when one runs: take them all
    for name, (_, text) in OWN_OPTIONS.items():
        own = sub.add_parser(name, help=text, add_help=False, prefix_chars="\0")
        own.add_argument("rest", nargs=argparse.REMAINDER)
    notify = sub.add_parser("notify", help="a notification gateway (the [notify] webhook)")
    notify.add_argument("--port", type=int, default=8025)
    notify.add_argument("--token", help="require Authorization: Bearer TOKEN")


def _line_options(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help="a pseudo-terminal (the default)")
    where.add_argument("--tcp", type=int, metavar="PORT",
                       help="listen on 127.0.0.1:PORT instead (0: any free port)")
    p.add_argument("--address", type=int, action="append",
                   help="bus address (Modbus unit), 1-247; repeat for several on one line")
    p.add_argument("--baud", type=int, default=9600, help="line speed simulated (default 9600)")
    p.add_argument("--no-line-time", action="store_true",
                   help="answer at once instead of at the speed of the line")
    p.add_argument("--link", type=Path, help="stable path to the pty (a symlink), e.g. "
                   "var/sim/bus0, for the hall file's `port`")
    p.add_argument("--png", type=Path, help="write a picture of the device here on each change")


def run(args: argparse.Namespace) -> int:
    if args.device == "notify":
        from simulators.notify.webhook import main

        return main(args.port, args.token)
    if args.device in OWN_OPTIONS:
        module_name, text = OWN_OPTIONS[args.device]
        module = importlib.import_module(module_name)
        parser = argparse.ArgumentParser(prog=f"layso sim {args.device}", description=text)
        module.add_arguments(parser)
        return int(module.run(parser.parse_args(args.rest)) or 0)
    try:
        line, devices = build(args)
    except ValueError as exc:
        print(f"layso sim: {exc}", file=sys.stderr)
        return 2
    try:
        url = line.start()
    except OSError as exc:
        print(f"layso sim: cannot open the line: {exc}", file=sys.stderr)
        return 1
    print(f"port: {url}", flush=True)
    where = f" (pty {line.slave_path})" if line.slave_path else ""
    for dev in devices:
        print(f"{args.device} at address {dev.address} on {url}{where}, "
              f"{args.baud} baud", flush=True)
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(devices, args.png, stop), daemon=True)
    watcher.start()
    try:
        _console(args.device, line, devices, stop)
    finally:
        stop.set()
        line.stop()
    return 0


def build(args: argparse.Namespace) -> tuple[Any, list[Any]]:
    """The line and devices `args` describe (ValueError for bad values, with the reason)."""
    from simulators.bus import devices as d
    from simulators.bus.line import SimLine

    addresses = args.address or [1]
    made: list[Any] = []
    codec = None
    for a in addresses:
        if args.device == "led-panel":
            made.append(d.SimPanel(a, args.digits, label_chars=args.label_chars))
        elif args.device == "led-board":
            made.append(d.SimBoard(a, args.lines, label_chars=args.label_chars))
        elif args.device == "keypad":
            made.append(d.SimKeypad(a))
        elif args.device == "rating-box":
            made.append(d.SimRatingBox(a, args.levels))
        else:
            from simulators.modbus.display import ModbusCodec, SimModbusDisplay

            made.append(SimModbusDisplay(a, args.digits))
            codec = ModbusCodec()
    if args.link is not None:
        args.link.parent.mkdir(parents=True, exist_ok=True)
    line = SimLine(made, baud=args.baud, timed=not args.no_line_time, tcp_port=args.tcp,
                   link=args.link, codec=codec)
    return line, made


def _watch(devices: list[Any], png: Path | None, stop: threading.Event) -> None:
    """Print each device's state when it changes (and refresh the PNG)."""
    last: dict[int, str] = {}
    while not stop.wait(0.1):
        for dev in devices:
            text = _state(dev)
            if last.get(id(dev)) != text:
                last[id(dev)] = text
                print(text, flush=True)
                if png is not None:
                    name = png if len(devices) == 1 else png.with_stem(f"{png.stem}-{dev.address}")
                    dev.save_png(str(name))


def _state(dev: Any) -> str:
    from simulators.bus.devices import SimBoard, SimPanel

    if isinstance(dev, SimPanel):
        return f"[{dev.address}] shows {dev.row_text().strip() or '(blank)'!r}" \
               f" blink={dev.blink.name.lower()} brightness={dev.brightness}"
    if isinstance(dev, SimBoard):
        rows = " | ".join(r.strip() for r in dev.row_texts())
        return f"[{dev.address}] board {rows} blink={dev.blink.name.lower()}"
    return f"[{dev.address}] {dev.describe()}"


HELP = """commands: KEY or LEVEL (keypad: next recall skip finish transfer pause; rating box: 1..N)
  state | png FILE | fault no-reply|bad-crc|garbage N|slow S|duplicate|repeat N|clear
  unplug | replug (the device) | pull | plug (the adapter) | help | quit
  prefix `@ADDRESS ` to talk to one of several devices on the line"""


def _console(kind: str, line: Any, devices: list[Any], stop: threading.Event) -> None:
    by_address = {dev.address: dev for dev in devices}
    for raw in iter(sys.stdin.readline, ""):
        words = raw.split()
        target = devices[0]
        if words and words[0].startswith("@"):  # `@12 next`: the device at address 12
            head, words = words[0], words[1:]
            target = by_address.get(int(head[1:])) if head[1:].isdigit() else None
            if target is None:
                print(f"? no device at {head}", flush=True)
                continue
        if not words:
            continue
        try:
            if _command(kind, line, target, words) is False:
                return
        except (ValueError, IndexError) as exc:
            print(f"? {exc}", flush=True)
    # stdin closed (run in the background): keep simulating until interrupted
    while not stop.wait(3600):
        pass


def _command(kind: str, line: Any, dev: Any, words: list[str]) -> bool | None:
    cmd, rest = words[0].lower(), words[1:]
    faults = dev.faults
    actions: dict[str, Callable[[], object]] = {
        "quit": lambda: False,
        "exit": lambda: False,
        "help": lambda: print(HELP, flush=True),
        "state": lambda: print(_state(dev), flush=True),
        "png": lambda: (dev.save_png(rest[0]), print(f"wrote {rest[0]}", flush=True)),
        "unplug": dev.unplug,
        "replug": dev.replug,
        "pull": line.unplug,
        "plug": line.replug,
    }
    if cmd in actions:
        result = actions[cmd]()
        return False if result is False else None
    if cmd == "fault":
        what = rest[0].lower()
        if what == "no-reply":
            faults.no_reply = True
        elif what == "bad-crc":
            faults.bad_crc = True
        elif what == "garbage":
            faults.garbage = int(rest[1]) if len(rest) > 1 else 8
        elif what == "slow":
            faults.slow_reply_s = float(rest[1]) if len(rest) > 1 else 0.5
        elif what == "duplicate":
            faults.duplicate_reply = True
        elif what == "repeat":
            faults.repeat_event = int(rest[1]) if len(rest) > 1 else 1
        elif what == "clear":
            faults.clear()
        else:
            raise ValueError(f"unknown fault {what!r}; try `help`")
        print(f"faults: {faults}", flush=True)
        return None
    if kind == "keypad":
        ok = dev.press(cmd)
    elif kind == "rating-box":
        ok = dev.press(int(cmd))
        if not ok and not dev.armed:
            print("(the LED is off: the box takes no rating now)", flush=True)
    else:
        raise ValueError(f"unknown command {cmd!r}; try `help`")
    print(f"pressed {cmd}" + ("" if ok else " (not taken)"), flush=True)
    return None
