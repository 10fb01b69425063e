"""The half-duplex line engine shared by the Layso bus master and the Modbus display master.

One task owns the line and runs one exchange at a time (request, then reply or timeout), because
an RS-485 pair carries one talker at a time. Each device ("endpoint") keeps the state it should
show in slots; the engine sends the newest value of each dirty slot (so a burst of updates
coalesces), polls the devices that hold key presses, pings every device now and then, and
keeps health. Fairness is what keeps one dead device from stalling the line: writes go to the
device whose last try is oldest, so a silent device costs the others one reply timeout per
try, never a whole retry cycle; after `offline_after` failed tries it is only probed, with a
backing-off interval, until it answers, and then everything it should show is sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from common.backoff import Backoff
from drivers.bus.frame import line_time
from drivers.bus.health import Counters, DeviceHealth, LineHealth, utcnow
from drivers.bus.link import LinkClosed, SerialLink, StreamDecoder

log = logging.getLogger("layso.bus")

T = TypeVar("T")
Callback = Callable[[T], Awaitable[None] | None]


@dataclass(frozen=True)
class Timing:
    """Line timing and patience; defaults suit 9600 8N1 and docs/serial-bus.md."""

    baud: int = 9600
    turnaround_s: float = 0.05
    """Longest a device may take between the end of a request and the start of its reply."""
    gap_chars: float = 3.5
    """Silence the master leaves between frames, in character times."""
    offline_after: int = 3
    """Failed tries in a row (no reply, or a corrupt one) before a device counts as offline."""
    poll_interval_s: float = 0.05
    ping_interval_s: float = 5.0
    probe_min_s: float = 0.5
    probe_max_s: float = 8.0
    reconnect_min_s: float = 0.5
    reconnect_max_s: float = 10.0
    interbyte_timeout_s: float = 0.02
    """A half-received frame older than this is dropped (USB adapters batch bytes ~16 ms)."""

    @property
    def gap_s(self) -> float:
        return line_time(1, self.baud) * self.gap_chars


class Codec(Protocol):
    """What the engine needs to know about a wire protocol."""

    def decoder(self) -> StreamDecoder: ...

    def classify(self, frame: Any) -> tuple[int, bool]:
        """(device address, whether the frame is a reply rather than a request echo)."""
        ...


class Slot(Generic[T]):
    """One piece of state a device should show; versions make "latest wins" exact."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.value: T | None = None
        self.version = 0
        self.acked = 0
        self._waiters: list[tuple[int, asyncio.Future[bool]]] = []

    @property
    def dirty(self) -> bool:
        return self.version > self.acked

    def set(self, value: T) -> asyncio.Future[bool]:
        """New value to send; the future is True once the device confirmed it or a newer one."""
        self.value = value
        self.version += 1
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.append((self.version, fut))
        return fut

    def settle(self, value: T) -> None:
        """The device already has `value` (it changed it itself): record it, send nothing.

        Whoever waited for an unsent older value gets False: it never reached the device.
        """
        self._resolve(self.version, False)
        self.value = value
        self.version += 1
        self.acked = self.version

    def ack(self, version: int) -> None:
        """The device confirmed `version`: it, and everything it replaced, is delivered."""
        self.acked = max(self.acked, version)
        self._resolve(version, True)

    def reject(self, version: int) -> None:
        """The device refused `version` (a NAK): stop sending it, tell whoever waits."""
        self.acked = max(self.acked, version)
        self._resolve(version, False)

    def resend(self) -> None:
        if self.value is not None:
            self.version += 1

    def close(self) -> None:
        self._resolve(self.version, False)

    def _resolve(self, upto: int, result: bool) -> None:
        keep = []
        for v, fut in self._waiters:
            if fut.done():
                continue
            if v <= upto:
                fut.set_result(result)
            else:
                keep.append((v, fut))
        self._waiters = keep


Kind = Literal["write", "poll", "ping"]


@dataclass(frozen=True)
class Request:
    """One exchange the engine runs for an endpoint."""

    kind: Kind
    label: str
    build: Callable[[int], bytes]
    """seq -> the bytes to send."""
    reply_max: int
    slot: Slot[Any] | None = None
    version: int = 0
    value: Any = None
    """The slot value this request carries (as it was when built)."""


