"""The kiosk's I/O, on one background thread running an asyncio loop.

It carries out the state machine's effects and posts back what happened, as events:
- the hall link: `WS /ws/hall` (snapshot first, then events), reconnecting with backoff and
  reloading the snapshot on a gap in `seq`;
- a ticket: `POST /api/v1/tickets`, then print it on the printer's own thread, then tell the
  server `printed` or `print-failed` (retried until the server has heard it, so no issued
  ticket goes unreported);
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
from kiosk import machine as m
from kiosk.client import ServerClient, ServerRefusal, ServerUnreachable, websocket_url
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
        self._client: ServerClient | None = None
        self._ws: Any = None
        self._wake_link: asyncio.Event | None = None
        self._refresh: asyncio.Event | None = None
        self._printing = 0
        # ticket id -> (generation, failure reason or None for printed): the newest outcome
        # of each ticket the server has not taken yet, oldest ticket first
        self._unsent: dict[int, tuple[int, str | None]] = {}
        self._report_gen = 0
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
        try:
            ticket = await self._client.issue(effect.request.body())
        except ServerRefusal as exc:
            self.post(m.Refused(exc.status, exc.error, exc.detail, exc.opens_at))
            return
        except ServerUnreachable as exc:
            self.post(m.Unreachable(str(exc)))
            return
        except Exception as exc:  # a body the kiosk cannot read: still an answer to show
            log.exception("unreadable answer to POST /api/v1/tickets")
            self.post(m.Refused(0, "bad_answer", ""))
            self.post(m.Unreachable(f"unreadable answer: {exc}"))
            return
        self.post(m.Issued(ticket))
        if not effect.print_ticket:
            await self._report(ticket.id, effect.reason_unprinted or "not_printed")
            return
        await self._print_and_report(ticket)

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

    async def _print_and_report(self, ticket: TicketOut) -> None:
        """Print on the printer's thread; tell the state machine and the server how it went.

        After any failure the printer's last known state is forgotten, so the next poll tells
        the state machine the printer's real state even if it did not change (a time-out while
        the printer reads "ok" must not leave the kiosk thinking it cannot print).
        """
        if self.printer is None:
            self.post(m.PrintFailed(ticket.id, "offline", "this kiosk has no printer"))
            await self._report(ticket.id, "no_printer")
            return
        self._printing += 1
        try:
            await asyncio.wait_for(
                self.loop.run_in_executor(self._print_pool, self.printer.print_ticket,
                                          ticket.view),
                self.print_timeout_s)
        except TimeoutError:
            detail = f"the printer did not finish the ticket in {self.print_timeout_s:.0f} s"
            log.warning("ticket %s: %s", ticket.number, detail)
            self._last_printer = None
            self.post(m.PrintFailed(ticket.id, "offline", detail))
            await self._report(ticket.id, "timeout")
            return
        except PrintProblem as exc:
            log.warning("ticket %s not printed: %s", ticket.number, exc)
            self._last_printer = None
            self.post(m.PrintFailed(ticket.id, exc.condition, exc.detail))
            await self._report(ticket.id, exc.condition)
            return
        except Exception as exc:
            log.exception("ticket %s not printed", ticket.number)
            self._last_printer = None
            self.post(m.PrintFailed(ticket.id, "offline", str(exc)))
            await self._report(ticket.id, "offline")
            return
        finally:
            self._printing -= 1
        self.post(m.Printed(ticket.id))
        await self._report(ticket.id, None)

    async def _report(self, ticket_id: int, failure: str | None) -> None:
        """Tell the server printed / print-failed now; what it cannot take yet, the reporter
        sends later.

        Only the newest outcome of a ticket is kept and reports go one at a time: a reprint's
        `printed` must not be overtaken by a late retry of the first print's `print-failed`.
        """
        self._report_gen += 1
        self._unsent.pop(ticket_id, None)
        self._unsent[ticket_id] = (self._report_gen, failure)
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
        """Tickets issued whose printed / print-failed report the server has not had yet."""
        return len(self._unsent)

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
                self.post(m.LinkUp(message))
                backoff.reset()
                continue
            if last_seq is None:
                continue  # events before the snapshot cannot be placed
            seq = int(message.get("seq", last_seq + 1))
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
                    self._last_printer = state
                    self.post(m.PrinterState(*state))
                if (self._last_printer is not None and self._last_printer != self._reported
                        and not self._reporting):
                    self._reporting = True
                    self.loop.create_task(self._report_printer(*self._last_printer))
            await asyncio.sleep(self.printer_poll_s)
