"""`layso user add USERNAME --role R --password-stdin`, `layso user list`,
`layso user revoke USERNAME` (signs out every session), `layso user disable USERNAME`."""

from __future__ import annotations

import argparse
import sys

from contracts.api import Role
from server.cli.common import open_hall
from server.cli.options import add_data_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="add a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--password-stdin", action="store_true", required=True,
                     help="read the password from standard input (first line)")
    add.add_argument("--full-name", default="")
    add_data_options(add)
    for name, text in (("list", "list users"), ("revoke", "sign out all of a user's sessions"),
                       ("disable", "disable a user"), ("enable", "enable a user")):
        p = sub.add_parser(name, help=text)
        if name != "list":
            p.add_argument("username")
        add_data_options(p)


def run(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from server import auth
    from server.db.models import User
    from server.engine.errors import EngineError

    hall = open_hall(args)
    now = hall.clock.now()
    if args.action == "add":
        password = sys.stdin.readline().rstrip("\r\n")
        if len(password) < 8:
            print("layso user add: the password must have at least 8 characters",
                  file=sys.stderr)
            return 2
        if not args.username.strip() or len(args.username) > 64:
            print("layso user add: give a username of 1–64 characters", file=sys.stderr)
            return 2
        try:
            hall.db.write(lambda s: auth.add_user(s, args.username, Role(args.role), password,
                                                  now, args.full_name))
        except EngineError as exc:
            print(f"layso user add: {exc.message}", file=sys.stderr)
            return 1
        print(f"user {args.username} added ({args.role})")
        return 0
    if args.action == "list":
        for u in hall.db.read(lambda s: list(s.exec(select(User).order_by(User.username)))):
            print(f"{u.username}\t{u.role}\t{'active' if u.active else 'disabled'}")
        return 0
    if args.action == "revoke":
        n = hall.db.write(lambda s: auth.revoke_user_tokens(s, args.username))
        if n < 0:
            print(f"layso user revoke: no user {args.username!r}", file=sys.stderr)
            return 1
        print(f"{n} session(s) of {args.username} revoked")
        return 0

    def set_active(s) -> bool:
        u = s.exec(select(User).where(User.username == args.username)).first()
        if u is None:
            return False
        u.active = args.action == "enable"
        return True

    if not hall.db.write(set_active):
        print(f"layso user {args.action}: no user {args.username!r}", file=sys.stderr)
        return 1
    print(f"user {args.username} {args.action}d")
    return 0
