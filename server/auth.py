"""Who is calling: users (officer, manager, admin) and devices (kiosk, display, rating,
keypad), by bearer token. Passwords are hashed with Argon2id; tokens are random, URL-safe,
and stored only as SHA-256 (they are high-entropy, so a slow KDF adds nothing there).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlmodel import select

from contracts.api import DeviceKind, Role
from server.db.models import AuthToken, Counter, Device, User
from server.engine.errors import CounterHeld, EngineError

_hasher = PasswordHasher()
TOKEN_TTL = timedelta(hours=12)
MAX_FAILED = 5
LOCKOUT = timedelta(minutes=5)


class LoginFailed(EngineError):
    code = "login_failed"
    status = 401


class LockedOut(EngineError):
    code = "locked_out"
    status = 429


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" or "device"
    role: str  # officer/manager/admin or kiosk/display/rating/keypad
    name: str
    user_id: int | None = None
    device_id: int | None = None
    counter: int | None = None
    token_id: int | None = None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = hash_password("layso-timing-equaliser")


def resolve(s: Session, token: str, now: datetime) -> Principal | None:
    if not token or len(token) > 200:
        return None
    h = token_hash(token)
    dev = s.exec(select(Device).where(Device.token_hash == h)).first()
    if dev is not None:
        if not dev.active:
            return None
        return Principal("device", dev.kind, dev.name, device_id=dev.id, counter=dev.counter)
    tok = s.exec(select(AuthToken).where(AuthToken.token_hash == h)).first()
    if tok is None or tok.revoked or tok.expires_at <= now:
        return None
    user = s.get(User, tok.user_id)
    if user is None or not user.active:
        return None
    return Principal("user", user.role, user.username, user_id=user.id, counter=tok.counter,
                     token_id=tok.id)


# ---------------------------------------------------------------------------------------------
# Resolving tokens on every request, cheaply.
#
# Every API request resolves its bearer token. Doing it as an ORM read in a worker thread cost
# a thread hop and ~1 ms of Python per request. A running server resolves through
# `TokenResolver` instead:
# - SQLite: one indexed lookup on a dedicated connection, on the event loop itself (tens of
#   microseconds; WAL readers never wait for the writer). Always read fresh, so a revocation
#   from any process (the `layso device revoke` CLI included) takes effect on the next request.
# - PostgreSQL (several processes): the lookup runs in a worker thread and a resolved token is
#   kept for at most CACHE_TTL_S. A change to a device, user or login token made by this
#   process forgets every cached token at once (`forget_tokens`, called from the session hooks
#   below, both at flush and after the commit); one made by another process is seen within
#   CACHE_TTL_S. Unknown tokens are never cached, so a device added meanwhile works at once.
# ---------------------------------------------------------------------------------------------

CACHE_TTL_S = 1.0
_generation = 0
_generation_lock = threading.Lock()


def forget_tokens() -> None:
    """Drop every token resolved and cached in this process (revocation, logout, disable)."""
    global _generation
    with _generation_lock:
        _generation += 1


def _touches_accounts(s: Session) -> bool:
    return any(isinstance(o, (Device, User, AuthToken))
               for o in (*s.dirty, *s.deleted))


@event.listens_for(Session, "before_flush")
def _accounts_flushing(s: Session, _ctx, _instances) -> None:
    if _touches_accounts(s):
        s.info["layso_accounts_changed"] = True
        forget_tokens()


@event.listens_for(Session, "after_commit")
def _accounts_committed(s: Session) -> None:
    # Again after the commit: a request that read the old row between the flush and the
    # commit must not keep what it read (the generation check in TokenResolver refuses it).
    if s.info.pop("layso_accounts_changed", False):
        forget_tokens()


@event.listens_for(Session, "after_rollback")
def _accounts_rolled_back(s: Session) -> None:
    s.info.pop("layso_accounts_changed", None)


_DEVICE_SQL = "SELECT id, kind, name, counter, active FROM device WHERE token_hash = :h"
_TOKEN_SQL = ("SELECT t.id, t.counter, t.expires_at, t.revoked, u.id, u.role, u.username, "
              "u.active FROM auth_token t JOIN user_account u ON u.id = t.user_id "
              "WHERE t.token_hash = :h")
_TEXT = {_DEVICE_SQL: text(_DEVICE_SQL), _TOKEN_SQL: text(_TOKEN_SQL)}


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class _Resolved:
    principal: Principal
    expires_at: datetime | None  # a user token's expiry; devices do not expire


def _resolve_rows(execute, h: str) -> _Resolved | None:
    """The same rules as `resolve`, over plain rows (`execute(sql, params)` → first row)."""
    dev = execute(_DEVICE_SQL, {"h": h})
    if dev is not None:
        dev_id, kind, name, counter, active = dev
        if not active:
            return None
        return _Resolved(Principal("device", kind, name, device_id=dev_id, counter=counter),
                         None)
    tok = execute(_TOKEN_SQL, {"h": h})
    if tok is None:
        return None
    tok_id, counter, expires_at, revoked, user_id, role, username, active = tok
    if revoked or not active:
        return None
    return _Resolved(Principal("user", role, username, user_id=user_id, counter=counter,
                               token_id=tok_id), _utc(expires_at))


class TokenResolver:
    """Bearer token → Principal for a running server (see the comment above)."""

    def __init__(self, db_url: str, *, is_sqlite: bool) -> None:
        self._conn: sqlite3.Connection | None = None
        # token hash → (monotonic deadline, generation, what it resolved to): hashes, so no
        # token is kept in memory longer than its request
        self._cache: dict[str, tuple[float, int, _Resolved]] = {}
        if is_sqlite:
            path = make_url(db_url).database
            if path and path != ":memory:" and not path.startswith("file:"):
                # autocommit: every SELECT reads the latest commit; `query_only` because this
                # connection must never write (it runs on the event loop).
                self._conn = sqlite3.connect(path, timeout=5, isolation_level=None,
                                             check_same_thread=False)
                self._conn.execute("PRAGMA query_only=ON")

    @property
    def inline(self) -> bool:
        """Whether `lookup` is cheap enough to run on the event loop (SQLite)."""
        return self._conn is not None

    def _sqlite_row(self, sql: str, params: dict) -> tuple | None:
        return self._conn.execute(sql, params).fetchone()

    def lookup_inline(self, token: str, now: datetime) -> Principal | None:
        """SQLite only: resolve now, from the database, without a thread."""
        if not token or len(token) > 200:
            return None
        r = _resolve_rows(self._sqlite_row, token_hash(token))
        if r is None or (r.expires_at is not None and r.expires_at <= now):
            return None
        return r.principal

    def cached(self, token: str, now: datetime) -> Principal | None:
        """A token resolved less than CACHE_TTL_S ago and not forgotten since (PostgreSQL)."""
        if not token or len(token) > 200:
            return None
        h = token_hash(token)
        hit = self._cache.get(h)
        if hit is None:
            return None
        until, gen, r = hit
        if gen != _generation or until <= time.monotonic():
            self._cache.pop(h, None)
            return None
        if r.expires_at is not None and r.expires_at <= now:
            return None
        return r.principal

    def lookup_session(self, s: Session, token: str, now: datetime) -> Principal | None:
        """Resolve through a session (worker thread) and remember a positive answer."""
        if not token or len(token) > 200:
            return None
        gen = _generation  # read before the lookup: a revocation during it is not cached

        def first(sql: str, params: dict) -> tuple | None:
            return s.execute(_TEXT[sql], params).first()

        h = token_hash(token)
        r = _resolve_rows(first, h)
        if r is None or (r.expires_at is not None and r.expires_at <= now):
            return None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[h] = (time.monotonic() + CACHE_TTL_S, gen, r)
        return r.principal

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def add_user(s: Session, username: str, role: Role, password: str, now: datetime,
             full_name: str = "") -> User:
    if s.exec(select(User).where(User.username == username)).first() is not None:
        raise EngineError(f"Tài khoản {username!r} đã tồn tại. (User {username!r} already "
                          "exists.)")
    user = User(username=username, role=role.value, password_hash=hash_password(password),
                full_name=full_name, created_at=now)
    s.add(user)
    s.flush()
    return user


def add_device(s: Session, name: str, kind: DeviceKind, counter: int | None,
               now: datetime) -> tuple[Device, str]:
    if s.exec(select(Device).where(Device.name == name)).first() is not None:
        raise EngineError(f"Thiết bị {name!r} đã tồn tại; hãy thu hồi trước khi thay. (Device "
                          f"{name!r} already exists; revoke it first to replace it.)")
    token = new_token()
    dev = Device(name=name, kind=kind.value, counter=counter, token_hash=token_hash(token),
                 created_at=now)
    s.add(dev)
    s.flush()
    return dev, token


def _holder(s: Session, counter: int, now: datetime, user_id: int) -> str | None:
    """The other officer holding `counter` with a live login, if any."""
    rows = s.exec(select(AuthToken, User).where(
        AuthToken.counter == counter, AuthToken.revoked.is_(False),
        AuthToken.user_id == User.id, User.id != user_id, User.role == Role.officer.value,
    )).all()
    for tok, user in rows:
        if tok.expires_at > now and user.active:
            return user.full_name or user.username
    return None


WRONG_LOGIN = "Sai tên đăng nhập hoặc mật khẩu. (Wrong username or password.)"


@dataclass(frozen=True)
class LoginCandidate:
    """What a sign-in needs to know about the account, read before the slow hash check."""

    user_id: int
    password_hash: str
    active: bool
    locked_until: datetime | None


def find_login(s: Session, username: str) -> LoginCandidate | None:
    user = s.exec(select(User).where(User.username == username)).first()
    if user is None:
        return None
    return LoginCandidate(user.id, user.password_hash, user.active, user.locked_until)


def check_lock(locked_until: datetime | None, now: datetime) -> None:
    if locked_until is not None and locked_until > now:
        wait_s = math.ceil((locked_until - now).total_seconds())
        minutes = math.ceil(wait_s / 60)
        raise LockedOut(f"Tài khoản tạm khóa do nhập sai nhiều lần; thử lại sau {minutes} "
                        f"phút. (Too many failed logins; try again in {minutes} min.)",
                        retry_after=wait_s)


def password_matches(candidate: LoginCandidate | None, password: str) -> bool:
    """The Argon2 check (tens of milliseconds of CPU and 64 MiB, on purpose): run it outside
    any transaction, so password guessing never holds the hall's single writer."""
    if candidate is None:
        verify_password(_DUMMY_HASH, password)  # same time as a wrong password
        return False
    return verify_password(candidate.password_hash, password) and candidate.active


