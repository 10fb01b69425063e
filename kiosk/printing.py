"""The kiosk's view of its ticket printer: one small Protocol, backed by drivers.printer.

The app and its tests only need three things: the printer's condition in one word, print
this ticket (or say why not), and a picture of the ticket for the screen. The driver speaks
ESC/POS; this module only translates its status and exceptions into the words the state
machine uses (ok, near_end, paper_out, cover_open, offline, unknown).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from contracts.ticket_view import TicketView

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

PAPER_DOTS = {58: 384, 80: 576}


class PrintProblem(Exception):
    """A ticket did not print; `condition` is the state machine's word for why."""

    def __init__(self, condition: str, detail: str = "") -> None:
        super().__init__(detail or condition)
        self.condition = condition
        self.detail = detail


class TicketPrinterPort(Protocol):
    def condition(self) -> tuple[str, str]:
        """(one word, a detail for the log): ok, near_end, paper_out, cover_open, offline…"""
        ...

    def print_ticket(self, view: TicketView) -> None:
        """Print one ticket, or raise PrintProblem."""
        ...

    def close(self) -> None: ...


def condition_of(exc: BaseException) -> str:
    """The state machine's word for a driver exception."""
    from drivers.printer import errors

    if isinstance(exc, errors.PaperOut):
        return "paper_out"
    if isinstance(exc, errors.CoverOpen):
        return "cover_open"
    return "offline"


def condition_of_state(state: Any) -> str:
    """The state machine's word for the driver's PrinterState."""
    value = str(getattr(state, "value", state))
    return {"paper_near_end": "near_end"}.get(value, value)


class DriverPrinter:
    """drivers.printer's TicketPrinter behind the kiosk's Protocol.

    The driver checks the printer's status before and after each ticket and holds its own
    lock, so a status poll never interleaves with a ticket.
    """

    def __init__(self, url: str, width_mm: int = 80, mode: str = "raster") -> None:
        from drivers.printer.printer import TicketPrinter

        self.url = url
        self.width_mm = width_mm
        self._printer = TicketPrinter(url, width_mm=width_mm, mode=mode)  # type: ignore[arg-type]

    def condition(self) -> tuple[str, str]:
        from drivers.printer.errors import PrintError

        try:
            status = self._printer.status()
        except PrintError as exc:
            return condition_of(exc), str(exc)
        except OSError as exc:
            return "offline", f"printer {self.url}: {exc}"
        return condition_of_state(status.state), f"printer {self.url}: {status.describe()}"

    def print_ticket(self, view: TicketView) -> None:
        from drivers.printer.errors import PrintError

        try:
            self._printer.print_ticket(view)
        except PrintError as exc:
            raise PrintProblem(condition_of(exc), str(exc)) from exc
        except OSError as exc:
            raise PrintProblem("offline", f"printer {self.url}: {exc}") from exc

    def close(self) -> None:
        self._printer.close()


def ticket_image(view: TicketView, width_mm: int = 80) -> Image.Image | None:
    """The paper ticket as a grey picture for the screen (the driver draws it), or None."""
    try:
        from drivers.printer.render import render_ticket_image
    except ImportError:
        return None
    try:
        return render_ticket_image(view, PAPER_DOTS.get(width_mm, 576), mono=False)
    except Exception:  # a preview must never take the kiosk down
        log.exception("could not draw the ticket preview")
        return None
