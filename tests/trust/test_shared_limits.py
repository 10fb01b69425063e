"""Rate limits counted in the database hold across server processes (issue 12 §4).

`layso serve --workers 2` used to keep one window per process: one kiosk got 57 tickets in
seconds against 30 a minute, one address 53 sign-in attempts against 30. Here the same
limits are driven through two processes on one database — PostgreSQL's `--workers 2`, and on
SQLite two `layso serve` on one file — with each request's process known, and the limiter
itself against two separate engines on one database.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from layso.servers import ServerProcess, free_port, make_accounts, wait_http
from server.auth import MAX_FAILED
from server.db.database import Database
from server.db.faults import StoreUnavailable
from server.hall import Hall
from server.ratelimit import LimitStore, SharedLimit
from tests.support.live import PASSWORD, ROOT, LiveServer
from tests.support.wait import until

LIMIT = 30  # queue.kiosk_per_minute of the demo hall, and the sign-in limit per address


def _hall_db(url: str) -> Database:
    db = Database(url)
    Hall(load_hall_config(DEFAULT_CONFIG), db).setup()
    return db


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    else:
        yield request.getfixturevalue("pg_url")


# --- the limiter on its own: two engines, one database --------------------------------------

def test_two_stores_on_one_database_share_one_window(db_url):
    """Two `Database` objects (two engines, two pools: as two processes have) count into one
    window: hits alternate between them and the 31st is refused by either."""
    a, b = _hall_db(db_url), Database(db_url)
    try:
        one, two = LimitStore(a), LimitStore(b)
        t0 = 1_000_000.0
        verdicts = [(one if i % 2 else two).hit("kiosk", "7", LIMIT, 60, now=t0 + i / 10)
                    for i in range(LIMIT)]
        assert all(v.allowed for v in verdicts)
        refused = one.hit("kiosk", "7", LIMIT, 60, now=t0 + 10)
        assert not refused.allowed and refused.retry_after == 50  # the window opened at t0
        assert not two.hit("kiosk", "7", LIMIT, 60, now=t0 + 59.5).allowed
        assert two.hit("kiosk", "8", LIMIT, 60, now=t0 + 10).allowed  # another kiosk
        assert two.hit("login", "7", LIMIT, 60, now=t0 + 10).allowed  # another limit
        # the window ends 60 s after its first hit; the next hit opens a new one
        assert one.hit("kiosk", "7", LIMIT, 60, now=t0 + 60).allowed
        assert all(two.hit("kiosk", "7", LIMIT, 60, now=t0 + 61).allowed
                   for _ in range(LIMIT - 1))
        assert not one.hit("kiosk", "7", LIMIT, 60, now=t0 + 62).allowed
    finally:
        a.dispose()
        b.dispose()


def test_hits_at_once_from_two_engines_allow_exactly_the_limit(db_url):
    """Eight threads on two engines hit one kiosk's window together: exactly 30 get through
    (one statement per hit: no read-then-write for two processes to interleave)."""
    from concurrent.futures import ThreadPoolExecutor

    a, b = _hall_db(db_url), Database(db_url)
    try:
        stores = [LimitStore(a), LimitStore(b)]
        now = 3_000_000.0

        def burst(i: int) -> int:
            store = stores[i % 2]
            return sum(store.hit("kiosk", "9", LIMIT, 60, now=now + j / 1000).allowed
                       for j in range(12))

        with ThreadPoolExecutor(8) as pool:
            allowed = sum(pool.map(burst, range(8)))
        assert allowed == LIMIT  # of 96 hits
    finally:
        a.dispose()
        b.dispose()


def test_a_burst_is_refused_at_31_wherever_it_falls_on_the_clock(db_url):
    """The window is anchored at the first hit, not at clock minutes: 20 hits at :59 and 10 at
    :00 of the next minute are one window."""
    db = _hall_db(db_url)
    try:
        store = LimitStore(db)
        t0 = 6_000_000.0 + 59  # 59 s past a minute
        assert all(store.hit("kiosk", "k", LIMIT, 60, now=t0 + i * 0.02).allowed
                   for i in range(20))
        assert all(store.hit("kiosk", "k", LIMIT, 60, now=t0 + 1 + i * 0.02).allowed
                   for i in range(10))
        assert not store.hit("kiosk", "k", LIMIT, 60, now=t0 + 2).allowed
    finally:
        db.dispose()


def test_housekeeping_prunes_expired_windows_a_bounded_batch_at_a_time(db_url):
    db = _hall_db(db_url)
    try:
        store = LimitStore(db)
        now = 9_000_000.0
        for i in range(7):
            store.hit("login", f"10.0.0.{i}", LIMIT, 60, now=now - 7200)
        store.hit("login", "10.0.0.99", LIMIT, 60, now=now - 10)
        assert store.prune(now=now, batch=5) == 5
        assert store.prune(now=now, batch=5) == 2
        assert store.prune(now=now, batch=5) == 0
        with db.engine.connect() as conn:
            left = conn.execute(text("SELECT subject FROM rate_limit")).scalars().all()
        assert left == ["10.0.0.99"]  # the live window stays
    finally:
        db.dispose()


def test_a_database_fault_refuses_the_request_instead_of_letting_it_through(tmp_path):
    """Failing open would make the limit vanish exactly when the database struggles: a
    limiter that cannot reach its database answers the ticket 503 `db_unavailable`, as every
    request the database cannot serve is answered, and nothing is numbered."""
    port = free_port()  # nothing listens there: the connection is refused
    unreachable = Database(f"postgresql://postgres@127.0.0.1:{port}/layso")
    with pytest.raises(StoreUnavailable):
        LimitStore(unreachable).hit("kiosk", "1", LIMIT, 60)
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    try:
        kiosk = live.client(live.device_token("k1"))
        assert kiosk.post("/api/v1/tickets", json={"service": "CT"}).status_code == 201
        live.app.state.kiosk_limiter = SharedLimit(LimitStore(unreachable), "kiosk", LIMIT)
        r = kiosk.post("/api/v1/tickets", json={"service": "CT"})
        assert r.status_code == 503 and r.json()["error"] == "db_unavailable", r.text
        assert "Retry-After" in r.headers
        waiting = {s["code"]: s["waiting"] for s in kiosk.get("/api/v1/services").json()}
        assert waiting["CT"] == 1
    finally:
        live.stop()
        unreachable.dispose()


# --- two real server processes on one database ---------------------------------------------

class Pinned:
    """A keep-alive connection to one server process, and which process that is."""

    def __init__(self, url: str, token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=30)

    def pid(self) -> int:
        return self.client.get("/healthz").json()["pid"]

    def post(self, path: str, body: dict) -> tuple[httpx.Response, int | None]:
        """The answer, and the process that gave it: the same process answered `/healthz`
        just before and just after on this connection (None if the connection was remade in
        between and landed elsewhere, which keep-alive makes unlikely)."""
        before = self.pid()
        r = self.client.post(path, json=body)
        return r, (before if self.pid() == before else None)

    def close(self) -> None:
        self.client.close()


def _one_per_process(urls: list[str], token: str | None = None) -> list[Pinned]:
    """Two connections, each to a different one of the two processes (uvicorn's workers share
    one listening socket: fresh connections are tried until both have answered; a connection
    idle past the keep-alive time may be remade, so the choice is checked again at the end)."""
    found: dict[int, Pinned] = {}

    def more() -> list[Pinned] | None:
        for url in urls:
            p = Pinned(url, token)
            pid = p.pid()
            if pid in found:
                p.close()
            else:
                found[pid] = p
        current = {pin.pid(): pin for pin in found.values()}
        if len(current) >= 2:
            return list(current.values())[:2]
        return None

    return until(more, "a connection to each of the two server processes", timeout=60,
                 every=0)


@contextlib.contextmanager
def _two_processes(db_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """PostgreSQL: `layso serve --workers 2` (one URL). SQLite, which takes no `--workers`:
    two `layso serve` on one database file (the second without the scheduler)."""
    if db_url.startswith("sqlite"):
        first = ServerProcess.spawn(db_url, DEFAULT_CONFIG)
        second = ServerProcess.spawn(db_url, DEFAULT_CONFIG, extra=["--no-scheduler"])
        try:
            yield [first.url, second.url]
        finally:
            second.stop()
            first.stop()
        return
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "serve.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "layso", "serve", "--config", str(DEFAULT_CONFIG), "--db",
             db_url, "--port", str(port), "--workers", "2", "--log-level", "warning"],
            cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log,
            stderr=subprocess.STDOUT)
    try:
        wait_http(url, 60, proc=proc)
        yield [url]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_31st_ticket_from_one_kiosk_is_refused_across_processes(db_url, tmp_path):
    tokens = make_accounts(db_url, DEFAULT_CONFIG, devices=[("k1", "kiosk", None),
                                                            ("k2", "kiosk", None)], users=[])
    with _two_processes(db_url, tmp_path) as urls:
        pins = _one_per_process(urls, tokens["k1"])
        try:
            served_by: set[int | None] = set()
            for i in range(LIMIT):  # alternately through each process
                r, pid = pins[i % 2].post("/api/v1/tickets", {"service": "CT"})
                assert r.status_code == 201, (i, r.text)
                served_by.add(pid)
            assert len(served_by - {None}) == 2, f"both processes issued tickets: {served_by}"
            refused_by: set[int | None] = set()
            for pin in pins:  # the 31st, through either process
                r, pid = pin.post("/api/v1/tickets", {"service": "CT"})
                assert r.status_code == 429 and r.json()["error"] == "rate_limited", r.text
                detail = r.json()["detail"]
                assert "Ki-ốt lấy số quá nhanh" in detail
                assert "Too many tickets from this kiosk" in detail
                assert 1 <= int(r.headers["Retry-After"]) <= 60
                refused_by.add(pid)
            assert len(refused_by - {None}) == 2, f"both processes refused: {refused_by}"
            # nothing numbered for the refusals; another kiosk is not held back
            other = httpx.post(f"{urls[0]}/api/v1/tickets", json={"service": "CT"},
                               headers={"Authorization": f"Bearer {tokens['k2']}"}, timeout=30)
            assert other.status_code == 201 and other.json()["number"] == f"3{LIMIT + 1:03d}"
        finally:
            for pin in pins:
                pin.close()


def test_sign_in_limits_and_lockout_hold_across_processes(db_url, tmp_path):
    make_accounts(db_url, DEFAULT_CONFIG, devices=[], users=[("lan", "officer", PASSWORD)])
    with _two_processes(db_url, tmp_path) as urls:
        pins = _one_per_process(urls)
        try:
            # the account's lockout: 5 wrong passwords spread over both processes lock it
            # for both
            for i in range(MAX_FAILED):
                r, _ = pins[i % 2].post("/api/v1/auth/login",
                                        {"username": "lan", "password": f"sai-{i}"})
                assert r.status_code == 401, r.text
            locked_by: set[int | None] = set()
            for pin in pins:
                r, pid = pin.post("/api/v1/auth/login",
                                  {"username": "lan", "password": PASSWORD})
                assert r.status_code == 429 and r.json()["error"] == "locked_out", r.text
                locked_by.add(pid)
            assert len(locked_by - {None}) == 2, f"both processes locked it: {locked_by}"
            # the address's limit: 30 attempts in all (those above included), then refused
            # by either process before any password is checked
            used = MAX_FAILED + 2
            served_by: set[int | None] = set()
            for i in range(LIMIT - used):
                r, pid = pins[i % 2].post("/api/v1/auth/login",
                                          {"username": f"khong-co-{i}", "password": "x",
                                           "counter": 99})
                assert r.status_code == 404, (i, r.text)
                served_by.add(pid)
            assert len(served_by - {None}) == 2, f"both processes answered: {served_by}"
            refused_by: set[int | None] = set()
            for pin in pins:
                r, pid = pin.post("/api/v1/auth/login",
                                  {"username": "lan", "password": PASSWORD})
                assert r.status_code == 429 and r.json()["error"] == "rate_limited", r.text
                assert "Too many login attempts" in r.json()["detail"]
                refused_by.add(pid)
            assert len(refused_by - {None}) == 2, f"both processes refused: {refused_by}"
        finally:
            for pin in pins:
                pin.close()


def test_a_limit_counts_in_a_worker_thread_off_the_event_loop(tmp_path):
    """`SharedLimit.hit` is awaitable and gives the same verdicts as `check`."""
    import anyio

    db = _hall_db(f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    try:
        limit = SharedLimit(LimitStore(db), "kiosk", 2, 60)

        async def main() -> list[bool]:
            return [(await limit.hit(5)).allowed for _ in range(3)]

        assert anyio.run(main) == [True, True, False]
    finally:
        db.dispose()



def test_the_minutes_housekeeping_prunes_the_limits(tmp_path):
    """The scheduler's run deletes expired windows (through the hall's limit store, made by
    the app), besides its queue work."""
    from server.app import create_app
    from server.scheduler import _housekeeping

    app = create_app(load_hall_config(DEFAULT_CONFIG), f"sqlite:///{tmp_path / 'h.sqlite3'}")
    hall = app.state.hall
    try:
        hall.setup()
        assert hall.limits is not None
        hall.limits.hit("kiosk", "old", LIMIT, 60, now=time.time() - 7200)
        hall.limits.hit("kiosk", "new", LIMIT, 60)
        _housekeeping(hall)
        with hall.db.engine.connect() as conn:
            left = conn.execute(text("SELECT subject FROM rate_limit")).scalars().all()
        assert left == ["new"]
    finally:
        hall.db.dispose()