def finish_login(s: Session, candidate: LoginCandidate | None, ok: bool, counter: int | None,
                 now: datetime, counter_label: str | None = None
                 ) -> tuple[User, str, AuthToken]:
    """Record the outcome of a checked password in a writing transaction: count a failure
    (locking the account after MAX_FAILED) and raise LoginFailed, or issue the token."""
    user = s.get(User, candidate.user_id) if candidate is not None else None
    if user is None:
        raise LoginFailed(WRONG_LOGIN)
    check_lock(user.locked_until, now)  # again: another attempt may have locked it meanwhile
    if not ok or not user.active:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        raise LoginFailed(WRONG_LOGIN)
    user.failed_logins = 0
    user.locked_until = None
    if user.role == Role.officer.value and counter is not None:
        holder = _holder(s, counter, now, user.id)
        if holder is not None:
            label = counter_label or str(counter)
            raise CounterHeld(f"Quầy {label} đang do {holder} giữ; hãy đăng xuất ở đó trước "
                              "hoặc nhờ quản lý giải phóng quầy. (Counter "
                              f"{label} is held by {holder}; log out there first, or ask a "
                              "manager to release it.)", holder=holder)
        row = s.get(Counter, counter)
        if row is not None:
            row.officer_id = user.id
    elif user.role != Role.officer.value:
        counter = None
    token = new_token()
    tok = AuthToken(token_hash=token_hash(token), user_id=user.id, counter=counter,
                    created_at=now, expires_at=now + TOKEN_TTL)
    s.add(tok)
    s.flush()
    return user, token, tok


