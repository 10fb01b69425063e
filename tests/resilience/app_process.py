"""A hall app (`layso kiosk`, `layso display`) as its own headless process, for the tests
that kill one with SIGKILL mid-work and start it again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class AppProcess:
    """`layso ARGS…` headless, its output appended to `log`; `text()` is this run's part."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str]) -> None:
        full_env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
                    "PYGAME_HIDE_SUPPORT_PROMPT": "1", "PYTHONUNBUFFERED": "1", **env}
        self.log = log
        self.start_at = log.stat().st_size if log.exists() else 0
        with log.open("a") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "layso", *args], cwd=ROOT,
                                         env=full_env, stdout=out, stderr=subprocess.STDOUT)

    def text(self) -> str:
        with self.log.open("rb") as f:
            f.seek(self.start_at)
            return f.read().decode("utf-8", "replace")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode
