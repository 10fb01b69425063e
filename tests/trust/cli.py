"""Running `layso` commands from a test: in this process (fast, same code path from the
argument parser down) or as a real child process (the process boundary itself)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from dataclasses import dataclass

from layso.cli import main
from tests.support.live import ROOT


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def layso(*args: str, stdin: str = "") -> Result:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
                if isinstance(exc.code, str):
                    err.write(exc.code)
    finally:
        sys.stdin = old_stdin
    return Result(code, out.getvalue(), err.getvalue())


def layso_process(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "layso", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
