"""The kiosk's journal (kiosk/journal.py) from the I/O loop: its writes, and the recovery of
what the last run left.

Each write is an fsync, so it runs on a thread of its own, one at a time and in order, and the
loop waits for it to be on disk before the step it records is taken. A journal that fails is
logged and never stops a ticket being printed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from kiosk.client import ServerRefusal, ServerUnreachable
from kiosk.journal import Journal

if TYPE_CHECKING:
    from kiosk.client import ServerClient
    from kiosk.journal import RequestEntry, TicketEntry

log = logging.getLogger(__name__)

Report = Callable[[int, str | None, str | None], Awaitable[None]]


class JournalWriter:
    """Writes to the journal, if the kiosk has one, off the event loop."""

    def __init__(self, journal: Journal | None) -> None:
        self.journal = journal
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="kiosk-journal")
        # what the last run left, read now: before this run writes anything of its own
        self.left: tuple[list[TicketEntry], list[RequestEntry]] = (
            journal.recovered() if journal is not None else ([], []))
        self.recovering = [e.id for e in self.left[0]]  # of those, not yet reported
        self.max_gen = journal.max_gen() if journal is not None else 0

    async def do(self, change: str, *args: Any) -> None:
        """Write one change to the journal (if any) and wait until it is on disk."""
        if self.journal is None:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._pool, getattr(self.journal, change), *args)
        except RuntimeError as exc:  # the kiosk is stopping: the pool is gone
            log.info("journal: %s not written: %s", change, exc)
        except Exception:  # the journal must never stop a ticket being printed
            log.exception("journal: %s failed", change)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


async def recover(writer: JournalWriter, client: ServerClient, report: Report,
                  retry_s: float) -> None:
    """Report what the last run left in the journal; issue nothing.

    A ticket that was printing when the kiosk died is reported `print-failed`
    (`kiosk_restarted_while_printing`): the paper may or may not have come out, and the
    citizen may be gone, so the kiosk shows nothing about it (docs/kiosk.md). An outcome
    the server never took is delivered. Each entry is first checked against the server
    (`GET /api/v1/tickets/{id}` carries the same number), so a journal left by another
    hall or database reports nothing wrong. A request whose answer never came is logged:
    without its ticket id there is nothing to report.
    """
    tickets, requests = writer.left
    for req in requests:
        log.warning("journal: a ticket request (service %s, sent %s) was on its way when "
                    "the kiosk last stopped; if the server issued that ticket, it has no "
                    "print report (Idempotency-Key %s). Nothing is issued again.",
                    req.service or "by dossier", req.since, req.key)
        await writer.do("forget_request", req.key)
    pending = list(tickets)
    if pending:
        log.warning("journal: %d ticket(s) of the last run to report: %s", len(pending),
                    ", ".join(f"{e.number} ({e.state})" for e in pending))
    while pending:
        entry = pending[0]
        try:
            known = await client.ticket(entry.id)
        except ServerUnreachable:
            await asyncio.sleep(retry_s)
            continue
        except ServerRefusal as exc:
            if exc.status >= 500:
                await asyncio.sleep(retry_s)
                continue
            log.warning("journal: ticket %s (%s) of the last run: the server answers %s; "
                        "dropped", entry.id, entry.number, exc)
            known = None
        except Exception:  # an answer the kiosk cannot read: ask again later
            log.exception("journal: cannot read GET /api/v1/tickets/%s", entry.id)
            await asyncio.sleep(retry_s)
            continue
        pending.pop(0)
        writer.recovering.remove(entry.id)
        if known is None:
            await writer.do("drop", entry.id)
            continue
        if known.get("number") != entry.number:
            log.error("journal: ticket %s is %s on this server, not %s: the journal is "
                      "another hall's or database's; dropped", entry.id,
                      known.get("number"), entry.number)
            await writer.do("drop", entry.id)
            continue
        if entry.state == "printing" and known.get("printed") is True:
            log.info("journal: ticket %s was printing; the server already has it "
                     "printed", entry.number)
            await writer.do("drop", entry.id)
            continue
        log.warning("journal: ticket %s of the last run (%s): reporting %s", entry.number,
                    entry.state, "printed" if entry.failure is None
                    else f"print-failed ({entry.failure})")
        await report(entry.id, entry.failure, entry.number)
