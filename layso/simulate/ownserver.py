"""The simulator's own server: `layso serve --fake-clock` as a child process on a free loopback
port, over a fresh SQLite file in a temporary folder, with the simulator's devices and an
admin registered first. Everything is removed when the run ends (unless kept for a look)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from contracts.hall_config import HallConfig
from layso.servers import ServerProcess, login
from layso.simulate.accounts import Accounts, accounts_from_tokens, register
from layso.simulate.hallfile import for_simulation, write_hall_file

KIOSKS = 4
SHM = Path("/dev/shm")


def default_folder() -> Path | None:
    """tmpfs for the throwaway database when it has room (no disk writes: the day measures
    the server's work, not the disk's fsync), else None (the system's temporary folder)."""
    try:
        if SHM.is_dir() and shutil.disk_usage(SHM).free > 512 * 2**20:
            return SHM
    except OSError:
        pass
    return None


@dataclass
class OwnServer:
    server: ServerProcess
    accounts: Accounts
    cfg: HallConfig  # the hall as this server runs it
    hall_file: Path
    db_url: str
    folder: Path

    @property
    def url(self) -> str:
        return self.server.url

    def client_for(self, token: str) -> httpx.Client:
        """A plain HTTP client with `token`, for a look at the server or a hand-made call."""
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {token}"})

    def restart(self, at: datetime) -> None:
        """Stop and start again with the clock at `at`: the server's housekeeping at start
        closes the days it slept through, as after a power cut."""
        self.server.stop()
        self.server = ServerProcess.spawn(self.db_url, self.hall_file,
                                          extra=["--fake-clock", at.isoformat()])


@contextlib.contextmanager
def own_server(cfg: HallConfig, start: datetime, *, folder: Path | None = None,
               wide_numbers: bool = False, keep: bool = False) -> Iterator[OwnServer]:
    """A fresh server for `cfg` whose clock starts at `start`. `folder`: where the temporary
    folder goes (default: `default_folder()`); `keep`: leave the database and hall file."""
    work = Path(tempfile.mkdtemp(prefix="layso-sim-", dir=folder or default_folder()))
    server: ServerProcess | None = None
    own: OwnServer | None = None
    try:
        served = for_simulation(cfg, wide_numbers=wide_numbers)
        hall_file = write_hall_file(served, work / "hall.toml")
        db_url = f"sqlite:///{work / 'sim.sqlite3'}"
        tokens, admin = register(db_url, hall_file, served, kiosks=KIOSKS)
        server = ServerProcess.spawn(db_url, hall_file, extra=["--fake-clock", start.isoformat()])
        assert admin is not None
        accounts = accounts_from_tokens(served, tokens, login(server.url, admin.username,
                                                              admin.password), KIOSKS)
        accounts.logins["admin"] = admin
        own = OwnServer(server, accounts, served, hall_file, db_url, work)
        yield own
    finally:
        running = own.server if own is not None else server
        if running is not None:
            running.stop()
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
