"""The event bus: committed events fan out to subscribers in this process.

Subscribers (the WebSocket hub, the device manager, the announcer on the server's machine)
get each event once, in sequence order. `publish` never blocks on a subscriber: each has its
own bounded queue, and one that falls behind is told so (`overflowed`) and must resync from
the snapshot, which is what a client that misses a sequence number does anyway.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("layso.bus")


class Numbered(dict[str, Any]):
    """A committed event and its JSON, made once when it was stored: the bytes in the event
    log are the bytes every subscriber and the PostgreSQL NOTIFY send."""

    __slots__ = ("text",)

    def __init__(self, event: dict[str, Any], text: str | None = None) -> None:
        super().__init__(event)
        self.text = text if text is not None else json.dumps(event, ensure_ascii=False,
                                                             default=str)


def event_text(ev: dict[str, Any]) -> str:
    return ev.text if isinstance(ev, Numbered) else json.dumps(ev, ensure_ascii=False,
                                                               default=str)


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=2000))
    overflowed: bool = False
    name: str = ""


class EventBus:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self.last_seq = 0
        self.gap_wait_s = 1.0
        self._pending: dict[int, dict[str, Any]] = {}
        self._gap_timer: asyncio.TimerHandle | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def subscribe(self, name: str = "", maxsize: int = 2000) -> Subscription:
        sub = Subscription(queue=asyncio.Queue(maxsize=maxsize), name=name)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def add_listener(self, fn: Callable[[dict[str, Any]], None]) -> None:
        """A synchronous callback on the event loop for every event (cheap work only)."""
        self._listeners.append(fn)

    def remove_listener(self, fn: Callable[[dict[str, Any]], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def broadcast(self, event: dict[str, Any]) -> None:
        """Send a passing state (device health) to every subscriber: no seq, not in the event
        log, not seen by listeners; clients must not read it as a gap."""
        text = json.dumps(event, ensure_ascii=False, default=str)
        for sub in list(self._subs):
            if not sub.overflowed:
                try:
                    sub.queue.put_nowait((event, text))
                except asyncio.QueueFull:
                    sub.overflowed = True

    def publish_threadsafe(self, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        if self._loop is None or self._loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self.publish(events)
        else:
            self._loop.call_soon_threadsafe(self.publish, events)

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Deliver in sequence order. Transactions commit in order but their publish calls
        can cross on the way to the loop, so an early arrival waits (briefly) for the gap."""
        for ev in events:
            if ev["seq"] > self.last_seq:
                self._pending[ev["seq"]] = ev
        self._drain()
        if self._pending and self._gap_timer is None and self._loop is not None:
            self._gap_timer = self._loop.call_later(self.gap_wait_s, self._give_up_gap)

    def _drain(self) -> None:
        while self.last_seq + 1 in self._pending:
            self._deliver(self._pending.pop(self.last_seq + 1))
        if not self._pending and self._gap_timer is not None:
            self._gap_timer.cancel()
            self._gap_timer = None

    def _give_up_gap(self) -> None:
        """A seq that never arrived (another process wrote it): move on; clients see the
        gap and reload their snapshot."""
        self._gap_timer = None
        if self._pending:
            first = min(self._pending)
            log.warning("events %s..%s never arrived here; skipping", self.last_seq + 1,
                        first - 1)
            self.last_seq = first - 1
            self._drain()

    def _deliver(self, ev: dict[str, Any]) -> None:
        self.last_seq = ev["seq"]
        text = event_text(ev)
        for sub in list(self._subs):
            if sub.overflowed:
                continue
            try:
                sub.queue.put_nowait((ev, text))
            except asyncio.QueueFull:
                sub.overflowed = True
                log.warning("subscriber %s fell behind at seq %s; it must resync",
                            sub.name or id(sub), ev["seq"])
        for fn in self._listeners:
            try:
                fn(ev)
            except Exception:  # a listener's bug must not stop the hall
                log.exception("event listener failed on %s", ev.get("type"))
