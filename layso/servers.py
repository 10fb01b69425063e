"""Running `layso serve` as a child process on a free loopback port, with accounts made
through the same code as the CLI: used by the benchmark, the demo, the simulator and tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"server exited early (code {proc.returncode}): {err[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server at {url} did not answer within {timeout:.0f} s")


@dataclass
class ServerProcess:
    url: str
    db_url: str
    config: Path
    proc: subprocess.Popen
    port: int
    tokens: dict = field(default_factory=dict)

    @classmethod
    def spawn(cls, db_url: str, config: Path | str, *, port: int | None = None,
              extra: list[str] | None = None, quiet: bool = True) -> ServerProcess:
        port = port or free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "layso", "serve", "--config", str(config), "--db", db_url,
             "--port", str(port), "--log-level", "warning", *(extra or [])],
            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=subprocess.PIPE if quiet else None,
        )
        server = cls(url=f"http://127.0.0.1:{port}", db_url=db_url, config=Path(config),
                     proc=proc, port=port)
        wait_http(server.url, proc=proc)
        return server

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/hall"

    def rss_bytes(self) -> int:
        """Resident memory of the server and its worker processes."""
        pids = [self.proc.pid]
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


def make_accounts(db_url: str, config: Path | str, *, devices: list[tuple[str, str, int | None]],
                  users: list[tuple[str, str, str]]) -> dict[str, str]:
    """Devices (name, kind, counter) → tokens, and users (name, role, password) created in
    the hall's database directly (as `layso device add` / `layso user add` do)."""
    from contracts.api import DeviceKind, Role
    from contracts.hall_config import load_hall_config
    from server import auth
    from server.db.database import Database
    from server.hall import Hall

    hall = Hall(load_hall_config(config), Database(db_url))
    hall.setup()
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}

    def make(s) -> None:
        for name, kind, counter in devices:
            _, tokens[name] = auth.add_device(s, name, DeviceKind(kind), counter, now)
        for name, role, password in users:
            auth.add_user(s, name, Role(role), password, now)

    try:
        hall.db.write(make)
    finally:
        hall.db.dispose()
    return tokens


def login(url: str, username: str, password: str, counter: int | None = None) -> str:
    r = httpx.post(f"{url}/api/v1/auth/login",
                   json={"username": username, "password": password, "counter": counter},
                   timeout=30)
    r.raise_for_status()
    return r.json()["token"]