class Endpoint:
    """One addressed device; subclasses know its protocol, the engine its scheduling."""

    kind_name = "device"
    polled = False

    def __init__(self, address: int, name: str, counter: int | None) -> None:
        self.address = address
        self.name = name
        self.counter = counter
        self.engine: LineEngine | None = None
        self.slots: list[Slot[Any]] = []
        self.online: bool | None = None
        self.silent = 0
        self.last_seen: datetime | None = None
        self.last_error: str | None = None
        self.boot_id: int | None = None
        self.c = Counters()
        self.next_poll = 0.0
        self.next_ping = 0.0
        self.probe_interval = 0.0
        self.last_attempt = 0.0
        self.poll_again = False

    # -- protocol hooks -------------------------------------------------------------------
    def ping_request(self) -> Request:
        raise NotImplementedError

    def poll_request(self) -> Request:
        raise NotImplementedError

    def write_request(self, slot: Slot[Any], now: float) -> Request | None:
        """The request that sends `slot`'s value now, or None if there is nothing to send."""
        raise NotImplementedError

    def matches(self, request: Request, seq: int, frame: Any) -> bool:
        raise NotImplementedError

    def on_reply(self, request: Request, frame: Any) -> str | None:
        """Apply a reply; return a message when the device refused (a NAK)."""
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------
    def next_write(self, now: float) -> Request | None:
        for slot in self.slots:
            if slot.dirty:
                request = self.write_request(slot, now)
                if request is not None:
                    return request
                slot.ack(slot.version)
        return None

    @property
    def has_dirty(self) -> bool:
        return any(s.dirty for s in self.slots)

    def resync(self) -> None:
        """Send everything again (the device came back, restarted, or the line reopened)."""
        self.c.resyncs += 1
        for slot in self.slots:
            slot.resend()

    def health(self, line: str) -> DeviceHealth:
        c = self.c
        return DeviceHealth(
            line=line, address=self.address, name=self.name, kind=self.kind_name,
            counter=self.counter, online=self.online, last_seen=self.last_seen,
            last_error=self.last_error, requests=c.requests, replies=c.replies,
            timeouts=c.timeouts, corrupt_replies=c.corrupt_replies, naks=c.naks,
            stale_replies=c.stale_replies, events=c.events, duplicate_events=c.duplicate_events,
            resyncs=c.resyncs, boot_id=self.boot_id,
        )


