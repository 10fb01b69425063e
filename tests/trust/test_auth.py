"""Sign-in and tokens: lockout, per-address login limit, expiry, revocation, Argon2id, and
the kiosk's ticket limit."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from argon2 import PasswordHasher

from server.auth import LOCKOUT, MAX_FAILED, TOKEN_TTL
from server.clock import FakeClock
from tests.support.live import PASSWORD, LiveServer
from tests.trust.cli import layso
from tests.trust.roles import headers

START = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture
def clocked(tmp_path):
    """The demo hall on a fake clock the test moves."""
    clock = FakeClock(START)
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'h.sqlite3'}", clock=clock)
    live.clock = clock
    try:
        yield live
    finally:
        live.stop()


def _login(live: LiveServer, username: str, password: str, counter: int | None = None):
    return httpx.post(f"{live.url}/api/v1/auth/login", timeout=10,
                      json={"username": username, "password": password, "counter": counter})


def _me(live: LiveServer, token: str) -> int:
    return httpx.get(f"{live.url}/api/v1/auth/me", headers=headers(token), timeout=10).status_code



def test_lockout_after_failed_logins_refuses_even_the_right_password(clocked):
    live = clocked
    live.add_user("lan", "officer")
    for attempt in range(MAX_FAILED):
        r = _login(live, "lan", f"sai-{attempt}")
        assert r.status_code == 401 and r.json()["error"] == "login_failed"
        assert "Wrong username or password" in r.json()["detail"]
    locked = _login(live, "lan", PASSWORD, counter=1)
    assert locked.status_code == 429 and locked.json()["error"] == "locked_out"
    detail = locked.json()["detail"]
    assert "Tài khoản tạm khóa" in detail and "try again in 5 min" in detail, detail
    assert int(locked.headers["Retry-After"]) == LOCKOUT.total_seconds()
    assert "token" not in locked.json()
    # a wrong password while locked neither gets in nor extends the lock
    assert _login(live, "lan", "sai-nữa").status_code == 429
    live.clock.advance(LOCKOUT.total_seconds() - 60)
    still = _login(live, "lan", PASSWORD)
    assert still.status_code == 429 and "1 phút" in still.json()["detail"]
    assert int(still.headers["Retry-After"]) == 60
    live.clock.advance(61)
    r = _login(live, "lan", PASSWORD, counter=1)
    assert r.status_code == 200, r.text
    assert _me(live, r.json()["token"]) == 200


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(clocked):
    clocked.add_user("lan", "officer")
    wrong = _login(clocked, "lan", "sai")
    nobody = _login(clocked, "không-có-ai", "sai")
    assert (wrong.status_code, wrong.json()) == (nobody.status_code, nobody.json())


def test_login_attempts_are_limited_per_address(tmp_path):
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    try:
        # every attempt counts, even one refused before any password is checked (a counter
        # the hall does not have): this limit guards the address, not an account
        answers = [_login(live, f"khong-co-{i}", "x", counter=99).status_code
                   for i in range(30)]
        assert answers == [404] * 30
        r = _login(live, "khong-co-31", "x")
        assert r.status_code == 429 and r.json()["error"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "Too many login attempts" in r.json()["detail"]
        live.add_user("lan", "officer")
        assert _login(live, "lan", PASSWORD).status_code == 429  # even the right one, for now
    finally:
        live.stop()


def test_user_tokens_expire_device_tokens_do_not(clocked):
    live = clocked
    user = live.login("lan", counter=1)
    device = live.device_token("board-1", "display")
    live.clock.advance(TOKEN_TTL.total_seconds() - 1)
    assert _me(live, user) == 200
    live.clock.advance(2)
    assert _me(live, user) == 401
    r = httpx.get(f"{live.url}/api/v1/hall", headers=headers(user), timeout=10)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == "Bearer"
    # devices are revoked, not expired: a board must not go dark at 12 h
    assert _me(live, device) == 200


def test_logout_revokes_the_token_and_frees_the_counter(clocked):
    live = clocked
    lan = live.login("lan", counter=1)
    live.add_user("minh", "officer")
    held = _login(live, "minh", PASSWORD, counter=1)
    assert held.status_code == 409 and held.json()["error"] == "counter_held"
    assert httpx.post(f"{live.url}/api/v1/auth/logout", headers=headers(lan)).status_code == 200
    assert _me(live, lan) == 401
    assert httpx.post(f"{live.url}/api/v1/counters/1/next", headers=headers(lan)).status_code \
        == 401
    assert _login(live, "minh", PASSWORD, counter=1).status_code == 200


def test_a_manager_frees_a_counter_its_officer_left_signed_in(clocked):
    """The officer closed the tab and went home: the session would hold counter 1 for its
    12 hours. The manager releases it; the next officer signs in there."""
    live = clocked
    lan = live.login("lan", counter=1)
    lan_elsewhere = _login(live, "lan", PASSWORD).json()["token"]  # a session at no counter
    boss = live.client(live.login("quanly", role="manager"))
    live.add_user("minh", "officer")
    assert _login(live, "minh", PASSWORD, counter=1).status_code == 409

    assert boss.post("/api/v1/counters/1/release").json() == {
        "counter": 1, "label": "1", "officer": "lan", "sessions": 1}
    assert _me(live, lan) == 401
    assert _me(live, lan_elsewhere) == 200  # only the session bound to that counter
    assert next(c for c in boss.get("/api/v1/counters").json() if c["number"] == 1)[
        "officer"] is None
    minh = _login(live, "minh", PASSWORD, counter=1)
    assert minh.status_code == 200 and minh.json()["counter"] == 1
    # releasing a counter nobody holds is harmless; an unknown counter is 404, an officer 403
    assert boss.post("/api/v1/counters/3/release").json()["sessions"] == 0
    assert boss.post("/api/v1/counters/99/release").status_code == 404
    assert httpx.post(f"{live.url}/api/v1/counters/1/release",
                      headers=headers(minh.json()["token"])).status_code == 403


def test_cli_revokes_devices_and_users_on_a_running_server(clocked):
    live = clocked
    db = live.db_url
    kiosk = live.device_token("kiosk-1")
    lan_a = live.login("lan", counter=1)
    lan_b = _login(live, "lan", PASSWORD).json()["token"]  # a second session, no counter
    boss = live.login("quanly", role="manager")
    assert {_me(live, t) for t in (kiosk, lan_a, lan_b, boss)} == {200}

    r = layso("device", "revoke", "kiosk-1", "--db", db)
    assert r.returncode == 0, r.stderr
    t = httpx.post(f"{live.url}/api/v1/tickets", json={"service": "HT"}, headers=headers(kiosk))
    assert t.status_code == 401

    r = layso("user", "revoke", "lan", "--db", db)
    assert r.returncode == 0 and "2 session(s)" in r.stdout, r.stdout + r.stderr
    assert _me(live, lan_a) == 401 and _me(live, lan_b) == 401
    assert _me(live, boss) == 200  # only lan's sessions
    counters = httpx.get(f"{live.url}/api/v1/counters", headers=headers(boss)).json()
    assert all(c["officer"] != "lan" for c in counters)  # the counter no longer shows lan
    assert _login(live, "lan", PASSWORD).status_code == 200  # revoked, not banned

    r = layso("user", "disable", "quanly", "--db", db)
    assert r.returncode == 0, r.stderr
    assert _me(live, boss) == 401
    assert _login(live, "quanly", PASSWORD).status_code == 401


def test_passwords_are_argon2id_and_tokens_are_stored_only_hashed(clocked):
    live = clocked
    token = live.login("lan", counter=1)
    device = live.device_token("kiosk-1")
    path = live.db_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        (stored,) = conn.execute(
            "SELECT password_hash FROM user_account WHERE username = 'lan'").fetchone()
        hashes = {h for (h,) in conn.execute("SELECT token_hash FROM auth_token")}
        hashes |= {h for (h,) in conn.execute("SELECT token_hash FROM device")}
    assert stored.startswith("$argon2id$v=19$"), stored
    hasher = PasswordHasher()
    assert hasher.verify(stored, PASSWORD)
    assert not hasher.check_needs_rehash(stored), "hash parameters are older than the library's"
    assert PASSWORD not in stored
    for secret in (token, device):
        assert hashlib.sha256(secret.encode()).hexdigest() in hashes
    raw = b"".join(p.read_bytes() for p in Path(path).parent.glob("h.sqlite3*"))
    assert token.encode() not in raw and device.encode() not in raw
    assert PASSWORD.encode() not in raw


def test_a_password_with_surrounding_spaces_signs_in(clocked):
    clocked.add_user("hoa", "officer", password="  mật khẩu có dấu cách  ")  # as the CLI stores it
    assert _login(clocked, "hoa", "  mật khẩu có dấu cách  ").status_code == 200


def test_a_kiosk_gets_30_tickets_a_minute_then_429(tmp_path):
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    try:
        limit = live.cfg.queue.kiosk_per_minute
        kiosk = live.client(live.device_token("kiosk-1"))
        other = live.client(live.device_token("kiosk-2"))
        before = kiosk.get("/api/v1/services").json()
        answers = [kiosk.post("/api/v1/tickets", json={"service": "CT"}).status_code
                   for _ in range(limit)]
        assert answers == [201] * limit
        r = kiosk.post("/api/v1/tickets", json={"service": "CT"})
        assert r.status_code == 429 and r.json()["error"] == "rate_limited"
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert "Too many tickets from this kiosk" in r.json()["detail"]
        waiting = {s["code"]: s["waiting"] for s in kiosk.get("/api/v1/services").json()}
        assert waiting["CT"] == limit + {s["code"]: s["waiting"] for s in before}["CT"]
        # the refusal printed nothing and numbered nothing; another kiosk is not held back
        t = other.post("/api/v1/tickets", json={"service": "CT"})
        assert t.status_code == 201 and t.json()["number"] == f"3{limit + 1:03d}"
    finally:
        live.stop()
