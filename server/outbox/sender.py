"""The deployment's one sender: claims due messages, sends them, marks them.

It runs as a task in every server process but works only while `active()` says this process
runs the hall's scheduler (`SchedulerLeader`: one per deployment); the claim's lease keeps a
handover between two leaders from sending a message twice at once. It wakes when a request
has just written a message (`wake`) and every `poll_s` otherwise (a message written by
another process). Everything it does is off the request path and off the hall's writer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from server.clock import Clock
from server.outbox.gateways import Gateway, SendFailed
from server.outbox.store import Claimed, OutboxStore

log = logging.getLogger("layso.outbox")
PRUNE_EVERY = timedelta(minutes=10)


class OutboxSender:
    def __init__(self, store: OutboxStore, gateway: Gateway, clock: Clock,
                 active: Callable[[], bool] = lambda: True, poll_s: float = 1.0,
                 batch: int = 20) -> None:
        self.store = store
        self.gateway = gateway
        self.clock = clock
        self.active = active
        self.poll_s = poll_s
        self.batch = batch
        self.maintenance: list[Callable[[datetime], object]] = [store.prune]
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._pruned_at: datetime | None = None

    def wake(self) -> None:
        """A message was just written (call on the event loop)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.gateway.close()

    async def _run(self) -> None:
        while True:
            busy = False
            try:
                if self.active():
                    busy = await self.drain_once() == self.batch
                    await self._maintain()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: try again next round
                log.warning("outbox: %s", exc)
            if busy:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_s)
            self._wake.clear()

    async def drain_once(self) -> int:
        """Claim up to a batch of due messages and send them, concurrently (one slow send
        does not hold the others); the number claimed."""
        claimed = await asyncio.to_thread(self.store.claim, self.clock.now(), self.batch)
        if claimed:
            await asyncio.gather(*(self._send(m) for m in claimed))
        return len(claimed)

    async def _send(self, msg: Claimed) -> None:
        now = self.clock.now()
        if msg.expires_at is not None and now >= msg.expires_at:
            await asyncio.to_thread(self.store.failed, msg, now, "expired before it could be "
                                    "sent", give_up=True)
            return
        try:
            await self.gateway.send(msg)
        except SendFailed as exc:
            log.warning("outbox: message %s (%s) not sent, attempt %d: %s", msg.id, msg.kind,
                        msg.attempts, exc)
            await asyncio.to_thread(self.store.failed, msg, self.clock.now(), str(exc))
            return
        except Exception as exc:  # a gateway's bug must not stop the loop
            log.exception("outbox: gateway failed on message %s", msg.id)
            await asyncio.to_thread(self.store.failed, msg, self.clock.now(), repr(exc))
            return
        await asyncio.to_thread(self.store.sent, msg.id, self.clock.now())

    async def _maintain(self) -> None:
        now = self.clock.now()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        for job in self.maintenance:
            try:
                await asyncio.to_thread(job, now)
            except Exception:
                log.exception("outbox maintenance failed")
