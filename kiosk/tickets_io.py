"""A ticket from the server to the paper: `POST /api/v1/tickets` (or `…/{id}/reprint` for
"In lại"), printed on the printer's own thread, its outcome handed to the print reports.

Each step is written to the journal before it is taken (the request, "printing"), so a kiosk
killed at any point reports the ticket at its next start and issues nothing again.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from contracts.api import TicketOut
from kiosk import machine as m
from kiosk.client import ServerRefusal, ServerUnreachable, new_request_key
from kiosk.io_context import IOContext
from kiosk.print_reports import PrintReports
from kiosk.printer_poll import PrinterWatch
from kiosk.printing import PrintProblem, TicketPrinterPort

log = logging.getLogger(__name__)


class Tickets:
    def __init__(self, ctx: IOContext, reports: PrintReports,
                 printer: TicketPrinterPort | None, watch: PrinterWatch | None,
                 pool: ThreadPoolExecutor, print_timeout_s: float) -> None:
        self.ctx = ctx
        self.reports = reports
        self.printer = printer
        self.watch = watch
        self.pool = pool
        self.print_timeout_s = print_timeout_s  # so the state machine always hears back

    async def issue(self, effect: m.Issue) -> None:
        post, journal = self.ctx.post, self.ctx.journal
        key = new_request_key()
        await journal.do("requested", key, effect.request.service)
        try:
            ticket = await self.ctx.server().issue(effect.request.body(), key)
        except ServerRefusal as exc:
            await journal.do("forget_request", key)
            post(m.Refused(exc.status, exc.error, exc.detail, exc.opens_at))
            return
        except ServerUnreachable as exc:
            await journal.do("forget_request", key)
            post(m.Unreachable(str(exc)))
            return
        except Exception as exc:  # a body the kiosk cannot read: still an answer to show
            log.exception("unreadable answer to POST /api/v1/tickets")
            await journal.do("forget_request", key)
            post(m.Refused(0, "bad_answer", ""))
            post(m.Unreachable(f"unreadable answer: {exc}"))
            return
        post(m.Issued(ticket))
        if not effect.print_ticket:
            await self.reports.report(ticket.id, effect.reason_unprinted or "not_printed",
                                      ticket.number, key)
            return
        await self.print_and_report(ticket, key)

    async def reprint(self, effect: m.Reprint) -> None:
        """The same ticket again: the server's copy (today's figures), printed and reported.

        Only an answer with the very id and number asked for is printed: one citizen, one
        number, whatever the server says.
        """
        post = self.ctx.post
        try:
            ticket = await self.ctx.server().reprint(effect.ticket_id)
        except ServerRefusal as exc:
            post(m.Refused(exc.status, exc.error, exc.detail, exc.opens_at))
            return
        except ServerUnreachable as exc:
            post(m.Unreachable(str(exc)))
            return
        except Exception:  # a body the kiosk cannot read: the number stays on screen
            log.exception("unreadable answer to POST /api/v1/tickets/%s/reprint",
                          effect.ticket_id)
            post(m.Refused(0, "bad_answer", ""))
            return
        if ticket.id != effect.ticket_id or ticket.number != effect.number:
            log.error("reprint of ticket %s (%s) answered with ticket %s (%s): not printed",
                      effect.ticket_id, effect.number, ticket.id, ticket.number)
            post(m.Refused(0, "bad_answer", ""))
            return
        post(m.ReprintAnswered(ticket))
        await self.print_and_report(ticket)

    def _failed(self, ticket: TicketOut, condition: str, detail: str) -> None:
        if self.watch is not None:
            self.watch.forget()
        self.ctx.post(m.PrintFailed(ticket.id, condition, detail))

    async def print_and_report(self, ticket: TicketOut, key: str | None = None) -> None:
        """Print on the printer's thread; tell the state machine and the server how it went.

        The journal says "printing" before the first byte leaves, so a kiosk killed now
        reports the ticket at its next start. After any failure the printer's last known
        state is forgotten (PrinterWatch.forget).
        """
        report = self.reports.report
        if self.printer is None:
            self.ctx.post(m.PrintFailed(ticket.id, "offline", "this kiosk has no printer"))
            await report(ticket.id, "no_printer", ticket.number, key)
            return
        loop = asyncio.get_running_loop()
        if self.watch is not None:
            self.watch.printing += 1
        try:
            gen = self.reports.next_gen()
            await self.ctx.journal.do("printing", ticket.id, ticket.number, gen, key)
            await asyncio.wait_for(
                loop.run_in_executor(self.pool, self.printer.print_ticket, ticket.view),
                self.print_timeout_s)
        except TimeoutError:
            detail = f"the printer did not finish the ticket in {self.print_timeout_s:.0f} s"
            log.warning("ticket %s: %s", ticket.number, detail)
            self._failed(ticket, "offline", detail)
            await report(ticket.id, "timeout", ticket.number)
            return
        except PrintProblem as exc:
            log.warning("ticket %s not printed: %s", ticket.number, exc)
            self._failed(ticket, exc.condition, exc.detail)
            await report(ticket.id, exc.condition, ticket.number)
            return
        except Exception as exc:
            log.exception("ticket %s not printed", ticket.number)
            self._failed(ticket, "offline", str(exc))
            await report(ticket.id, "offline", ticket.number)
            return
        finally:
            if self.watch is not None:
                self.watch.printing -= 1
        self.ctx.post(m.Printed(ticket.id))
        await report(ticket.id, None, ticket.number)
