"""The kiosk's journal of tickets in flight: what a kill must not make it forget.

One small JSON file in the kiosk's state folder (`journal.json`), rewritten whole on every
change: written to a temporary file, fsync'd, renamed over the old one, and the folder
fsync'd. A kill at any moment leaves either the old journal or the new one, never half of
one. What it holds:

- **requests**: a `POST /api/v1/tickets` on its way (its Idempotency-Key and service). The
  answer is not known yet; if the kiosk dies here, the next start can only log it.
- **tickets**: a ticket this kiosk issued whose print outcome the server has not
  acknowledged yet: `printing` (written before the first byte goes to the printer), then
  `printed` or `failed` with the reason (written before the report is sent). The entry is
  dropped once the server has taken the report.

At start (`Journal.open`) the kiosk reads what the last run left: `printed` / `failed`
entries are delivered, a `printing` entry is reported `print-failed` with
`RESTARTED_WHILE_PRINTING` (kiosk/worker.py). A journal that cannot be read is renamed
aside (`journal.json.corrupt-…`), logged, and the kiosk starts with an empty one; a folder
that cannot be written is logged and the kiosk goes on, keeping the journal in memory. The
journal never stops the kiosk from giving numbers.

A lock file (`lock`, flock) keeps two kiosk processes off one folder; the kernel drops the
lock when the process dies, however it dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILE = "journal.json"
LOCK = "lock"
FORMAT = 1
RESTARTED_WHILE_PRINTING = "kiosk_restarted_while_printing"
STATES = ("printing", "printed", "failed")


def default_state_dir(token: str, root: Path | str = "var/kiosk") -> Path:
    """`var/kiosk/<12 hex digits of the token's SHA-256>`: one folder per kiosk token, so two
    kiosks on one PC (or a demo with a fresh hall) never share a journal, and the folder name
    gives nothing of the token away."""
    return Path(root) / hashlib.sha256(token.encode()).hexdigest()[:12]


class JournalBusy(Exception):
    """Another running kiosk holds this state folder."""


class JournalError(ValueError):
    """The journal file is not a journal this kiosk can read."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class TicketEntry:
    """A ticket this kiosk issued whose print outcome the server has not acknowledged."""

    id: int
    number: str
    state: str  # printing, printed, failed
    reason: str | None = None  # why it failed (state failed)
    gen: int = 0  # the worker's report generation: an acknowledgement drops only its own
    since: str = field(default_factory=_now)

    @property
    def failure(self) -> str | None:
        """What to report: None for printed, the reason otherwise."""
        if self.state == "printed":
            return None
        if self.state == "printing":
            return RESTARTED_WHILE_PRINTING
        return self.reason or "print failed"


@dataclass(frozen=True)
class RequestEntry:
    """A ticket request on its way to the server."""

    key: str
    service: str | None = None
    since: str = field(default_factory=_now)


