"""WebSocket messages of `WS /ws/hall`: the snapshot first, then events `{seq, type, …}`.

`seq` is per hall and gap-free: a client that sees a gap, or reconnects, reloads the snapshot
(`GET /api/v1/hall`, or the first message of a new connection).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

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
    """What every event has; a client that reads any event (the board's fold) takes this and
    the rest as extra fields. The shape of each type is its model below."""

    model_config = {"extra": "allow"}

    seq: int
    type: str
    at: datetime


# -- one model per event type: the contract of `WS /ws/hall` after the snapshot ---------------
# `tx.emit` builds the dict; `Hall` checks it against its model before it is stored, so a
# field a client relies on cannot go missing or change its type unnoticed.
WAITING = "queued tickets per service after the event, {service: count}"


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: int
    at: datetime


class _OnCounter(_Base):
    number: str
    counter: int
    counter_label: str
    ticket_id: int
    visit_id: int
    service: str


class TicketIssued(_Base):
    type: Literal["ticket_issued"]
    ticket_id: int
    number: str
    service: str
    priority: str | None = Field(default=None, description="staff only: devices read null")
    waiting: int = Field(description="waiting in the service after it")


class Called(_OnCounter):
    type: Literal["called"]
    priority: str | None = Field(default=None, description="staff only: devices read null")
    recalls: int = 0
    waiting: dict[str, int] = Field(default_factory=dict, description=WAITING)
    confirmed: bool | None = Field(default=None, description="an officer called it out of "
                                   "turn and confirmed it")
    override: Literal["other_service", "other_counter"] | None = None


class Recalled(_OnCounter):
    type: Literal["recalled"]
    priority: str | None = Field(default=None, description="staff only: devices read null")
    recalls: int = 0


class Started(_OnCounter):
    type: Literal["started"]


class Skipped(_OnCounter):
    type: Literal["skipped"]


class Finished(_OnCounter):
    type: Literal["finished"]
    outcome: str | None = None
    rating_until: datetime


class Transferred(_Base):
    type: Literal["transferred"]
    number: str
    ticket_id: int
    visit_id: int
    from_counter: int
    to_service: str
    to_counter: int | None = None
    reason: str | None = Field(default=None, description="staff only: devices read null")
    waiting: dict[str, int] = Field(description=WAITING)


class Rated(_Base):
    type: Literal["rated"]
    visit_id: int
    counter: int
    score: int


class _TicketChange(_Base):
    ticket_id: int
    number: str
    service: str


class Cancelled(_TicketChange):
    type: Literal["cancelled"]
    waiting: dict[str, int] = Field(description=WAITING)


class Returned(_TicketChange):
    type: Literal["returned"]
    waiting: dict[str, int] = Field(description=WAITING)


class TicketReprinted(_TicketChange):
    type: Literal["ticket_reprinted"]


class CounterPaused(_Base):
    type: Literal["counter_paused"]
    counter: int
    counter_label: str
    reason: str | None = Field(default=None, description="staff only: devices read null")


class CounterResumed(_Base):
    type: Literal["counter_resumed"]
    counter: int
    counter_label: str


class DayOpened(_Base):
    type: Literal["day_opened"]
    day: date


class DayClosed(_Base):
    type: Literal["day_closed"]
    days: list[date]
    expired: int


class Notice(_Base):
    """The hall's notices changed: a new list, one more, or none."""

    type: Literal["notice"]
    notices: list[str] | None = None
    text: str | None = None
    clear: bool = False


HallEvent = Annotated[
    TicketIssued | Called | Recalled | Started | Skipped | Finished | Transferred | Rated
    | Cancelled | Returned | TicketReprinted | CounterPaused | CounterResumed | DayOpened
    | DayClosed | Notice,
    Field(discriminator="type"),
]
HALL_EVENTS: TypeAdapter[HallEvent] = TypeAdapter(HallEvent)
SEQUENCED_TYPES: frozenset[str] = frozenset(
    t.value for t in EventType if t not in (EventType.snapshot, EventType.device_health))


def check_event(event: dict[str, Any]) -> None:
    """Raise `pydantic.ValidationError` unless `event` is one of the event types, whole."""
    HALL_EVENTS.validate_python(event)


class DeviceHealthEvent(DeviceHealth):
    """A device's health changed. It carries no `seq`: it is a passing state, not a queue
    fact, so it is not in the event log and its absence is never a gap."""

    type: Literal["device_health"] = EventType.device_health.value
    at: datetime


def events_schema() -> dict[str, Any]:
    """The JSON Schema of every message after the snapshot (`/api/v1/schema/events`)."""
    return TypeAdapter(HallEvent | DeviceHealthEvent).json_schema()
