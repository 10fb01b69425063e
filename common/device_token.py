"""How the board and the kiosk are given their device token without showing it to everyone.

A process's command line is public on the machine (`ps`, /proc/PID/cmdline): a token passed as
`--token` can be read by every local user. So the token comes from an environment variable
(only the process's owner and root read /proc/PID/environ) or from a file the owner keeps at
mode 0600 (`--token-file`); `--token` still works, with a warning.
"""

from __future__ import annotations

import argparse
import logging
import os
import stat
import sys
from pathlib import Path

log = logging.getLogger("layso.device_token")


class TokenError(ValueError):
    """A token file that cannot be used; the message says why, for the person at the box."""


def add_token_options(parser: argparse.ArgumentParser, env: str, kind: str) -> None:
    """`--token` (kept, warns) and `--token-file`, one or the other; the token's default is
    the environment variable `env`, read by `resolve_token`, not here."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--token", metavar="T",
                       help=f"this {kind}'s device token. Avoid it: every user of the machine "
                       f"sees it in `ps`; use env {env} or --token-file instead")
    group.add_argument("--token-file", type=Path, metavar="PATH",
                       help="a file holding the device token (its first line; keep it mode "
                       "0600, owned by the user the app runs as)")


def resolve_token(args: argparse.Namespace, env: str, prog: str) -> str | None:
    """The token from `--token` (with a warning on stderr and in the log), `--token-file`, or
    the environment variable `env`, in that order; None when none is given."""
    if args.token:
        message = (f"{prog}: warning: --token shows the device token to every user of this "
                   f"machine (ps, /proc); set {env} or use --token-file PATH (mode 0600)")
        print(message, file=sys.stderr)
        log.warning("%s", message.removeprefix(f"{prog}: warning: "))
        return args.token
    if args.token_file is not None:
        return read_token_file(args.token_file, prog)
    return os.environ.get(env) or None


def read_token_file(path: Path, prog: str) -> str:
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except OSError as exc:
        raise TokenError(f"cannot read the token file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise TokenError(f"the token file {path} is not text") from None
    lines = text.strip().splitlines()
    token = lines[0].strip() if lines else ""
    if not token:
        raise TokenError(f"the token file {path} is empty")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(f"{prog}: warning: the token file {path} is readable by other users "
              f"(mode {stat.S_IMODE(mode):o}); chmod 600 it", file=sys.stderr)
    return token


def write_token_file(path: Path, token: str) -> Path:
    """Writes `token` to `path` at mode 0600 (made so from the start: never readable by others
    even for a moment), for a program that starts a board or kiosk (the demo)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file keeps its mode through O_CREAT
        os.write(fd, f"{token}\n".encode())
    finally:
        os.close(fd)
    return path
