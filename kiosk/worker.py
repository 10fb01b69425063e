"""The kiosk's I/O, on one background thread running an asyncio loop.

It carries out the state machine's effects and posts back what happened, as events. Each job
has its module; this one starts them, routes the effects and stops them:
- the hall link (kiosk/link_io.py over common/hall_link.py): `WS /ws/hall`, snapshot first,
  then events, reconnecting with backoff and reloading the snapshot on a gap in `seq`;
- a ticket or a reprint (kiosk/tickets_io.py): asked for, printed on the printer's own thread;
- its outcome (kiosk/print_reports.py): `printed` or `print-failed`, retried until the server
  has heard it, so no issued ticket goes unreported;
- the journal (kiosk/journal_io.py), when the kiosk has one: each step written down before it
  is taken, and what the last run left reported at start (nothing is issued again);
- the printer's condition (kiosk/printer_poll.py), polled every few seconds while idle.
Nothing here decides what the citizen sees; `kiosk.machine` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from common.backoff import Backoff
from kiosk import machine as m
from kiosk.client import ServerClient
from kiosk.io_context import IOContext, Post
from kiosk.journal import Journal
from kiosk.journal_io import JournalWriter, recover
from kiosk.link_io import KioskLink
from kiosk.print_reports import PrintReports
from kiosk.printer_poll import PrinterWatch
from kiosk.printing import TicketPrinterPort
from kiosk.tickets_io import Tickets

__all__ = ["Backoff", "KioskIO", "Post"]

log = logging.getLogger(__name__)


class KioskIO:
    """Owns the server client, the hall link and the printer thread for one kiosk."""

    def __init__(
        self,
        server: str,
        token: str,
        printer: TicketPrinterPort | None,
        post: Post,
        *,
        printer_poll_s: float = 2.0,
        report_retry_s: float = 3.0,
        print_timeout_s: float = 30.0,
        journal: Journal | None = None,
    ) -> None:
        self.server = server
        self.token = token
        self.printer = printer
        self.post = post
        self.journal = journal
        self.report_retry_s = report_retry_s
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kiosk-io", daemon=True)
        self._print_pool = ThreadPoolExecutor(1, thread_name_prefix="kiosk-printer")
        self._writer = JournalWriter(journal)
        self.ctx = IOContext(self.loop, post, self._writer)
        self.reports = PrintReports(self.ctx, report_retry_s)
        self.watch = (PrinterWatch(self.ctx, printer, self._print_pool, printer_poll_s)
                      if printer is not None else None)
        self.tickets = Tickets(self.ctx, self.reports, printer, self.watch, self._print_pool,
                               print_timeout_s)
        self.link = KioskLink(self.ctx, server, token)
        self._tasks: list[asyncio.Task[Any]] = []

    # ---- life ----------------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        fut = asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop)
        with contextlib.suppress(Exception):
            fut.result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self._print_pool.shutdown(wait=True, cancel_futures=True)
        self._writer.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.ctx.client = ServerClient(self.server, self.token)
        jobs = [self.link.link.run(), self.link.refresher(), self.reports.run()]
        if self.watch is not None:
            jobs.append(self.watch.run())
        if self.journal is not None:
            jobs.append(recover(self._writer, self.ctx.client, self.reports.report,
                                self.report_retry_s))
        self._tasks = [self.loop.create_task(job) for job in jobs]
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    async def _shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.ctx.client is not None:
            await self.ctx.client.close()

    # ---- effects from the state machine --------------------------------------------------

    def submit(self, effect: m.Effect) -> None:
        """Carry out one effect; thread-safe, returns at once."""
        self.loop.call_soon_threadsafe(self._dispatch, effect)

    def _dispatch(self, effect: m.Effect) -> None:
        match effect:
            case m.Issue():
                self.loop.create_task(self.tickets.issue(effect))
            case m.Reprint():
                self.loop.create_task(self.tickets.reprint(effect))
            case m.ReloadHall():
                self.loop.create_task(self.link.reload_hall())
            case m.RefreshServices():
                self.link.refresh_services()
            case m.Reconnect():
                self.link.link.reconnect()

    async def _report(self, ticket_id: int, failure: str | None, number: str | None = None,
                      key: str | None = None) -> None:
        """One print outcome to the server (kiosk/print_reports.py); kept for the tests."""
        await self.reports.report(ticket_id, failure, number, key)

    @property
    def unreported(self) -> int:
        """Tickets issued whose printed / print-failed report the server has not had yet
        (the last run's, from the journal, included)."""
        return len(self.reports.unsent) + len(self._writer.recovering)
