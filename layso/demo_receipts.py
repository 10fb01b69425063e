"""The demo's simulated kiosks print their tickets, as the real kiosk does.

The simulated citizens take their tickets through the API, so without this nothing would
reach the printer simulator and `var/demo/receipts/` would stay empty although the banner
promises receipts. Each ticket the server issues is printed with the kiosk's own driver
(`drivers.printer.TicketPrinter`, raster, status checked before and after) on the demo's
printer simulator, which saves every cut receipt as a PNG and a text file.

Printing runs on one background thread behind a queue, so a slow render never holds the
simulated day back; tickets that arrive faster than they print wait their turn. What does not
print is counted and its first error kept, for the demo's last lines.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

log = logging.getLogger(__name__)

_STOP = object()


class DemoReceipts:
    """Print each issued ticket (TicketOut JSON) on the printer at `url`, in issue order."""

    def __init__(self, url: str, width_mm: int = 80) -> None:
        from drivers.printer.printer import TicketPrinter

        self._printer = TicketPrinter(url, width_mm=width_mm)
        self._queue: queue.Queue[Any] = queue.Queue()
        self.printed = 0
        self.failed = 0
        self.first_error: str | None = None
        self._thread = threading.Thread(target=self._run, name="demo-receipts", daemon=True)
        self._thread.start()

    def submit(self, ticket: dict[str, Any]) -> None:
        """Queue one ticket; returns at once (called from the simulator's event loop)."""
        self._queue.put(ticket)

    def _run(self) -> None:
        from contracts.ticket_view import TicketView

        while (ticket := self._queue.get()) is not _STOP:
            try:
                self._printer.print_ticket(TicketView.model_validate(ticket["view"]))
                self.printed += 1
            except Exception as exc:  # a receipt must never take the demo down
                self.failed += 1
                if self.first_error is None:
                    self.first_error = f"ticket {ticket.get('number')}: {exc}"
                log.warning("demo receipt for ticket %s did not print: %s",
                            ticket.get("number"), exc)

    def close(self, timeout: float = 60.0) -> int:
        """Print what is queued (up to `timeout` seconds), stop, and return how many are left
        unprinted."""
        self._queue.put(_STOP)
        self._thread.join(timeout)
        if self._thread.is_alive():  # still printing: leave it to die with the process
            return max(0, self._queue.qsize() - 1) + 1
        self._printer.close()
        return 0
