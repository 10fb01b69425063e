"""A device's health in the API's words (`contracts.api.DeviceHealth`) from what a master knows.

status: `ok` (answering), `offline` (silent, or its adapter is gone), `wrong_kind` (something
else answers at its address), `unknown` (not heard yet, or another server process drives the
line), `config_error` (the hall file's entry cannot work). `since` is when the status last
changed, which `StatusClock` remembers, because a master only knows the present.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from contracts.api import DeviceHealth
from drivers.bus.health import DeviceHealth as BusHealth
from drivers.bus.health import LineHealth


@dataclass(frozen=True)
class Status:
    online: bool | None
    status: str
    detail: str


def _counts(h: BusHealth) -> str:
    parts = [f"{h.replies}/{h.requests} answered"]
    for n, what in ((h.timeouts, "timeouts"), (h.corrupt_replies, "corrupt replies"),
                    (h.naks, "refusals"), (h.resyncs, "re-sends")):
        if n:
            parts.append(f"{n} {what}")
    return ", ".join(parts)


def bus_status(h: BusHealth, line: LineHealth | None, note: str | None = None) -> Status:
    """A device on a line this process drives."""
    where = f"{h.line} address {h.address}"
    extra = f"; {note}" if note else ""
    if line is not None and not line.connected and line.last_error:
        return Status(False, "offline", f"{where}: {line.last_error}{extra}")
    if h.online is None:
        return Status(None, "unknown", f"{where}: waiting for its first answer{extra}")
    if h.online is False:
        why = h.last_error or "no answer"
        return Status(False, "offline", f"{where}: {why} ({_counts(h)}){extra}")
    if h.last_error and h.last_error.startswith("answers as"):
        return Status(True, "wrong_kind", f"{where}: {h.last_error}{extra}")
    last = f"; last error: {h.last_error}" if h.last_error else ""
    return Status(True, "ok", f"{where}: {_counts(h)}{last}{extra}")


def standby_status(port: str) -> Status:
    return Status(None, "unknown", f"{port} is driven by another server process; this one "
                  "takes over if that process stops")


def printer_status() -> Status:
    return Status(None, "unknown", "tickets are printed by the kiosk, which reports failed "
                  "prints; the server does not open this printer")


class StatusClock:
    """Remembers when each device's (online, status) last changed."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[bool | None, str, datetime]] = {}

    def stamp(self, name: str, kind: str, counter: int | None, s: Status,
              now: datetime | None = None) -> tuple[DeviceHealth, bool]:
        """The API's health record and whether the status changed since last time."""
        now = now or datetime.now(UTC)
        prev = self._seen.get(name)
        changed = prev is None or (prev[0], prev[1]) != (s.online, s.status)
        since = now if changed or prev is None else prev[2]
        self._seen[name] = (s.online, s.status, since)
        return DeviceHealth(name=name, kind=kind, counter=counter, online=s.online,
                            status=s.status, detail=s.detail, since=since), changed
