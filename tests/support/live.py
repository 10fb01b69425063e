"""A real server for tests: uvicorn on a loopback port, in a thread (so a test can hold the
fake clock) or as a separate process (so a test can kill it)."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from contracts.api import DeviceKind, Role
from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config
from layso.servers import ServerProcess, wait_http
from server import auth
from server.app import create_app
from server.clock import Clock
from tests.support.app_server import AppServer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mật-khẩu-thử-1"


def postgres_url() -> str | None:
    """A new empty schema-less database on the local PostgreSQL, or None if unreachable."""
    try:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres",
                             autocommit=True, connect_timeout=2) as conn:
            name = f"layso_t_{uuid.uuid4().hex[:10]}"
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:5432/{name}"
    except Exception:
        return None


def drop_postgres(url: str) -> None:
    """Drops a database made by `postgres_url` (a test run leaves no databases behind);
    FORCE ends the connections a killed server process may have left."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    assert name.startswith("layso_t_"), f"refusing to drop {name!r}: not a test database"
    with psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres",
                         autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class LiveServer:
    url: str
    db_url: str
    cfg: HallConfig
    app: object = None
    app_server: AppServer | None = None  # the in-thread uvicorn of `start`
    process: subprocess.Popen | None = None
    _tokens: dict = field(default_factory=dict)

    @classmethod
    def start(cls, db_url: str, config: Path | str = DEFAULT_CONFIG, clock: Clock | None = None,
              cfg: HallConfig | None = None, uvicorn: dict | None = None,
              **app_kw) -> LiveServer:
        cfg = cfg or load_hall_config(config)
        app = create_app(cfg, db_url, clock, **app_kw)
        return cls.serve(app, db_url, cfg, **(uvicorn or {}))

    @classmethod
    def serve(cls, app: object, db_url: str, cfg: HallConfig, port: int | None = None,
              tokens: dict | None = None, **uvicorn_kw: object) -> LiveServer:
        """`app` under uvicorn in a thread; a fixed `port` restarts a server in place;
        `uvicorn_kw` goes to uvicorn's Config (e.g. `http=` the protocol `layso serve` uses)."""
        app_server = AppServer(app, port=port, log_level="warning", **uvicorn_kw)
        app_server.start()
        live = cls(url=app_server.url, db_url=db_url, cfg=cfg, app=app, app_server=app_server,
                   _tokens=tokens if tokens is not None else {})
        live.wait_ready()
        return live

    @classmethod
    def spawn(cls, db_url: str, config: Path | str = DEFAULT_CONFIG, port: int | None = None,
              extra: list[str] | None = None) -> LiveServer:
        """`layso serve` as its own process (for SIGKILL tests and multi-process setups)."""
        child = ServerProcess.spawn(db_url, config, port=port, extra=extra)
        return cls(url=child.url, db_url=db_url, cfg=load_hall_config(config),
                   process=child.proc)

    def wait_ready(self, timeout: float = 30) -> None:
        wait_http(self.url, timeout, proc=self.process)

    def stop(self) -> None:
        if self.app_server is not None:
            self.app_server.stop(timeout=10)
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws/hall"

    # Accounts, straight into the database (the CLI does the same; tests of the CLI are
    # elsewhere).
    def _db(self):
        from server.db.database import Database

        return Database(self.db_url)

    def device_token(self, name: str, kind: str = "kiosk", counter: int | None = None) -> str:
        key = (name, kind, counter)
        if key not in self._tokens:
            from datetime import UTC, datetime

            db = self._db()
            try:
                _, token = db.write(lambda s: auth.add_device(s, name, DeviceKind(kind), counter,
                                                              datetime.now(UTC)))
            finally:
                db.dispose()
            self._tokens[key] = token
        return self._tokens[key]

    def add_user(self, username: str, role: str = "officer", password: str = PASSWORD) -> None:
        from datetime import UTC, datetime

        db = self._db()
        try:
            db.write(lambda s: auth.add_user(s, username, Role(role), password,
                                             datetime.now(UTC)))
        finally:
            db.dispose()

    def login(self, username: str, counter: int | None = None, role: str = "officer") -> str:
        key = ("user", username, counter)
        if key not in self._tokens:
            with contextlib.suppress(Exception):
                self.add_user(username, role)
            r = httpx.post(f"{self.url}/api/v1/auth/login",
                           json={"username": username, "password": PASSWORD, "counter": counter})
            r.raise_for_status()
            self._tokens[key] = r.json()["token"]
        return self._tokens[key]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)
