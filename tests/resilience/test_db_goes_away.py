"""PostgreSQL drops every connection of the hall (`pg_terminate_backend`, as a restart or a
failover does) while kiosks take tickets and counters call, on `layso serve --workers 2`.

What must hold: no 500 and no connection reset (a keep-alive connection stays usable after
any answer), every ticket acknowledged is in the database, whatever was not done is a 503
with Retry-After naming the cause, and afterwards exactly one process holds the scheduler's
lock and runs the scheduler."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psycopg
import pytest

from layso.servers import free_port, login, make_accounts, wait_http
from tests.support.wait import until

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "bench.toml"  # open all day, no per-kiosk limit to speak of
ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
PASSWORD = "mật-khẩu-thử-1"
DB_FAULTS = {"db_unavailable", "db_commit_unknown"}


class Burst:
    """Kiosks and officers on keep-alive connections, recording every answer."""

    def __init__(self, url: str, kiosks: list[str], officers: dict[int, str]) -> None:
        self.url = url
        self.kiosks = kiosks
        self.officers = officers
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.bad: list[str] = []  # anything but the answers allowed, with what it was
        self.tickets: dict[int, str] = {}  # acknowledged: id -> number

    def _note(self, what: str, r: httpx.Response, allowed: set[int]) -> None:
        with self.lock:
            self.statuses[(what, r.status_code)] += 1
            if r.status_code == 503:
                body = r.json()
                if body.get("error") not in DB_FAULTS or not r.headers.get("retry-after"):
                    self.bad.append(f"{what}: 503 {r.headers} {body}")
            elif r.status_code not in allowed:
                self.bad.append(f"{what}: {r.status_code} {r.text[:300]}")

    def _kiosk(self, token: str) -> None:
        with httpx.Client(base_url=self.url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as c:
            key = uuid.uuid4().hex
            while not self.stop.is_set():
                try:
                    r = c.post("/api/v1/tickets", json={"service": "HT"},
                               headers={"Idempotency-Key": key})
                except httpx.TransportError as exc:
                    with self.lock:
                        self.bad.append(f"ticket: connection {type(exc).__name__}: {exc}")
                    return
                self._note("ticket", r, {201})
                if r.status_code == 201:
                    with self.lock:
                        self.tickets[r.json()["id"]] = r.json()["number"]
                    key = uuid.uuid4().hex
                # after a 503 the kiosk asks again with the same key (as kiosk/client.py does)

    def _officer(self, counter: int, token: str) -> None:
        with httpx.Client(base_url=self.url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as c:
            while not self.stop.is_set():
                try:
                    r = c.post(f"/api/v1/counters/{counter}/next")
                    self._note("next", r, {200, 204, 409})
                    if r.status_code in (200, 409):
                        self._note("finish", c.post(f"/api/v1/counters/{counter}/finish"),
                                   {200, 409})
                except httpx.TransportError as exc:
                    with self.lock:
                        self.bad.append(f"next: connection {type(exc).__name__}: {exc}")
                    return

    def start(self) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._kiosk, args=(t,)) for t in self.kiosks]
        threads += [threading.Thread(target=self._officer, args=(n, t))
                    for n, t in self.officers.items()]
        for t in threads:
            t.start()
        return threads

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.tickets)


def _terminate_all(db_name: str) -> int:
    with psycopg.connect(ADMIN, autocommit=True) as c:
        return c.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()",
                         (db_name,)).fetchone()[0]


def _scheduler_holders(db_name: str) -> list[str]:
    """application_name of the backends holding an advisory lock in the hall's database
    ('layso scheduler PID': the server process's own id)."""
    with psycopg.connect(ADMIN, autocommit=True) as c:
        return [name for (name,) in c.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a "
            "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
            "AND a.datname = %s", (db_name,))]


def _workers(parent: int) -> set[int]:
    """The uvicorn worker processes of `layso serve` (not multiprocessing's helpers)."""
    found = set()
    with contextlib.suppress(OSError):
        for pid in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
            with contextlib.suppress(OSError):
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"resource_tracker" not in cmd:
                    found.add(int(pid))
    return found


@pytest.mark.postgres
def test_terminated_backends_give_no_500_no_reset_and_one_scheduler(pg_url, tmp_path):
    db_name = pg_url.rsplit("/", 1)[1]
    devices = [(f"k{i}", "kiosk", None) for i in range(3)]
    tokens = make_accounts(pg_url, CONFIG, devices=devices,
                           users=[("o1", "officer", PASSWORD), ("o2", "officer", PASSWORD)])
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "layso", "serve", "--config", str(CONFIG), "--db", pg_url,
             "--port", str(port), "--workers", "2", "--log-level", "warning"],
            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log,
            stderr=subprocess.STDOUT)
    threads: list[threading.Thread] = []
    burst = None
    try:
        wait_http(url, 60, proc=proc)
        workers = until(lambda: w if len(w := _workers(proc.pid)) == 2 else None,
                        "two worker processes")
        officers = {n: login(url, f"o{n}", PASSWORD, n) for n in (1, 2)}
        burst = Burst(url, [tokens[name] for name, *_ in devices], officers)
        threads = burst.start()
        for _ in range(3):
            seen = burst.acknowledged()
            until(lambda seen=seen: burst.bad or burst.acknowledged() >= seen + 20,
                  "tickets acknowledged between terminations", timeout=60)
            assert _terminate_all(db_name) > 0
        seen = burst.acknowledged()
        until(lambda: burst.bad or burst.acknowledged() >= seen + 20,
              "tickets after the last termination", timeout=60)
    finally:
        if burst is not None:
            burst.stop.set()
        for t in threads:
            t.join(timeout=60)
    try:
        print("answers:", dict(burst.statuses))
        assert not burst.bad, f"answers other than the allowed ones: {burst.bad[:10]}"
        # every acknowledged ticket is there, with its number
        with psycopg.connect(pg_url.replace("postgresql://", "postgresql://", 1)) as c:
            rows = dict(c.execute("SELECT id, number FROM ticket").fetchall())
        lost = {i: n for i, n in burst.tickets.items() if rows.get(i) != n}
        assert not lost, f"acknowledged tickets lost: {lost}"
        assert burst.statuses[("ticket", 201)] == len(burst.tickets)

        # exactly one process holds the scheduler lock, and it is the one that runs it
        def settled() -> tuple[int, dict[int, bool]] | None:
            holders = _scheduler_holders(db_name)
            if len(holders) != 1:
                return None
            holder = int(holders[0].rsplit(" ", 1)[1])
            runs: dict[int, bool] = {}
            for _ in range(40):  # a fresh connection each time: either worker may answer
                h = httpx.get(f"{url}/healthz", timeout=10).json()
                runs[h["pid"]] = h["scheduler"]
            if set(runs) != workers:
                return None
            return (holder, runs) if runs == {p: p == holder for p in workers} else None

        holder, runs = until(settled, "one scheduler, run by the process holding its lock",
                             timeout=60)
        assert holder in workers
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    log_text = log_path.read_text(errors="replace")
    assert "Exception in ASGI application" not in log_text
    assert "Traceback" not in log_text, log_text[-3000:]
