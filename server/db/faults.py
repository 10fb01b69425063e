"""When the database cannot do its part: the connection is lost for a moment (a restart,
`pg_terminate_backend`, a network blip) or the disk is full. Such a fault is not the
request's fault and not a bug: the caller gets 503 naming the cause and when to try again,
the log says it once a minute with a count instead of a traceback per request, and the
manager's live view shows it until writes work again.

`classify` reads the driver's own error codes (SQLite's result code, PostgreSQL's SQLSTATE),
not message texts, wherever the driver gives one.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.exc import DBAPIError

log = logging.getLogger("layso.db")

FaultKind = Literal["disk_full", "unavailable", "commit_unknown"]

DISK_FULL: FaultKind = "disk_full"
UNAVAILABLE: FaultKind = "unavailable"
COMMIT_UNKNOWN: FaultKind = "commit_unknown"

# SQLite primary result codes (https://sqlite.org/rescode.html)
_SQLITE_FULL = 13
_SQLITE_IOERR = 10
_SQLITE_CANTOPEN = 14
# PostgreSQL SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html):
# 53100 disk_full; class 08 connection exception; 57P01 admin_shutdown, 57P02 crash_shutdown,
# 57P03 cannot_connect_now; 53300 too_many_connections.
_PG_DISK_FULL = "53100"
_PG_UNAVAILABLE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")


def _dbapi_error(exc: BaseException) -> BaseException:
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def classify(exc: BaseException) -> FaultKind | None:
    """The fault `exc` stands for, or None for an ordinary error (a bug, a constraint)."""
    if isinstance(exc, StoreUnavailable):
        return exc.kind
    orig = _dbapi_error(exc)
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == _SQLITE_FULL:
            return DISK_FULL
        if primary in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
            return UNAVAILABLE
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate == _PG_DISK_FULL:
        return DISK_FULL
    if isinstance(sqlstate, str) and sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES):
        return UNAVAILABLE
    if is_disconnect(exc):
        return UNAVAILABLE
    return None


def is_disconnect(exc: BaseException) -> bool:
    """Whether `exc` means the connection itself is gone (so a transaction on it did not
    commit unless it failed during COMMIT)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = _dbapi_error(exc)
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if isinstance(orig, psycopg.OperationalError):
        sqlstate = getattr(orig, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith(_PG_UNAVAILABLE_PREFIXES)
    return False


_MESSAGES: dict[FaultKind, tuple[str, int]] = {
    DISK_FULL: ("Máy chủ đã hết dung lượng đĩa nên chưa lưu được; yêu cầu này chưa được ghi "
                "nhận. Hãy báo quản trị viên giải phóng dung lượng đĩa rồi thử lại. (The "
                "server's disk is full, so nothing could be saved; this request was not "
                "recorded. Ask the administrator to free disk space, then try again.)", 30),
    UNAVAILABLE: ("Tạm thời mất kết nối tới cơ sở dữ liệu; yêu cầu này chưa được ghi nhận. "
                  "Vui lòng thử lại sau vài giây. (The connection to the database was lost "
                  "for a moment; this request was not recorded. Try again in a few seconds.)",
                  2),
    COMMIT_UNKNOWN: ("Mất kết nối tới cơ sở dữ liệu đúng lúc lưu nên chưa rõ yêu cầu đã được "
                     "ghi nhận hay chưa. Hãy xem lại trạng thái hiện tại trước khi thử lại. "
                     "(The connection to the database was lost while saving, so it is not "
                     "known whether this request was recorded. Check the current state "
                     "before trying again.)", 2),
}
ERROR_CODES: dict[FaultKind, str] = {DISK_FULL: "disk_full", UNAVAILABLE: "db_unavailable",
                                     COMMIT_UNKNOWN: "db_commit_unknown"}


class StoreUnavailable(Exception):
    """A write or read the database could not do for a reason outside the request: answered
    503 with Retry-After (server/api/errors.py)."""

    def __init__(self, kind: FaultKind) -> None:
        self.kind = kind
        self.message, self.retry_after = _MESSAGES[kind]
        super().__init__(self.message)

    @property
    def code(self) -> str:
        return ERROR_CODES[self.kind]


class LogThrottle:
    """The same line at most once per `every_s`: the first one at once, the repeats in between
    counted and reported with the next line (a full disk refuses every request, and a line
    with a traceback for each filled the log four times faster than the database)."""

    def __init__(self, logger: logging.Logger, every_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.every_s = every_s
        self.clock = clock
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def log(self, key: str, level: int, msg: str, *args: object,
            exc_info: BaseException | None = None) -> bool:
        """Log `msg` under `key` unless it was logged less than `every_s` ago; returns whether
        it was. A line after a quiet spell says how many were held back meanwhile."""
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last < self.every_s:
                self._held[key] = self._held.get(key, 0) + 1
                return False
            self._last[key] = now
            held = self._held.pop(key, 0)
        if held:
            msg += " (%d more time(s) since the last such line)"
            args = (*args, held)
        self.logger.log(level, msg, *args, exc_info=exc_info)
        return True

    def flush(self, key: str) -> int:
        """Forget `key` (its fault is over) and return how many lines were held back."""
        with self._lock:
            self._last.pop(key, None)
            return self._held.pop(key, 0)


@dataclass
class Fault:
    kind: FaultKind
    since: datetime
    count: int
    detail: str


class StoreHealth:
    """The database's current fault as this process sees it: set by a failed write or read,
    cleared by the next commit. Read by the manager's live view and `/healthz`."""

    def __init__(self, every_s: float = 60.0) -> None:
        self.throttle = LogThrottle(log, every_s)
        self.fault: Fault | None = None
        self._lock = threading.Lock()

    def failed(self, exc: BaseException, kind: FaultKind | None = None) -> FaultKind | None:
        """Record `exc` if it is a fault (returns its kind); an ordinary error is left to the
        caller."""
        kind = kind or classify(exc)
        if kind is None:
            return None
        detail = str(_dbapi_error(exc)).strip().splitlines()[0][:300] if str(exc) else kind
        with self._lock:
            if self.fault is None or self.fault.kind != kind:
                self.fault = Fault(kind, datetime.now(UTC), 0, detail)
            self.fault.count += 1
            self.fault.detail = detail
        self.throttle.log(kind, logging.ERROR, "database %s: %s; answering 503", kind, detail)
        return kind

    def ok(self) -> None:
        """A commit went through: a fault is over (cheap when there was none)."""
        if self.fault is None:
            return
        with self._lock:
            fault, self.fault = self.fault, None
        if fault is not None:
            self.throttle.flush(fault.kind)
            log.warning("database works again after %s since %s (%d request(s) refused)",
                        fault.kind, fault.since.isoformat(timespec="seconds"), fault.count)

    def view(self) -> dict[str, object] | None:
        """The current fault for the live view: what, since when, how many refused, and what
        to do, Vietnamese first."""
        fault = self.fault
        if fault is None:
            return None
        vi, en = _ALERTS[fault.kind]
        return {"kind": fault.kind, "since": fault.since.isoformat(), "refused": fault.count,
                "detail": fault.detail, "vi": vi, "en": en}


_ALERTS: dict[FaultKind, tuple[str, str]] = {
    DISK_FULL: ("Máy chủ hết dung lượng đĩa: không lấy số, gọi số hay lưu đánh giá được cho "
                "tới khi giải phóng dung lượng. Hệ thống tự hoạt động lại khi có chỗ trống.",
                "The server's disk is full: no tickets, calls or ratings can be saved until "
                "space is freed. The hall resumes by itself once there is room."),
    UNAVAILABLE: ("Mất kết nối tới cơ sở dữ liệu: các thao tác đang bị từ chối, hệ thống tự "
                  "kết nối lại.",
                  "The database connection is lost: actions are refused for now; the server "
                  "reconnects by itself."),
    COMMIT_UNKNOWN: ("Mất kết nối tới cơ sở dữ liệu đúng lúc lưu; hệ thống tự kết nối lại.",
                     "The database connection was lost while saving; the server reconnects "
                     "by itself."),
}