class LineEngine:
    """Runs one serial line: `start()`, then update endpoints' slots and `wake()`."""

    def __init__(self, port: str, codec: Codec, timing: Timing | None = None) -> None:
        self.port = port
        self.timing = timing or Timing()
        self._codec = codec
        self._endpoints: dict[int, Endpoint] = {}
        self._decoder = codec.decoder()
        self._link: SerialLink | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._pending: tuple[Endpoint, Request, int, asyncio.Future[Any]] | None = None
        self._seq = 0
        self._line_free = 0.0
        self._last_was_write = False
        self._health_cbs: list[Callback[DeviceHealth | LineHealth]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._connected = False
        self._line_error: str | None = None
        self._since = utcnow()
        self._reconnects = 0
        self._open_failures = 0
        self._unknown_address = 0
        self._echoes = 0
        self._ever_connected = False

    # -- configuration and reading ------------------------------------------------------------
    def add_endpoint(self, endpoint: Endpoint) -> None:
        if endpoint.address in self._endpoints:
            other = self._endpoints[endpoint.address]
            raise ValueError(
                f"address {endpoint.address} on {self.port} is taken by {other.name!r}; "
                f"{endpoint.name!r} needs another address"
            )
        endpoint.engine = self
        self._endpoints[endpoint.address] = endpoint
        self.wake()

    def endpoint(self, address: int) -> Endpoint:
        try:
            return self._endpoints[address]
        except KeyError:
            known = ", ".join(str(a) for a in sorted(self._endpoints)) or "none"
            raise KeyError(f"no device at address {address} on {self.port} (known: {known})") \
                from None

    def on_health(self, callback: Callback[DeviceHealth | LineHealth]) -> Callable[[], None]:
        """Call `callback` (plain or async) when the line or a device changes state."""
        self._health_cbs.append(callback)
        return lambda: self._health_cbs.remove(callback)

    def health(self, address: int) -> DeviceHealth:
        return self.endpoint(address).health(self.port)

    def devices_health(self) -> list[DeviceHealth]:
        return [ep.health(self.port) for _, ep in sorted(self._endpoints.items())]

    def line_health(self) -> LineHealth:
        s = self._decoder.stats  # type: ignore[attr-defined]
        link = self._link
        return LineHealth(
            line=self.port, baud=self.timing.baud, connected=self._connected,
            last_error=self._line_error, since=self._since, reconnects=self._reconnects,
            open_failures=self._open_failures, bytes_out=link.bytes_out if link else 0,
            bytes_in=link.bytes_in if link else 0, frames_in=s.frames,
            crc_errors=s.crc_errors, bad_headers=s.bad_headers, truncated=s.truncated,
            garbage_bytes=s.garbage_bytes, unknown_address=self._unknown_address,
            echoes=self._echoes,
        )

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # -- life cycle -----------------------------------------------------------------------
    async def start(self) -> None:
        if self.running:
            return
        self._link = SerialLink(
            self.port, self.timing.baud, self._decoder, self._on_frame, self._on_lost,
            self.timing.interbyte_timeout_s,
        )
        self._task = asyncio.create_task(self._run(), name=f"bus {self.port}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._link is not None:
            self._link.close()
            await self._link.closed()
        for ep in self._endpoints.values():
            for slot in ep.slots:
                slot.close()
        for task in list(self._tasks):
            task.cancel()
        self._connected = False

    async def __aenter__(self) -> LineEngine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def wake(self) -> None:
        self._wake.set()

    # -- the loop -------------------------------------------------------------------------
    async def _run(self) -> None:
        # exact waits (no jitter): one line per port, and the tests' clock is a fake
        backoff = Backoff(self.timing.reconnect_min_s, self.timing.reconnect_max_s, jitter=0)
        while True:
            if not self._connected:
                try:
                    assert self._link is not None
                    await self._link.open()
                except OSError as exc:
                    self._open_failures += 1
                    self._line_down(str(exc))
                    await self._sleep(backoff.next())
                    continue
                backoff.reset()
                self._line_up()
            try:
                if not await self._step():
                    await self._idle()
            except LinkClosed:
                continue
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bus %s: unexpected error; carrying on", self.port)
                await asyncio.sleep(0.1)

    def _line_up(self) -> None:
        if self._ever_connected:
            self._reconnects += 1
        self._ever_connected = True
        self._connected = True
        self._line_error = None
        self._since = utcnow()
        now = time.monotonic()
        self._line_free = now
        for ep in self._endpoints.values():
            ep.next_ping = now
            ep.probe_interval = self.timing.probe_min_s
        log.info("bus %s: line open", self.port)
        self._emit_health(self.line_health())

    def _line_down(self, message: str) -> None:
        changed = self._connected or self._line_error != message
        self._connected = False
        if changed:
            self._line_error = message
            self._since = utcnow()
            log.warning("bus %s: %s", self.port, message)
            self._emit_health(self.line_health())
        for ep in self._endpoints.values():
            ep.last_error = f"line down: {message}"
            if ep.online is not False:
                ep.online = False
                self._emit_health(ep.health(self.port))

    def _on_lost(self, exc: Exception | None) -> None:
        if self._pending is not None and not self._pending[3].done():
            self._pending[3].set_exception(LinkClosed(str(exc)))
        if self._task is not None and not self._task.done():
            self._line_down(f"serial line {self.port} lost: {exc}" if exc else
                            f"serial line {self.port} closed")
            self.wake()

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def _idle(self) -> None:
        now = time.monotonic()
        due = [ep.next_ping for ep in self._endpoints.values()]
        due += [ep.next_poll for ep in self._endpoints.values() if ep.polled and ep.online
                is not False]
        timeout = max(0.0, min(due) - now) if due else None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def _step(self) -> bool:
        self._wake.clear()
        now = time.monotonic()
        eps = list(self._endpoints.values())
        writers = [ep for ep in eps if ep.online is not False and ep.has_dirty]
        others: list[tuple[float, Kind, Endpoint]] = []
        for ep in eps:
            if ep.polled and ep.online is not False and ep.next_poll <= now:
                others.append((ep.next_poll, "poll", ep))
            if ep.next_ping <= now:
                others.append((ep.next_ping, "ping", ep))
        request: Request | None = None
        target: Endpoint | None = None
        if writers and not (self._last_was_write and others):
            for target in sorted(writers, key=lambda e: e.last_attempt):
                request = target.next_write(now)
                if request is not None:
                    break
            self._last_was_write = request is not None
        if request is None and others:
            _, kind, target = min(others, key=lambda o: o[0])
            request = target.poll_request() if kind == "poll" else target.ping_request()
            self._last_was_write = False
        if request is None or target is None:
            return False
        await self._exchange(target, request)
        return True

    async def _exchange(self, ep: Endpoint, request: Request) -> None:
        assert self._link is not None
        t = self.timing
        self._seq = (self._seq + 1) & 0xFF
        seq = self._seq
        data = request.build(seq)
        wait = self._line_free + t.gap_s - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        dropped = self._decoder.stats.dropped  # type: ignore[attr-defined]
        ep.c.requests += 1
        ep.last_attempt = time.monotonic()
        self._pending = (ep, request, seq, fut)
        try:
            end = self._link.write(data)
            timeout = end - time.monotonic() + t.turnaround_s + line_time(request.reply_max,
                                                                           t.baud)
            await asyncio.wait({fut}, timeout=timeout)
            if not fut.done():
                self._link.expire()  # a reply held up behind a half frame is still a reply
        finally:
            self._pending = None
            self._line_free = max(time.monotonic(), self._link.busy_until)
        if fut.done() and fut.exception() is not None:
            raise fut.exception()  # type: ignore[misc]
        reply = fut.result() if fut.done() else None
        now = time.monotonic()
        if request.kind == "poll":
            ep.next_poll = now + t.poll_interval_s
        if reply is None:
            corrupt = self._decoder.stats.dropped > dropped  # type: ignore[attr-defined]
            self._failed(ep, request, corrupt, now)
        else:
            self._answered(ep, request, reply, now)

    def _answered(self, ep: Endpoint, request: Request, reply: Any, now: float) -> None:
        t = self.timing
        ep.silent = 0
        ep.c.replies += 1
        ep.last_seen = datetime.now(UTC)
        came_back = ep.online is False
        ep.poll_again = False
        try:
            refused = ep.on_reply(request, reply)
        except ValueError as exc:  # a malformed reply: the device is there but confused
            refused = f"malformed reply to {request.label}: {exc}"
        if refused:
            ep.c.naks += 1
            ep.last_error = refused
            log.warning("bus %s: %s (address %d): %s", self.port, ep.name, ep.address, refused)
        if request.kind == "ping":
            ep.next_ping = now + t.ping_interval_s
        if ep.poll_again:
            ep.next_poll = now
        if ep.online is not True:
            ep.online = True
            ep.probe_interval = t.probe_min_s
            if came_back:
                ep.resync()
                ep.next_ping = min(ep.next_ping, now + t.ping_interval_s)
                log.info("bus %s: %s (address %d) is back", self.port, ep.name, ep.address)
            if not refused:
                ep.last_error = None
            self._emit_health(ep.health(self.port))

    def _failed(self, ep: Endpoint, request: Request, corrupt: bool, now: float) -> None:
        t = self.timing
        ep.silent += 1
        if corrupt:
            ep.c.corrupt_replies += 1
            ep.last_error = f"corrupt reply to {request.label}"
        else:
            ep.c.timeouts += 1
            ep.last_error = f"no reply to {request.label}"
        if ep.online is False:
            ep.probe_interval = min(max(ep.probe_interval * 2, t.probe_min_s), t.probe_max_s)
            ep.next_ping = now + ep.probe_interval
        elif ep.silent >= t.offline_after:
            ep.online = False
            ep.probe_interval = t.probe_min_s
            ep.next_ping = now + ep.probe_interval
            log.warning("bus %s: %s (address %d) is offline: %s", self.port, ep.name,
                        ep.address, ep.last_error)
            self._emit_health(ep.health(self.port))
        elif request.kind == "ping":
            ep.next_ping = now  # try again soon: silence on a ping is news

    def _on_frame(self, frame: Any) -> None:
        pending = self._pending
        if pending is not None:
            ep, request, seq, fut = pending
            if not fut.done() and ep.matches(request, seq, frame):
                fut.set_result(frame)
                return
        address, is_reply = self._codec.classify(frame)
        if not is_reply:
            self._echoes += 1
            return
        ep = self._endpoints.get(address)
        if ep is None:
            self._unknown_address += 1
            log.debug("bus %s: ignored a frame from unknown address %d", self.port, address)
            return
        ep.c.stale_replies += 1

    # -- callbacks ------------------------------------------------------------------------
    def _emit_health(self, health: DeviceHealth | LineHealth) -> None:
        self._emit(self._health_cbs, health)

    def _emit(self, callbacks: Iterable[Callback[Any]], value: Any) -> None:
        for cb in list(callbacks):
            try:
                result = cb(value)
                if inspect.isawaitable(result):
                    task = asyncio.ensure_future(result)
                    self._tasks.add(task)
                    task.add_done_callback(self._task_done)
            except Exception:
                log.exception("bus %s: a callback failed on %r", self.port, value)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("bus %s: an async callback failed", self.port, exc_info=task.exception())