def parse(text: str) -> tuple[dict[int, TicketEntry], dict[str, RequestEntry]]:
    """The entries of a journal file's text; JournalError if it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JournalError(f"not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("layso_kiosk_journal") != FORMAT:
        raise JournalError(f"not a kiosk journal of format {FORMAT}")
    tickets: dict[int, TicketEntry] = {}
    requests: dict[str, RequestEntry] = {}
    try:
        for raw in data.get("tickets", []):
            entry = TicketEntry(id=raw["id"], number=raw["number"], state=raw["state"],
                                reason=raw.get("reason"), gen=raw.get("gen", 0),
                                since=raw.get("since", ""))
            if (not isinstance(entry.id, int) or isinstance(entry.id, bool)
                    or not isinstance(entry.number, str) or entry.state not in STATES
                    or not isinstance(entry.gen, int)
                    or not isinstance(entry.reason, str | None)):
                raise JournalError(f"a ticket entry makes no sense: {raw!r:.200}")
            tickets[entry.id] = entry
        for raw in data.get("requests", []):
            req = RequestEntry(key=raw["key"], service=raw.get("service"),
                               since=raw.get("since", ""))
            if not isinstance(req.key, str):
                raise JournalError(f"a request entry makes no sense: {raw!r:.200}")
            requests[req.key] = req
    except (KeyError, TypeError, AttributeError) as exc:
        raise JournalError(f"an entry is missing {exc}") from None
    return tickets, requests


class Journal:
    """The journal of one kiosk's state folder. Thread-safe; no method raises on a disk
    problem (it is logged, `healthy` turns False, and the entries stay in memory)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.path = self.folder / FILE
        self.tickets: dict[int, TicketEntry] = {}
        self.requests: dict[str, RequestEntry] = {}
        self.healthy = True
        self.problem = ""  # what went wrong with the folder or the file, for the log
        self.set_aside: Path | None = None  # where an unreadable journal was moved
        self._lock = threading.Lock()
        self._lock_fd: int | None = None
        self._last_error = ""

    # ---- life ----------------------------------------------------------------------------

    @classmethod
    def open(cls, folder: Path | str) -> Journal:
        """Lock the folder and read what the last run left. JournalBusy if another kiosk
        holds it; any other problem is logged and leaves a working (perhaps memory-only)
        journal."""
        journal = cls(folder)
        try:
            journal.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            journal._trouble(f"cannot make the state folder {journal.folder}: {exc}")
            return journal
        journal._take_lock()
        journal._load()
        return journal

    def close(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None

    def _take_lock(self) -> None:
        try:
            fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            self._trouble(f"cannot open {self.folder / LOCK}: {exc}")
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JournalBusy(f"another kiosk is running with the state folder {self.folder}; "
                              "give each kiosk its own --state-dir") from None
        except OSError as exc:  # a file system without locks: go on without one
            log.warning("cannot lock %s: %s", self.folder / LOCK, exc)
        self._lock_fd = fd

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            self._trouble(f"cannot read {self.path}: {exc}")
            return
        try:
            self.tickets, self.requests = parse(raw.decode("utf-8"))
        except (JournalError, UnicodeDecodeError) as exc:
            self._set_aside(str(exc))

    def _set_aside(self, why: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        aside = self.path.with_name(f"{FILE}.corrupt-{stamp}")
        try:
            os.replace(self.path, aside)
            self.set_aside = aside
            where = f"moved to {aside}"
        except OSError as exc:
            where = f"and could not be moved aside ({exc}); it will be overwritten"
        self.problem = f"the kiosk's journal {self.path} could not be read ({why}); {where}"
        log.error("%s. Tickets that were printing when the kiosk last stopped may stay "
                  "unreported: check the kiosk's tickets in the manager's view.", self.problem)

    def _trouble(self, message: str) -> None:
        self.healthy = False
        self.problem = message
        if message != self._last_error:  # a full disk must not flood the log
            log.error("journal: %s; going on with the journal in memory only", message)
            self._last_error = message

    # ---- what the last run left ----------------------------------------------------------

    def recovered(self) -> tuple[list[TicketEntry], list[RequestEntry]]:
        """The entries now in the journal, oldest first (at start: the last run's)."""
        with self._lock:
            return (sorted(self.tickets.values(), key=lambda e: e.gen),
                    list(self.requests.values()))

    def max_gen(self) -> int:
        with self._lock:
            return max((e.gen for e in self.tickets.values()), default=0)

    def __len__(self) -> int:
        with self._lock:
            return len(self.tickets) + len(self.requests)

    # ---- changes (each one written before it returns) ------------------------------------

    def requested(self, key: str, service: str | None) -> None:
        """A ticket request is about to be sent."""
        with self._lock:
            self.requests[key] = RequestEntry(key, service)
            self._write()

    def forget_request(self, key: str) -> None:
        """The request was answered without a ticket (refused, or no answer)."""
        with self._lock:
            if self.requests.pop(key, None) is not None:
                self._write()

    def printing(self, ticket_id: int, number: str, gen: int, key: str | None = None) -> None:
        """The ticket is about to go to the printer (its request, if any, is answered)."""
        self._set(TicketEntry(ticket_id, number, "printing", None, gen), key)

    def outcome(self, ticket_id: int, number: str | None, failure: str | None, gen: int,
                key: str | None = None) -> None:
        """How the print went (None: printed), before the server is told. `number` None
        keeps the one the entry has."""
        state = "printed" if failure is None else "failed"
        if number is None:
            with self._lock:
                known = self.tickets.get(ticket_id)
            number = known.number if known is not None else ""
        self._set(TicketEntry(ticket_id, number, state, failure, gen), key)

    def delivered(self, ticket_id: int, gen: int) -> None:
        """The server took the report of generation `gen`: drop the entry, unless a newer
        one (a reprint) has replaced it since."""
        with self._lock:
            entry = self.tickets.get(ticket_id)
            if entry is not None and entry.gen == gen:
                del self.tickets[ticket_id]
                self._write()

    def drop(self, ticket_id: int) -> None:
        """Forget a ticket whatever its entry (the server does not know it as ours)."""
        with self._lock:
            if self.tickets.pop(ticket_id, None) is not None:
                self._write()

    def _set(self, entry: TicketEntry, key: str | None) -> None:
        with self._lock:
            if key is not None:
                self.requests.pop(key, None)
            self.tickets.pop(entry.id, None)  # re-insert: oldest first stays true
            self.tickets[entry.id] = entry
            self._write()

    # ---- the file ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {"layso_kiosk_journal": FORMAT,
                "tickets": [asdict(e) for e in self.tickets.values()],
                "requests": [asdict(r) for r in self.requests.values()]}

    def _write(self) -> None:
        """Write the whole journal atomically (called with the lock held)."""
        data = json.dumps(self.snapshot(), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")
        tmp = self.path.with_name(FILE + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            _fsync_dir(self.folder)
        except OSError as exc:
            self._trouble(f"cannot write {self.path}: {exc}")
            return
        if not self.healthy:
            log.warning("journal: %s is writable again", self.path)
        self.healthy = True
        self._last_error = ""


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (a power cut right after must not undo it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename is still atomic
    finally:
        os.close(fd)
