"""The printer's condition, polled every few seconds while it is not printing: the state
machine hears each change (it decides what the citizen sees), the server's device list hears
the latest state (retried at the next poll when it could not take it).
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from kiosk import machine as m
from kiosk.io_context import IOContext
from kiosk.printing import TicketPrinterPort

log = logging.getLogger(__name__)


class PrinterWatch:
    def __init__(self, ctx: IOContext, printer: TicketPrinterPort, pool: ThreadPoolExecutor,
                 poll_s: float) -> None:
        self.ctx = ctx
        self.printer = printer
        self.pool = pool  # the printer's own thread, shared with printing
        self.poll_s = poll_s
        self.printing = 0  # tickets on their way to the paper now: no poll meanwhile
        self.last: tuple[str, str] | None = None
        self._reported: tuple[str, str] | None = None  # last state the server took
        self._reporting = False

    def forget(self) -> None:
        """After a failed print: the next poll tells the state machine the printer's real
        state even if it did not change (a time-out while the printer reads "ok" must not
        leave the kiosk thinking it cannot print)."""
        self.last = None

    async def _report(self, status: str, detail: str) -> None:
        """Tell the manager's device list; on failure the next poll tries again (the citizen's
        screen does not depend on it)."""
        try:
            await self.ctx.server().report_health(status, detail)
            self._reported = (status, detail)
        except Exception as exc:
            log.info("could not report the printer's state to the server: %s", exc)
        finally:
            self._reporting = False

    @staticmethod
    def _log(state: tuple[str, str], before: tuple[str, str] | None) -> None:
        """A change of the printer's state, with the driver's detail (why it is offline):
        a warning when it cannot print, else a line for `-v`."""
        condition, detail = state
        if condition in m.PRINTER_TROUBLE:
            log.warning("printer %s: %s", condition, detail)
        elif before is not None or condition != "ok":
            log.info("printer %s: %s", condition, detail)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self.printing:
                state: tuple[str, str] | None
                try:
                    state = await loop.run_in_executor(self.pool, self.printer.condition)
                except Exception as exc:  # a driver bug must not stop the polling
                    log.exception("printer status failed")
                    state = ("offline", f"printer status failed: {exc}")
                if self.printing:
                    state = None  # a print started meanwhile: its result is what counts
                if state is not None and state != self.last:
                    self._log(state, self.last)
                    self.last = state
                    self.ctx.post(m.PrinterState(*state))
                if (self.last is not None and self.last != self._reported
                        and not self._reporting):
                    self._reporting = True
                    loop.create_task(self._report(*self.last))
            await asyncio.sleep(self.poll_s)