def login(s: Session, username: str, password: str, counter: int | None,
          now: datetime, counter_label: str | None = None) -> tuple[User, str, AuthToken]:
    """All of a sign-in in one session (tools and tests; the HTTP route splits it so the
    hash check runs outside the transaction)."""
    candidate = find_login(s, username)
    if candidate is not None:
        check_lock(candidate.locked_until, now)
    ok = password_matches(candidate, password)
    return finish_login(s, candidate, ok, counter, now, counter_label)


def logout(s: Session, token_id: int) -> None:
    tok = s.get(AuthToken, token_id)
    if tok is None:
        return
    tok.revoked = True
    if tok.counter is not None:
        row = s.get(Counter, tok.counter)
        if row is not None and row.officer_id == tok.user_id:
            row.officer_id = None


def revoke_device(s: Session, name: str) -> bool:
    dev = s.exec(select(Device).where(Device.name == name)).first()
    if dev is None:
        return False
    dev.active = False
    return True


def revoke_user_tokens(s: Session, username: str) -> int:
    user = s.exec(select(User).where(User.username == username)).first()
    if user is None:
        return -1
    n = 0
    for tok in s.exec(select(AuthToken).where(AuthToken.user_id == user.id,
                                              AuthToken.revoked.is_(False))):
        tok.revoked = True
        n += 1
    for row in s.exec(select(Counter).where(Counter.officer_id == user.id)):
        row.officer_id = None  # as a logout does: the counter no longer shows them
    return n


def release_counter(s: Session, counter: int) -> tuple[str | None, int]:
    """End every live officer session bound to `counter` and clear who holds it: the
    manager's way to free a counter whose officer left without signing out. Returns the
    holder's username (None if nobody held it) and the number of sessions ended."""
    row = s.get(Counter, counter)
    holder = s.get(User, row.officer_id) if row is not None and row.officer_id else None
    n = 0
    for tok, user in s.exec(select(AuthToken, User).where(
            AuthToken.counter == counter, AuthToken.revoked.is_(False),
            AuthToken.user_id == User.id, User.role == Role.officer.value)).all():
        tok.revoked = True
        holder = holder or user
        n += 1
    if row is not None:
        row.officer_id = None
    return (holder.username if holder is not None else None), n
