"""The one Python client of `WS /ws/hall`, used by the kiosk and the board, with one gap policy.

The contract (contracts/events.py): each connection sends the snapshot first, then events
`{seq, type, …}` with a gap-free `seq`; a few types (device health) come without `seq`.

The gap policy, the same for every reader:
- a new connection's first message is the snapshot; events before it are dropped (they cannot
  be placed);
- events with `seq <= last` are replays and dropped; `seq == last + 1` is folded;
- a gap (`seq > last + 1`), a queue event without a `seq`, or a reload asked for by the reader
  (`reload()`) loads the snapshot over HTTP (`GET /api/v1/hall`) while the socket keeps being
  read into a buffer; then the buffered events with `seq > snapshot.seq` are folded in order
  (and a gap among them reloads again). Nothing that arrives during the reload is lost, and the
  snapshot and the events that follow it agree: not racy, and no new connection per gap;
- when the reload fails, the connection is dropped and made again with the backoff, and the new
  connection's snapshot is the reload.

This module imports nothing of ours (it is on the ground floor, like `contracts/`, which it
therefore cannot import): the caller gives it the unsequenced types, how to load the snapshot,
and where to deliver what it reads. Messages are delivered as the JSON objects they are; the
readers validate them against the contract's models and dispatch on their type.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from common.backoff import Backoff

log = logging.getLogger(__name__)

Message = dict[str, Any]


class SnapshotUnavailable(Exception):
    """`GET /api/v1/hall` failed during a reload: the link reconnects instead."""


@dataclass
class LinkHandlers:
    """Where the link delivers, each called on the link's event loop.

    `snapshot(message, fresh)`: `fresh` is True for a new connection's first message, False for
    a reload; `event`: a sequenced event in order; `unsequenced`: a message of an unsequenced
    type (device health); `opened` / `closed(reason)`: the connection came up / went down.
    """

    snapshot: Callable[[Message, bool], None]
    event: Callable[[Message], None]
    unsequenced: Callable[[Message], None] = lambda message: None
    opened: Callable[[], None] = lambda: None
    closed: Callable[[str], None] = lambda reason: None


def _default_reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


@dataclass
class HallLink:
    """Keeps one `WS /ws/hall` connection up on the running event loop (`await run()`)."""

    url: str
    load_snapshot: Callable[[], Awaitable[Message]]
    handlers: LinkHandlers
    unsequenced: frozenset[str] = frozenset()
    backoff: Backoff = field(default_factory=Backoff)
    describe: Callable[[BaseException], str] = _default_reason
    ping_interval: float = 10.0
    open_timeout: float = 5.0
    max_size: int = 2**22
    log: logging.Logger = log  # the reader's own (the kiosk's -v shows `kiosk.*` only)
    connections: int = 0  # how many times a connection opened (for tests and logs)
    reloads: int = 0  # snapshots loaded over HTTP
    _ws: ClientConnection | None = None
    _wake: asyncio.Event | None = None
    _inbox: asyncio.Queue[Any] | None = None
    _stopping: bool = False

    # ---- called on the link's loop -----------------------------------------------------------

    def reload(self) -> None:
        """Load the snapshot over HTTP now, in order with the events (no new connection)."""
        if self._inbox is not None:
            self._inbox.put_nowait(_RELOAD)

    def reconnect(self) -> None:
        """Drop the connection (if any) and connect again without waiting out the backoff."""
        if self._wake is not None:
            self._wake.set()
        if self._ws is not None:
            asyncio.ensure_future(self._ws.close())

    def stop(self) -> None:
        """End `run()` (a cancelled task ends it too)."""
        self._stopping = True
        self.reconnect()

    @property
    def up(self) -> bool:
        return self._ws is not None

    async def run(self) -> None:
        self._wake = asyncio.Event()
        while not self._stopping:
            self._wake.clear()
            reason = "the server closed the connection"
            try:
                async with connect(self.url, open_timeout=self.open_timeout,
                                   ping_interval=self.ping_interval,
                                   ping_timeout=self.ping_interval, close_timeout=2,
                                   max_size=self.max_size) as ws:
                    self._ws = ws
                    self.connections += 1
                    self.handlers.opened()
                    await self._follow(ws)
            except (OSError, TimeoutError, WebSocketException, ValueError,
                    SnapshotUnavailable) as exc:
                reason = self.describe(exc)
            finally:
                self._ws = None
                self._inbox = None
            self.handlers.closed(reason)
            if self._stopping:
                break
            if self._wake.is_set():  # reconnect() asked for it: no backoff
                continue
            delay = self.backoff.next()
            self.log.info("hall link down (%s); retrying in %.1f s", reason, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    # ---- the policy ----------------------------------------------------------------------------

    async def _follow(self, ws: ClientConnection) -> None:
        """Read the socket into a buffer on its own task and fold from the buffer, so that a
        reload never stops the reading."""
        inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._inbox = inbox
        reader = asyncio.ensure_future(self._read(ws, inbox))
        try:
            last: int | None = None
            while True:
                item = await inbox.get()
                if item is _CLOSED:
                    break
                if isinstance(item, BaseException):
                    raise item
                if item is _RELOAD:
                    if last is not None:
                        last = await self._reload(last)
                    continue
                last = await self._take(item, last)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def _read(self, ws: ClientConnection, inbox: asyncio.Queue[Any]) -> None:
        try:
            async for raw in ws:
                try:
                    message = json.loads(raw)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    self.log.warning("ignored a message that is not JSON: %.80r", raw)
                    continue
                if isinstance(message, dict):
                    inbox.put_nowait(message)
        except (OSError, WebSocketException) as exc:
            inbox.put_nowait(exc)
        inbox.put_nowait(_CLOSED)

    async def _take(self, message: Message, last: int | None) -> int | None:
        """Fold one message; returns the new last `seq`."""
        kind = message.get("type")
        if kind == "snapshot":
            if last is not None:
                self.log.warning("a second snapshot on one connection: taken as a reload")
            seq = _seq(message)
            if seq is None:
                raise ValueError("a snapshot without seq")
            self.log.info("hall link up: the snapshot's seq is %s", seq)
            self.handlers.snapshot(message, last is None)
            self.backoff.reset()
            return seq
        if kind in self.unsequenced:
            self.handlers.unsequenced(message)
            return last
        if last is None:
            return last  # events before the snapshot cannot be placed
        seq = _seq(message)
        if seq is None:
            self.log.warning("malformed event (no seq), reloading the snapshot: %.200s", message)
            return await self._reload(last)
        if seq <= last:
            return last
        if seq != last + 1:
            self.log.info("event gap %s -> %s: reloading the snapshot", last, seq)
            last = await self._reload(last)
            if seq <= last:
                return last
            if seq != last + 1:  # the snapshot is older than this event: still a gap
                self.log.warning("the snapshot (seq %s) is behind event %s: folding on",
                                 last, seq)
        self.handlers.event(message)
        return seq

    async def _reload(self, last: int) -> int:
        try:
            snapshot = await self.load_snapshot()
        except Exception as exc:
            raise SnapshotUnavailable(f"GET /api/v1/hall failed: {exc}") from exc
        seq = _seq(snapshot) if isinstance(snapshot, dict) else None
        if seq is None:
            raise SnapshotUnavailable("GET /api/v1/hall answered without seq")
        self.reloads += 1
        self.handlers.snapshot(snapshot, False)
        return seq


_RELOAD = object()
_CLOSED = object()


def _seq(message: Message) -> int | None:
    seq = message.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None
