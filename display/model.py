"""The board's state as a pure fold: snapshot + events → what the board shows.

No pygame and no I/O here, so every rule is tested directly. `fold()` takes one WebSocket
message (a dict, as `contracts.events` describes) and returns the new state, the calls to
announce, and whether the snapshot must be reloaded (a gap in `seq`, or a message that makes
no sense). Calls arriving in a snapshot after a reconnect are announced only if they are
recent (the board was away for a moment, the citizen is still waiting); older ones are shown
but not spoken.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pydantic import ValidationError

from contracts.events import UNSEQUENCED, DeviceHealthEvent, Event, EventType, Snapshot

log = logging.getLogger(__name__)

MAX_RECENT = 12
# Every event type of contracts/events.py is folded here or left on purpose
# (tests/trust/test_event_contract.py holds both lists to the contract).
HANDLED_EVENTS = frozenset({
    "ticket_issued", "called", "recalled", "started", "skipped", "finished", "transferred",
    "cancelled", "returned", "counter_paused", "counter_resumed", "day_opened", "day_closed",
    "notice",
})
IGNORED_EVENTS = frozenset({
    "rated",  # a rating changes nothing on the board
    "ticket_reprinted",  # the same number again: no queue change
})
MISSED_CALL_WINDOW = timedelta(seconds=30)


def nfc(text: object) -> str:
    return unicodedata.normalize("NFC", str(text))


@dataclass(frozen=True)
class BoardFilter:
    """A board for one area: some counters and/or some services (None = all)."""

    counters: frozenset[int] | None = None
    services: frozenset[str] | None = None

    def counter_ok(self, number: int, services: Iterable[str]) -> bool:
        if self.counters is not None and number not in self.counters:
            return False
        return self.services is None or bool(self.services & set(services))

    def call_ok(self, counter: int, service: str | None) -> bool:
        if self.counters is not None and counter not in self.counters:
            return False
        return self.services is None or service in self.services

    @property
    def active(self) -> bool:
        return self.counters is not None or self.services is not None


def parse_counters(text: str) -> frozenset[int]:
    """"1-10,12,20-22" → {1..10, 12, 20, 21, 22}; ValueError with the bad part named."""
    numbers: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, sep, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi if sep else lo)
        except ValueError:
            raise ValueError(f"{part!r} is not a counter number or a range like 1-10") from None
        if first < 1 or last < first:
            raise ValueError(f"{part!r} is not a range of counters (1 or more, low-high)")
        numbers.update(range(first, last + 1))
    if not numbers:
        raise ValueError("no counters given (e.g. 1-10,12)")
    return frozenset(numbers)


def parse_services(text: str) -> frozenset[str]:
    codes = frozenset(p.strip() for p in text.split(",") if p.strip())
    if not codes:
        raise ValueError("no service codes given (e.g. HT,CT)")
    return codes


@dataclass(frozen=True)
class CounterView:
    number: int
    label: str
    name: str
    services: tuple[str, ...]
    state: str = "idle"  # idle, called, serving, paused
    ticket: str | None = None
    service: str | None = None


@dataclass(frozen=True)
class ServiceView:
    code: str
    name: str
    name_en: str
    waiting: int = 0
    open: bool = True
    prefix: str = ""  # the first characters of its ticket numbers, shown as a badge


@dataclass(frozen=True)
class CallView:
    number: str
    counter: int
    counter_label: str
    service: str
    at: datetime
    recall: bool = False
    shown_at: float | None = None  # monotonic time it arrived: the board blinks from then

    @property
    def key(self) -> tuple[str, int]:
        return (self.number, self.counter)


@dataclass(frozen=True)
class BoardState:
    hall_name: str = ""
    hall_name_en: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    seq: int | None = None  # last event folded; None until the first snapshot
    open: bool = True
    opens_at: datetime | None = None
    counters: tuple[CounterView, ...] = ()
    services: tuple[ServiceView, ...] = ()
    recent: tuple[CallView, ...] = ()  # newest first
    notices: tuple[str, ...] = ()
    connected: bool = False
    lost_since: float | None = None  # monotonic time the connection dropped
    lost_reason: str = ""
    needs_reload: bool = False

    @property
    def latest(self) -> CallView | None:
        return self.recent[0] if self.recent else None

    @property
    def loaded(self) -> bool:
        return self.seq is not None

    def counter(self, number: int) -> CounterView | None:
        return next((c for c in self.counters if c.number == number), None)


@dataclass(frozen=True)
class Folded:
    state: BoardState
    announce: tuple[CallView, ...] = ()
    reload: bool = False
    problem: str = ""


@dataclass
class _Edit:
    """A mutable working copy used inside one fold; turned back into a frozen state."""

    state: BoardState
    counters: dict[int, CounterView] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counters = {c.number: c for c in self.state.counters}
        self.waiting = {s.code: s.waiting for s in self.state.services}

    def set_counter(self, number: int, **changes: object) -> None:
        current = self.counters.get(number)
        if current is not None:
            self.counters[number] = replace(current, **changes)

    def add_waiting(self, code: str | None, delta: int) -> None:
        if code in self.waiting:
            self.waiting[code] = max(0, self.waiting[code] + delta)

    def done(self, **changes: object) -> BoardState:
        services = tuple(replace(s, waiting=self.waiting.get(s.code, s.waiting))
                         for s in self.state.services)
        return replace(self.state, counters=tuple(self.counters.values()), services=services,
                       **changes)


def connection(state: BoardState, connected: bool, now: float, reason: str = "") -> BoardState:
    """Record that the link to the server came up or went down (at monotonic `now`)."""
    if connected:
        return replace(state, connected=True, lost_since=None, lost_reason="")
    lost = state.lost_since if state.lost_since is not None else now
    return replace(state, connected=False, lost_since=lost, lost_reason=reason)


def fold(state: BoardState, message: dict, now: float,
         filt: BoardFilter | None = None) -> Folded:
    """Fold one message; `now` is the monotonic time it reached the board."""
    filt = filt or BoardFilter()
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == EventType.snapshot:
        return _snapshot(state, message, now, filt)
    if kind in UNSEQUENCED:
        return _unsequenced(state, message)
    try:
        event = Event.model_validate(message)
    except ValidationError as exc:
        return Folded(replace(state, needs_reload=True), reload=True,
                      problem=f"malformed event, reloading: {exc.errors()[0]['msg']}")
    if state.seq is None or state.needs_reload:
        return Folded(state)  # waiting for a snapshot: events before it mean nothing
    if event.seq <= state.seq:
        return Folded(state)  # already folded (a replay after a reload)
    if event.seq != state.seq + 1:
        return Folded(replace(state, needs_reload=True), reload=True,
                      problem=f"missed events {state.seq + 1}..{event.seq - 1}, reloading")
    return _event(state, event, now, filt)


def _unsequenced(state: BoardState, message: dict) -> Folded:
    """Device health has no `seq` and is not a queue fact: the board shows no device list, so
    it is ignored on purpose. A reload would not mend a garbled one either, so even that only
    gets a log line."""
    try:
        DeviceHealthEvent.model_validate(message)
    except ValidationError as exc:
        return Folded(state, problem=f"malformed {message.get('type')} message ignored: "
                                     f"{exc.errors()[0]['msg']}")
    return Folded(state)


def _snapshot(state: BoardState, message: dict, now: float, filt: BoardFilter) -> Folded:
    try:
        snap = Snapshot.model_validate(message)
    except ValidationError as exc:
        return Folded(replace(state, needs_reload=True), reload=True,
                      problem=f"malformed snapshot: {exc.errors()[0]['msg']}")
    counters = tuple(
        CounterView(number=c.number, label=nfc(c.label), name=nfc(c.name),
                    services=tuple(c.services), state=str(c.state),
                    ticket=nfc(c.ticket.number) if c.ticket else None,
                    service=c.ticket.service if c.ticket else None)
        for c in sorted(snap.counters, key=lambda c: c.number)
        if filt.counter_ok(c.number, c.services)
    )
    shown_services = {code for c in counters for code in c.services}
    services = tuple(
        ServiceView(code=s.code, name=nfc(s.name), name_en=nfc(s.name_en), waiting=s.waiting,
                    open=s.open, prefix=nfc(s.prefix))
        for s in snap.services
        if (filt.services is None or s.code in filt.services)
        and (not filt.active or s.code in shown_services)
    )
    previous = {c.key: c for c in state.recent}
    recent: list[CallView] = []
    announce: list[CallView] = []
    for rc in sorted(snap.recent_calls, key=lambda r: r.at, reverse=True):
        if not filt.call_ok(rc.counter, rc.service):
            continue
        call = CallView(number=nfc(rc.number), counter=rc.counter,
                        counter_label=nfc(rc.counter_label), service=rc.service, at=rc.at)
        old = previous.get(call.key)
        if old is not None and old.at == call.at:
            call = replace(call, shown_at=old.shown_at, recall=old.recall)
        elif state.loaded and snap.now - rc.at <= MISSED_CALL_WINDOW:
            call = replace(call, shown_at=now)  # called while the board was away
            announce.append(call)
        if all(r.key != call.key for r in recent):
            recent.append(call)
    new = BoardState(
        hall_name=nfc(snap.hall.name), hall_name_en=nfc(snap.hall.name_en),
        timezone=snap.hall.timezone, seq=snap.seq, open=snap.open, opens_at=snap.opens_at,
        counters=counters, services=services, recent=tuple(recent[:MAX_RECENT]),
        notices=tuple(nfc(n) for n in snap.notices if str(n).strip()),
        connected=state.connected, lost_since=state.lost_since, lost_reason=state.lost_reason,
    )
    return Folded(new, announce=tuple(reversed(announce)))


def _waiting_counts(extra: dict) -> dict[str, int] | None:
    """The server's own waiting counts, when the event carries them (`waiting`: a number for
    the event's service, or {code: number})."""
    waiting = extra.get("waiting")
    if isinstance(waiting, dict):
        return {str(k): int(v) for k, v in waiting.items() if isinstance(v, int)}
    if isinstance(waiting, int) and not isinstance(waiting, bool) and extra.get("service"):
        return {str(extra["service"]): waiting}
    return None


