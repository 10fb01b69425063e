"""WebSocket messages of `WS /ws/hall`: the snapshot first, then events `{seq, type, …}`.

`seq` is per hall and gap-free: a client that sees a gap, or reconnects, reloads the snapshot
(`GET /api/v1/hall`, or the first message of a new connection).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from contracts.api import CounterOut, DeviceHealth, ServiceOut


class EventType(StrEnum):
    snapshot = "snapshot"  # first message only; not in the event log
    ticket_issued = "ticket_issued"
    called = "called"  # fields: number, counter, counter_label, service, ticket_id, visit_id
    recalled = "recalled"  # same fields as called: announce again
    started = "started"  # the citizen reached the counter (serving)
    skipped = "skipped"  # no-show
    returned = "returned"  # a no-show put back in the queue (late arrival)
    transferred = "transferred"
    finished = "finished"
    rated = "rated"
    cancelled = "cancelled"
    ticket_reprinted = "ticket_reprinted"  # ticket_id, number, service: a failed print again
    counter_paused = "counter_paused"
    counter_resumed = "counter_resumed"
    day_opened = "day_opened"
    day_closed = "day_closed"  # what was left is expired
    device_health = "device_health"
    notice = "notice"


# Messages sent without a `seq`: passing states, not queue facts. A client folds (or ignores)
# them on their own; they never advance its sequence and their absence is never a gap.
UNSEQUENCED = frozenset({EventType.device_health.value})


class RecentCall(BaseModel):
    number: str
    counter: int
    counter_label: str
    service: str
    at: datetime


class HallInfo(BaseModel):
    code: str
    name: str
    name_en: str
    timezone: str


class Snapshot(BaseModel):
    type: str = EventType.snapshot.value
    seq: int = Field(description="the last event folded into this snapshot")
    hall: HallInfo
    now: datetime
    open: bool
    opens_at: datetime | None = None
    services: list[ServiceOut]
    counters: list[CounterOut]
    recent_calls: list[RecentCall]
    notices: list[str] = Field(default_factory=list)
    devices: list[DeviceHealth] = Field(default_factory=list)
    rating_levels: list[dict] = Field(default_factory=list)
    priority_groups: list[dict] = Field(default_factory=list, description="code, name, name_en")


class Event(BaseModel):
    """Every event has these; the rest of the fields depend on `type` (see EventType)."""

    model_config = {"extra": "allow"}

    seq: int
    type: str
    at: datetime


class DeviceHealthEvent(DeviceHealth):
    """A device's health changed. It carries no `seq`: it is a passing state, not a queue
    fact, so it is not in the event log and its absence is never a gap."""

    type: str = EventType.device_health.value
    at: datetime
