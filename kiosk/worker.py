"""The kiosk's I/O, on one background thread running an asyncio loop.

It carries out the state machine's effects and posts back what happened, as events:
- the hall link: `WS /ws/hall` (snapshot first, then events), reconnecting with backoff and
  reloading the snapshot on a gap in `seq`;
- a ticket: `POST /api/v1/tickets`, then print it on the printer's own thread, then tell the
  server `printed` or `print-failed` (retried until the server has heard it, so no issued
  ticket goes unreported);
- the journal (kiosk/journal.py), when the kiosk has one: each step above is written down
  before it is taken (the request, "printing", the outcome) and forgotten once the server
  has the report; at start, what the last run left is reported (a ticket still "printing"
  as `print-failed`, reason `kiosk_restarted_while_printing`), and nothing is issued again;
- a reprint ("In lại"): `POST /api/v1/tickets/{id}/reprint` for the same ticket, printed and
  reported exactly like a new one;
- the printer's condition, polled every few seconds while idle.
Nothing here decides what the citizen sees; `kiosk.machine` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from contracts.api import TicketOut
from contracts.events import UNSEQUENCED
from kiosk import machine as m
from kiosk.client import (
    ServerClient,
    ServerRefusal,
    ServerUnreachable,
    new_request_key,
    websocket_url,
)
from kiosk.journal import Journal
from kiosk.printing import PrintProblem, TicketPrinterPort

log = logging.getLogger(__name__)

Post = Callable[[m.Event], None]


@dataclass
class Backoff:
    """Waits between reconnects: doubling from `first` up to `cap`, with some jitter."""

    first: float = 0.5
    cap: float = 10.0
    current: float = 0.0

    def next(self) -> float:
        self.current = self.first if not self.current else min(self.current * 2, self.cap)
        return self.current * random.uniform(0.8, 1.2)

    def reset(self) -> None:
        self.current = 0.0


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
        self.printer_poll_s = printer_poll_s
        self.report_retry_s = report_retry_s
        self.print_timeout_s = print_timeout_s  # so the state machine always hears back
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="kiosk-io", daemon=True)
        self._print_pool = ThreadPoolExecutor(1, thread_name_prefix="kiosk-printer")
        # the journal's writes (an fsync each) run off the event loop, one at a time, in order
        self.journal = journal
        self._journal_pool = ThreadPoolExecutor(1, thread_name_prefix="kiosk-journal")
        # what the last run left, read now: before this run writes anything of its own
        self._left = journal.recovered() if journal is not None else ([], [])
        self._recovering = [e.id for e in self._left[0]]  # of those, not yet reported
        self._client: ServerClient | None = None
        self._ws: Any = None
        self._wake_link: asyncio.Event | None = None
        self._refresh: asyncio.Event | None = None
        self._printing = 0
        # ticket id -> (generation, failure reason or None for printed): the newest outcome
        # of each ticket the server has not taken yet, oldest ticket first
        self._unsent: dict[int, tuple[int, str | None]] = {}
        self._report_gen = journal.max_gen() if journal is not None else 0
        self._report_lock = asyncio.Lock()  # one report at a time, so they arrive in order
        self._tasks: list[asyncio.Task[Any]] = []
        self._last_printer: tuple[str, str] | None = None
        self._reported: tuple[str, str] | None = None  # last state the server took
        self._reporting = False

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
        self._journal_pool.shutdown(wait=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self._client = ServerClient(self.server, self.token)
        self._wake_link = asyncio.Event()
        self._refresh = asyncio.Event()
        self._tasks = [
            self.loop.create_task(self._link()),
            self.loop.create_task(self._refresher()),
            self.loop.create_task(self._reporter()),
        ]
        if self.printer is not None:
            self._tasks.append(self.loop.create_task(self._printer_poller()))
        if self.journal is not None:
            self._tasks.append(self.loop.create_task(self._recover()))
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    async def _shutdown(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.close()

    # ---- effects from the state machine --------------------------------------------------

    def submit(self, effect: m.Effect) -> None:
        """Carry out one effect; thread-safe, returns at once."""
        self.loop.call_soon_threadsafe(self._dispatch, effect)

    def _dispatch(self, effect: m.Effect) -> None:
        if isinstance(effect, m.Issue):
            self.loop.create_task(self._issue(effect))
        elif isinstance(effect, m.Reprint):
            self.loop.create_task(self._reprint(effect))
        elif isinstance(effect, m.ReloadHall):
            self.loop.create_task(self._reload_hall())
        elif isinstance(effect, m.RefreshServices):
            assert self._refresh is not None
            self._refresh.set()
        elif isinstance(effect, m.Reconnect):
            self._reconnect()

    def _reconnect(self) -> None:
        assert self._wake_link is not None
        self._wake_link.set()
        if self._ws is not None:
            self.loop.create_task(self._ws.close())

    # ---- a ticket ------------------------------------------------------------------------

    async def _issue(self, effect: m.Issue) -> None:
        assert self._client is not None
        key = new_request_key()
        await self._journal_do("requested", key, effect.request.service)
        try:
            ticket = await self._client.issue(effect.request.body(), key)
        except ServerRefusal as exc:
            await self._journal_do("forget_request", key)
            self.post(m.Refused(exc.status, exc.error, exc.detail, exc.opens_at))
            return
        except ServerUnreachable as exc:
            await self._journal_do("forget_request", key)
            self.post(m.Unreachable(str(exc)))
            return
        except Exception as exc:  # a body the kiosk cannot read: still an answer to show
            log.exception("unreadable answer to POST /api/v1/tickets")
            await self._journal_do("forget_request", key)
            self.post(m.Refused(0, "bad_answer", ""))
            self.post(m.Unreachable(f"unreadable answer: {exc}"))
            return
        self.post(m.Issued(ticket))
        if not effect.print_ticket:
            await self._report(ticket.id, effect.reason_unprinted or "not_printed",
                               ticket.number, key)
            return
        await self._print_and_report(ticket, key)

    async def _reprint(self, effect: m.Reprint) -> None:
        """The same ticket again: the server's copy (today's figures), printed and reported.

        Only an answer with the very id and number asked for is printed: one citizen, one
        number, whatever the server says.
        """
        assert self._client is not None
        try:
            ticket = await self._client.reprint(effect.ticket_id)
        except ServerRefusal as exc:
            self.post(m.Refused(exc.status, exc.error, exc.detail, exc.opens_at))
            return
        except ServerUnreachable as exc:
            self.post(m.Unreachable(str(exc)))
            return
        except Exception:  # a body the kiosk cannot read: the number stays on screen
            log.exception("unreadable answer to POST /api/v1/tickets/%s/reprint",
                          effect.ticket_id)
            self.post(m.Refused(0, "bad_answer", ""))
            return
        if ticket.id != effect.ticket_id or ticket.number != effect.number:
            log.error("reprint of ticket %s (%s) answered with ticket %s (%s): not printed",
                      effect.ticket_id, effect.number, ticket.id, ticket.number)
            self.post(m.Refused(0, "bad_answer", ""))
            return
        self.post(m.ReprintAnswered(ticket))
        await self._print_and_report(ticket)

    async def _print_and_report(self, ticket: TicketOut, key: str | None = None) -> None:
        """Print on the printer's thread; tell the state machine and the server how it went.

        The journal says "printing" before the first byte leaves, so a kiosk killed now
        reports the ticket at its next start. After any failure the printer's last known
        state is forgotten, so the next poll tells the state machine the printer's real state
        even if it did not change (a time-out while the printer reads "ok" must not leave the
        kiosk thinking it cannot print).
        """
        if self.printer is None:
            self.post(m.PrintFailed(ticket.id, "offline", "this kiosk has no printer"))
            await self._report(ticket.id, "no_printer", ticket.number, key)
            return
        self._printing += 1
        try:
            self._report_gen += 1
            await self._journal_do("printing", ticket.id, ticket.number, self._report_gen, key)
            await asyncio.wait_for(
                self.loop.run_in_executor(self._print_pool, self.printer.print_ticket,
                                          ticket.view),
                self.print_timeout_s)
        except TimeoutError:
            detail = f"the printer did not finish the ticket in {self.print_timeout_s:.0f} s"
            log.warning("ticket %s: %s", ticket.number, detail)
            self._last_printer = None
            self.post(m.PrintFailed(ticket.id, "offline", detail))
            await self._report(ticket.id, "timeout", ticket.number)
            return
        except PrintProblem as exc:
            log.warning("ticket %s not printed: %s", ticket.number, exc)
            self._last_printer = None
            self.post(m.PrintFailed(ticket.id, exc.condition, exc.detail))
            await self._report(ticket.id, exc.condition, ticket.number)
            return
        except Exception as exc:
            log.exception("ticket %s not printed", ticket.number)
            self._last_printer = None
            self.post(m.PrintFailed(ticket.id, "offline", str(exc)))
            await self._report(ticket.id, "offline", ticket.number)
            return
        finally:
            self._printing -= 1
        self.post(m.Printed(ticket.id))
        await self._report(ticket.id, None, ticket.number)

    async def _report(self, ticket_id: int, failure: str | None, number: str | None = None,
                      key: str | None = None) -> None:
        """Tell the server printed / print-failed now; what it cannot take yet, the reporter
        sends later. The outcome is in the journal before it is sent.

        Only the newest outcome of a ticket is kept and reports go one at a time: a reprint's
        `printed` must not be overtaken by a late retry of the first print's `print-failed`.
        """
        self._report_gen += 1
        gen = self._report_gen
        self._unsent.pop(ticket_id, None)
        self._unsent[ticket_id] = (gen, failure)
        await self._journal_do("outcome", ticket_id, number, failure, gen, key)
        await self._send_unsent(ticket_id)

    async def _send_unsent(self, ticket_id: int) -> bool:
        """Send the newest outcome of `ticket_id` if still unsent; False if the server could
        not take it (it stays for the reporter)."""
        async with self._report_lock:
            entry = self._unsent.get(ticket_id)
            if entry is None:
                return True
            gen, failure = entry
            if not await self._send_report(ticket_id, failure):
                return False
            if self._unsent.get(ticket_id, (None,))[0] == gen:
                del self._unsent[ticket_id]
            # drops the journal's entry only if it is still this outcome (not a reprint's)
            await self._journal_do("delivered", ticket_id, gen)
            return True

    async def _send_report(self, ticket_id: int, failure: str | None) -> bool:
        assert self._client is not None
        try:
            if failure is None:
                await self._client.report_printed(ticket_id)
            else:
                await self._client.report_print_failed(ticket_id, failure)
        except ServerUnreachable:
            return False
        except ServerRefusal as exc:
            if exc.status >= 500:
                return False
            log.warning("server would not take the print report of ticket %s: %s",
                        ticket_id, exc)
        return True

    async def _reporter(self) -> None:
        while True:
            await asyncio.sleep(self.report_retry_s)
            for ticket_id in list(self._unsent):
                if not await self._send_unsent(ticket_id):
                    break

    @property
    def unreported(self) -> int:
        """Tickets issued whose printed / print-failed report the server has not had yet
        (the last run's, from the journal, included)."""
        return len(self._unsent) + len(self._recovering)

    # ---- the journal ---------------------------------------------------------------------

    async def _journal_do(self, change: str, *args: Any) -> None:
        """Write one change to the journal (if any) and wait until it is on disk."""
        if self.journal is None:
            return
        try:
            await self.loop.run_in_executor(self._journal_pool,
                                            getattr(self.journal, change), *args)
        except RuntimeError as exc:  # the kiosk is stopping: the pool is gone
            log.info("journal: %s not written: %s", change, exc)
        except Exception:  # the journal must never stop a ticket being printed
            log.exception("journal: %s failed", change)

    async def _recover(self) -> None:
        """Report what the last run left in the journal; issue nothing.

        A ticket that was printing when the kiosk died is reported `print-failed`
        (`kiosk_restarted_while_printing`): the paper may or may not have come out, and the
        citizen may be gone, so the kiosk shows nothing about it (docs/kiosk.md). An outcome
        the server never took is delivered. Each entry is first checked against the server
        (`GET /api/v1/tickets/{id}` carries the same number), so a journal left by another
        hall or database reports nothing wrong. A request whose answer never came is logged:
        without its ticket id there is nothing to report.
        """
        assert self.journal is not None and self._client is not None
        tickets, requests = self._left
        for req in requests:
            log.warning("journal: a ticket request (service %s, sent %s) was on its way when "
                        "the kiosk last stopped; if the server issued that ticket, it has no "
                        "print report (Idempotency-Key %s). Nothing is issued again.",
                        req.service or "by dossier", req.since, req.key)
            await self._journal_do("forget_request", req.key)
        pending = list(tickets)
        if pending:
            log.warning("journal: %d ticket(s) of the last run to report: %s", len(pending),
                        ", ".join(f"{e.number} ({e.state})" for e in pending))
        while pending:
            entry = pending[0]
            try:
                known = await self._client.ticket(entry.id)
            except ServerUnreachable:
                await asyncio.sleep(self.report_retry_s)
                continue
            except ServerRefusal as exc:
                if exc.status >= 500:
                    await asyncio.sleep(self.report_retry_s)
                    continue
                log.warning("journal: ticket %s (%s) of the last run: the server answers %s; "
                            "dropped", entry.id, entry.number, exc)
                known = None
            except Exception:  # an answer the kiosk cannot read: ask again later
                log.exception("journal: cannot read GET /api/v1/tickets/%s", entry.id)
                await asyncio.sleep(self.report_retry_s)
                continue
            pending.pop(0)
            self._recovering.remove(entry.id)
            if known is None:
                await self._journal_do("drop", entry.id)
                continue
            if known.get("number") != entry.number:
                log.error("journal: ticket %s is %s on this server, not %s: the journal is "
                          "another hall's or database's; dropped", entry.id,
                          known.get("number"), entry.number)
                await self._journal_do("drop", entry.id)
                continue
            if entry.state == "printing" and known.get("printed") is True:
                log.info("journal: ticket %s was printing; the server already has it "
                         "printed", entry.number)
                await self._journal_do("drop", entry.id)
                continue
            log.warning("journal: ticket %s of the last run (%s): reporting %s", entry.number,
                        entry.state, "printed" if entry.failure is None
                        else f"print-failed ({entry.failure})")
            await self._report(entry.id, entry.failure, entry.number)

    # ---- the hall ------------------------------------------------------------------------

    async def _reload_hall(self) -> None:
        assert self._client is not None
        try:
            self.post(m.HallReloaded(await self._client.hall()))
        except (ServerUnreachable, ServerRefusal) as exc:
            log.info("hall reload failed: %s", exc)

    async def _refresher(self) -> None:
        """Reload waiting counts after events, at most a few times a second."""
        assert self._refresh is not None and self._client is not None
        while True:
            await self._refresh.wait()
            await asyncio.sleep(0.25)
            self._refresh.clear()
            try:
                self.post(m.ServicesLoaded(await self._client.services()))
            except (ServerUnreachable, ServerRefusal) as exc:
                log.info("services reload failed: %s", exc)

    async def _link(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus, WebSocketException

        assert self._wake_link is not None
        url = websocket_url(self.server, self.token)
        backoff = Backoff()
        while True:
            detail = ""
            try:
                async with connect(url, open_timeout=5, ping_interval=10, ping_timeout=10,
                                   close_timeout=2, max_size=2**22) as ws:
                    self._ws = ws
                    await self._follow(ws, backoff)
            except InvalidStatus as exc:
                code = exc.response.status_code
                detail = f"{url.split('?')[0]} answered {code}"
                if code in (401, 403):
                    detail += ": the server refused this kiosk's token"
            except (OSError, TimeoutError, WebSocketException, ValueError, ServerUnreachable,
                    ServerRefusal) as exc:
                detail = f"{url.split('?')[0]}: {exc or type(exc).__name__}"
            finally:
                self._ws = None
            self.post(m.LinkDown(detail or "connection closed"))
            self._wake_link.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake_link.wait(), backoff.next())

    async def _follow(self, ws: Any, backoff: Backoff) -> None:
        assert self._client is not None
        last_seq: int | None = None
        async for raw in ws:
            message = json.loads(raw)
            if not isinstance(message, dict):
                continue
            if message.get("type") == "snapshot":
                last_seq = int(message.get("seq", 0))
                log.info("hall link up: snapshot at seq %s", last_seq)
                self.post(m.LinkUp(message))
                backoff.reset()
                continue
            if message.get("type") in UNSEQUENCED:
                continue  # device health: the kiosk shows none of it, and it has no `seq`
            if last_seq is None:
                continue  # events before the snapshot cannot be placed
            seq = message.get("seq")
            if not isinstance(seq, int) or isinstance(seq, bool):
                log.warning("malformed event (no seq), reloading the snapshot: %.200s", message)
                snapshot = await self._client.hall()
                last_seq = int(snapshot.get("seq", last_seq))
                self.post(m.HallReloaded(snapshot))
                continue
            if seq <= last_seq:
                continue
            if seq != last_seq + 1:
                log.info("event gap %s -> %s: reloading the snapshot", last_seq, seq)
                snapshot = await self._client.hall()
                last_seq = int(snapshot.get("seq", seq))
                self.post(m.HallReloaded(snapshot))
                if seq <= last_seq:
                    continue
            last_seq = seq
            self.post(m.HallEvent(message))

    # ---- the printer ---------------------------------------------------------------------

    async def _report_printer(self, status: str, detail: str) -> None:
        """Tell the manager's device list; on failure the next poll tries again (the citizen's
        screen does not depend on it)."""
        try:
            await self._client.report_health(status, detail)
            self._reported = (status, detail)
        except Exception as exc:
            log.info("could not report the printer's state to the server: %s", exc)
        finally:
            self._reporting = False

    @staticmethod
    def _log_printer(state: tuple[str, str], before: tuple[str, str] | None) -> None:
        """A change of the printer's state, with the driver's detail (why it is offline):
        a warning when it cannot print, else a line for `-v`."""
        condition, detail = state
        if condition in m.PRINTER_TROUBLE:
            log.warning("printer %s: %s", condition, detail)
        elif before is not None or condition != "ok":
            log.info("printer %s: %s", condition, detail)

    async def _printer_poller(self) -> None:
        assert self.printer is not None
        while True:
            if not self._printing:
                try:
                    state = await self.loop.run_in_executor(self._print_pool,
                                                            self.printer.condition)
                except Exception as exc:  # a driver bug must not stop the polling
                    log.exception("printer status failed")
                    state = ("offline", f"printer status failed: {exc}")
                if self._printing:
                    state = None  # a print started meanwhile: its result is what counts
                if state is not None and state != self._last_printer:
                    self._log_printer(state, self._last_printer)
                    self._last_printer = state
                    self.post(m.PrinterState(*state))
                if (self._last_printer is not None and self._last_printer != self._reported
                        and not self._reporting):
                    self._reporting = True
                    self.loop.create_task(self._report_printer(*self._last_printer))
            await asyncio.sleep(self.printer_poll_s)
