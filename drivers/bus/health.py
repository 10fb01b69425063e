"""Health of one serial line and of each device on it, as snapshots a server can publish.

Snapshots are frozen and JSON-friendly (`as_dict`), so a device manager can put them on
`GET /api/v1/devices` and on the WebSocket without knowing the bus.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


def utcnow() -> datetime:
    return datetime.now(UTC)


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in d.items()}


@dataclass(frozen=True, slots=True)
class DeviceHealth:
    """One device as its master sees it.

    `online` is None until the device has answered or failed once; it turns False after
    `offline_after` failed tries in a row (or while the line itself is down) and True again at
    the first good reply, which also re-sends the device's current state (`resyncs`).
    """

    line: str
    address: int
    name: str
    kind: str
    counter: int | None
    online: bool | None
    last_seen: datetime | None
    last_error: str | None
    requests: int = 0
    replies: int = 0
    timeouts: int = 0
    corrupt_replies: int = 0
    naks: int = 0
    stale_replies: int = 0
    events: int = 0
    duplicate_events: int = 0
    resyncs: int = 0
    boot_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True, slots=True)
class LineHealth:
    """The serial line (adapter) itself: open or not, and what its decoder threw away."""

    line: str
    baud: int
    connected: bool
    last_error: str | None
    since: datetime
    reconnects: int = 0
    open_failures: int = 0
    bytes_out: int = 0
    bytes_in: int = 0
    frames_in: int = 0
    crc_errors: int = 0
    bad_headers: int = 0
    truncated: int = 0
    garbage_bytes: int = 0
    unknown_address: int = 0
    echoes: int = 0

    @property
    def corrupt_frames(self) -> int:
        return self.crc_errors + self.bad_headers + self.truncated

    def as_dict(self) -> dict[str, Any]:
        d = _jsonable(asdict(self))
        d["corrupt_frames"] = self.corrupt_frames
        return d


@dataclass
class Counters:
    """The mutable side of `DeviceHealth`, kept by the engine."""

    requests: int = 0
    replies: int = 0
    timeouts: int = 0
    corrupt_replies: int = 0
    naks: int = 0
    stale_replies: int = 0
    events: int = 0
    duplicate_events: int = 0
    resyncs: int = 0
