"""Print outcomes to the server: `printed` or `print-failed`, retried until the server has them,
so no issued ticket goes unreported.

Each outcome is in the journal before it is sent and leaves it once the server took it. Only the
newest outcome of a ticket is kept and reports go one at a time: a reprint's `printed` must not
be overtaken by a late retry of the first print's `print-failed`.
"""

from __future__ import annotations

import asyncio
import logging

from kiosk.client import ServerRefusal, ServerUnreachable
from kiosk.io_context import IOContext

log = logging.getLogger(__name__)


class PrintReports:
    def __init__(self, ctx: IOContext, retry_s: float) -> None:
        self.ctx = ctx
        self.retry_s = retry_s
        # ticket id -> (generation, failure reason or None for printed): the newest outcome
        # of each ticket the server has not taken yet, oldest ticket first
        self.unsent: dict[int, tuple[int, str | None]] = {}
        self.gen = ctx.journal.max_gen  # orders the journal's entries across runs
        self._lock: asyncio.Lock | None = None  # one report at a time, so they arrive in order

    def next_gen(self) -> int:
        self.gen += 1
        return self.gen

    async def report(self, ticket_id: int, failure: str | None, number: str | None = None,
                     key: str | None = None) -> None:
        """Tell the server printed / print-failed now; what it cannot take yet, `run()`
        sends later. The outcome is in the journal before it is sent."""
        gen = self.next_gen()
        self.unsent.pop(ticket_id, None)
        self.unsent[ticket_id] = (gen, failure)
        await self.ctx.journal.do("outcome", ticket_id, number, failure, gen, key)
        await self.send_unsent(ticket_id)

    async def send_unsent(self, ticket_id: int) -> bool:
        """Send the newest outcome of `ticket_id` if still unsent; False if the server could
        not take it (it stays for `run()`)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            entry = self.unsent.get(ticket_id)
            if entry is None:
                return True
            gen, failure = entry
            if not await self._send(ticket_id, failure):
                return False
            if self.unsent.get(ticket_id, (None,))[0] == gen:
                del self.unsent[ticket_id]
            # drops the journal's entry only if it is still this outcome (not a reprint's)
            await self.ctx.journal.do("delivered", ticket_id, gen)
            return True

    async def _send(self, ticket_id: int, failure: str | None) -> bool:
        client = self.ctx.server()
        try:
            if failure is None:
                await client.report_printed(ticket_id)
            else:
                await client.report_print_failed(ticket_id, failure)
        except ServerUnreachable:
            return False
        except ServerRefusal as exc:
            if exc.status >= 500:
                return False
            log.warning("server would not take the print report of ticket %s: %s",
                        ticket_id, exc)
        return True

    async def run(self) -> None:
        """Send again, every `retry_s`, what the server could not take, oldest first."""
        while True:
            await asyncio.sleep(self.retry_s)
            for ticket_id in list(self.unsent):
                if not await self.send_unsent(ticket_id):
                    break
