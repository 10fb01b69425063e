"""`TicketPrinter`: print one ticket on the printer a URL names, or raise a precise error.

Before printing it asks the printer's status (DLE EOT 1, 2, 4) and refuses to send anything
when the paper is out, the cover is open or the printer is offline; after printing it asks
again, so a roll that ran out mid-ticket is reported. A printer that does not answer is
UNKNOWN, not fine: the ticket is still sent (many serial printers have no reply line), and
the result says it was not confirmed; `require_status=True` makes that an error instead.

After any link failure the python-escpos object is dropped and rebuilt on the next call,
since a power-cycled USB printer or a re-plugged serial adapter is a new device. Reporting
a failed ticket to the server (so it is marked not printed) is the caller's job.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from contracts.ticket_view import TicketView
from drivers.printer.codepages import CodePage, codepage_for
from drivers.printer.errors import (
    CoverOpen,
    PaperOut,
    PrinterNotAnswering,
    PrinterOffline,
    PrintError,
    PrinterUnreachable,
)
from drivers.printer.job import MODES, Mode, ticket_job
from drivers.printer.layout import Paper
from drivers.printer.status import QUERIES, UNKNOWN, PrinterState, PrinterStatus, parse_status
from drivers.printer.transport import DEFAULT_STATUS_TIMEOUT_S, Link, LinkError
from drivers.printer.url import PrinterURL, parse_printer_url


@dataclass(frozen=True)
class PrintResult:
    """What happened: bytes sent, status before and after, and whether the printer confirmed."""

    url: str
    mode: str
    bytes_sent: int
    before: PrinterStatus
    after: PrinterStatus

    @property
    def confirmed(self) -> bool:
        """The printer answered after printing and reported nothing wrong."""
        return self.after.state in (PrinterState.OK, PrinterState.PAPER_NEAR_END)

    @property
    def paper_near_end(self) -> bool:
        return self.after.state is PrinterState.PAPER_NEAR_END


_FAULTS: dict[PrinterState, type[PrintError]] = {
    PrinterState.PAPER_OUT: PaperOut,
    PrinterState.COVER_OPEN: CoverOpen,
    PrinterState.OFFLINE: PrinterOffline,
}


class TicketPrinter:
    """A thermal ticket printer reached by URL (tcp://, serial://, usb://, file://)."""

    def __init__(
        self,
        url: str | PrinterURL,
        *,
        width_mm: int = 80,
        mode: Mode = "raster",
        codepage: str = "tcvn3",
        codepage_tables: tuple[int, ...] | None = None,
        status_timeout: float = DEFAULT_STATUS_TIMEOUT_S,
        require_status: bool = False,
        keep_open: bool | None = None,
    ) -> None:
        self.url = url if isinstance(url, PrinterURL) else parse_printer_url(url)
        self.paper = Paper.for_width(width_mm)
        if mode not in MODES:
            raise ValueError(f"unknown print mode {mode!r}: choose raster or text")
        self.mode: Mode = mode
        self.codepage_key = codepage
        self.codepage_tables = codepage_tables
        self._codepage: CodePage | None = None
        self.status_timeout = status_timeout
        self.require_status = require_status
        # A network printer usually takes one connection at a time: hold it only for a job.
        self.keep_open = self.url.scheme != "tcp" if keep_open is None else keep_open
        self._link: Link | None = None
        self._lock = threading.Lock()

    # -- link management -------------------------------------------------------------------

    def _open(self) -> Link:
        if self._link is None:
            try:
                self._link = Link(self.url, self.paper.dots, self.status_timeout)
            except LinkError as exc:
                raise PrinterUnreachable(str(self.url), str(exc)) from exc
        return self._link

    def _drop(self) -> None:
        if self._link is not None:
            self._link.close()
            self._link = None

    def _done(self) -> None:
        if not self.keep_open:
            self._drop()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __enter__(self) -> TicketPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- status ----------------------------------------------------------------------------

    def _query_status(self, retry: bool = True) -> PrinterStatus:
        link = self._open()
        if not self.url.can_read_status:
            return UNKNOWN
        replies: dict[int, bytes | None] = {}
        try:
            for n in QUERIES:
                replies[n] = link.query(n)
                if replies[n] is None:
                    break  # a printer that ignores one query ignores them all: do not wait 3x
        except LinkError as exc:
            self._drop()
            if retry:  # the printer may have been power-cycled: one fresh connection
                return self._query_status(retry=False)
            raise PrinterUnreachable(str(self.url), str(exc)) from exc
        return parse_status(replies)

    def status(self) -> PrinterStatus:
        """Ask the printer now; UNKNOWN when it does not answer (or cannot, as file:// )."""
        with self._lock:
            try:
                return self._query_status()
            finally:
                self._done()

    # -- printing --------------------------------------------------------------------------

    def codepage(self) -> CodePage:
        if self._codepage is None:
            self._codepage = codepage_for(self.codepage_key, self.url.profile,
                                          self.codepage_tables)
        return self._codepage

    def job(self, view: TicketView, mode: Mode | None = None) -> bytes:
        """The bytes `print_ticket` would send (for measuring, or for a file)."""
        mode = mode or self.mode
        codepage = self.codepage() if mode == "text" else None
        return ticket_job(view, self.paper, mode, codepage, self.url.profile)

    def _check(self, status: PrinterStatus, when: str) -> None:
        fault = _FAULTS.get(status.state)
        if fault is not None:
            detail = "before printing; nothing was sent" if when == "before" else \
                "after printing; the ticket may be incomplete"
            raise fault(str(self.url), detail)
        if status.state is PrinterState.UNKNOWN and self.require_status and \
                self.url.can_read_status:
            raise PrinterNotAnswering(str(self.url), f"{when} printing")

    def print_ticket(self, view: TicketView, mode: Mode | None = None) -> PrintResult:
        """Print `view`; raise PaperOut, CoverOpen, PrinterOffline or PrinterUnreachable."""
        mode = mode or self.mode
        data = self.job(view, mode)  # built first: a rendering error sends nothing
        with self._lock:
            try:
                before = self._query_status()
                self._check(before, "before")
                try:
                    self._open().send(data)
                except LinkError as exc:
                    self._drop()
                    raise PrinterUnreachable(str(self.url), f"while sending the ticket: {exc}") \
                        from exc
                try:
                    after = self._query_status(retry=False)
                except PrinterUnreachable as exc:
                    raise PrinterUnreachable(str(self.url), f"after sending the ticket, "
                                             f"check that it printed: {exc.detail}") from exc
                self._check(after, "after")
                return PrintResult(str(self.url), mode, len(data), before, after)
            finally:
                self._done()
