"""`layso device add NAME --kind K [--counter N]` prints the token once, as the last line;
`layso device list`; `layso device revoke NAME`."""

from __future__ import annotations

import argparse
import sys

from contracts.api import DeviceKind
from server.cli.common import open_hall
from server.cli.options import add_data_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="register a device and print its token once")
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=[k.value for k in DeviceKind])
    add.add_argument("--counter", type=int, help="the counter a rating or keypad belongs to")
    add_data_options(add)
    ls = sub.add_parser("list", help="list devices")
    add_data_options(ls)
    rv = sub.add_parser("revoke", help="revoke a device's token")
    rv.add_argument("name")
    add_data_options(rv)


def run(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from server import auth
    from server.db.models import Device
    from server.engine.errors import EngineError

    hall = open_hall(args)
    if args.action == "add":
        if args.kind in ("rating", "keypad") and args.counter is None:
            print(f"layso device add: a {args.kind} device belongs to a counter: give "
                  "--counter N", file=sys.stderr)
            return 2
        if args.counter is not None and hall.cfg.counter(args.counter) is None:
            print(f"layso device add: no counter {args.counter} in {args.config}",
                  file=sys.stderr)
            return 2
        if not args.name.strip() or len(args.name) > 64:
            print("layso device add: give a name of 1–64 characters", file=sys.stderr)
            return 2
        try:
            _, token = hall.db.write(lambda s: auth.add_device(
                s, args.name, DeviceKind(args.kind), args.counter, hall.clock.now()))
        except EngineError as exc:
            print(f"layso device add: {exc.message}", file=sys.stderr)
            return 1
        where = f" at counter {args.counter}" if args.counter is not None else ""
        print(f"device {args.name} ({args.kind}{where}) added; its token is shown once:")
        print(token)
        return 0
    if args.action == "list":
        rows = hall.db.read(lambda s: list(s.exec(select(Device).order_by(Device.name))))
        for d in rows:
            print(f"{d.name}\t{d.kind}\t{d.counter or ''}\t{'active' if d.active else 'revoked'}")
        return 0
    if not hall.db.write(lambda s: auth.revoke_device(s, args.name)):
        print(f"layso device revoke: no device {args.name!r}", file=sys.stderr)
        return 1
    print(f"device {args.name} revoked")
    return 0