def _event(state: BoardState, event: Event, now: float, filt: BoardFilter) -> Folded:
    x = dict(event.model_extra or {})
    kind = event.type
    edit = _Edit(state)
    counter = x.get("counter", x.get("from_counter"))  # a transfer names from_counter
    counter = counter if isinstance(counter, int) and not isinstance(counter, bool) else None
    number = nfc(x["number"]) if x.get("number") is not None else None
    service = x.get("service")
    announce: tuple[CallView, ...] = ()
    changes: dict[str, object] = {"seq": event.seq}
    counted = _waiting_counts(x)

    if kind in (EventType.called, EventType.recalled) and counter is not None and number:
        recall = kind == EventType.recalled
        edit.set_counter(counter, state="called", ticket=number, service=service)
        if counted is None and not recall:
            edit.add_waiting(service, -1)
        if filt.call_ok(counter, service):
            view = edit.counters.get(counter)
            label = nfc(x.get("counter_label") or (view.label if view else counter))
            call = CallView(number=number, counter=counter, counter_label=label,
                            service=str(service or ""), at=event.at, recall=recall,
                            shown_at=now)
            rest = tuple(c for c in state.recent if c.key != call.key)
            changes["recent"] = ((call,) + rest)[:MAX_RECENT]
            announce = (call,)
    elif kind == EventType.started and counter is not None:
        edit.set_counter(counter, state="serving")
    elif kind in (EventType.skipped, EventType.finished, EventType.transferred) \
            and counter is not None:
        current = edit.counters.get(counter)
        if current is not None and (number is None or current.ticket in (None, number)):
            edit.set_counter(counter, state="idle", ticket=None, service=None)
        if counted is None and kind == EventType.transferred:
            edit.add_waiting(x.get("to_service"), +1)
    elif kind in (EventType.ticket_issued, EventType.returned) and counted is None:
        edit.add_waiting(service, +1)
    elif kind == EventType.cancelled and counted is None:
        edit.add_waiting(service, -1)
    elif kind == EventType.counter_paused and counter is not None:
        edit.set_counter(counter, state="paused")
    elif kind == EventType.counter_resumed and counter is not None:
        current = edit.counters.get(counter)
        edit.set_counter(counter, state="called" if current and current.ticket else "idle")
    elif kind == EventType.day_opened:
        changes.update(open=True, recent=(), opens_at=None)
    elif kind == EventType.day_closed:
        for n in list(edit.counters):
            edit.set_counter(n, state="idle", ticket=None, service=None)
        edit.waiting = dict.fromkeys(edit.waiting, 0)
        changes["open"] = False
    elif kind == EventType.notice:
        changes["notices"] = _notices(state.notices, x)
    if counted:
        edit.waiting.update({k: v for k, v in counted.items() if k in edit.waiting})
    return Folded(edit.done(**changes), announce=announce)


def _notices(current: tuple[str, ...], x: dict) -> tuple[str, ...]:
    """A notice event replaces the list (`notices`), adds one (`text`), or clears (`clear`)."""
    if x.get("clear"):
        return ()
    if isinstance(x.get("notices"), list):
        return tuple(nfc(n) for n in x["notices"] if str(n).strip())
    text = nfc(x.get("text") or "").strip()
    if text and text not in current:
        return current + (text,)
    return current
