"""What can go wrong with a ticket printer, as exceptions a kiosk can act on.

Every message names the printer's URL and says what a person should do, because it ends up
on a technician's screen or in the kiosk's log.
"""

from __future__ import annotations


class PrinterURLError(ValueError):
    """A printer URL that cannot be parsed; the message says which forms are expected."""


class PrintError(Exception):
    """A ticket could not be printed (or may be incomplete) on the printer at `url`."""

    advice = ""

    def __init__(self, url: str, detail: str = "") -> None:
        self.url = url
        self.detail = detail
        text = f"printer {url}: {self.summary()}"
        if detail:
            text += f" ({detail})"
        if self.advice:
            text += f" — {self.advice}"
        super().__init__(text)

    def summary(self) -> str:
        return "cannot print"


class PaperOut(PrintError):
    advice = "load a new paper roll and close the cover"

    def summary(self) -> str:
        return "out of paper"


class CoverOpen(PrintError):
    advice = "close the printer cover"

    def summary(self) -> str:
        return "cover is open"


class PrinterOffline(PrintError):
    advice = "check the printer's error light, clear the paper path and press FEED"

    def summary(self) -> str:
        return "printer is offline"


class PrinterUnreachable(PrintError):
    advice = "check the cable or network, the power and the URL"

    def summary(self) -> str:
        return "cannot reach the printer"


class PrinterNotAnswering(PrintError):
    """Raised only when status is required: the printer took no status query answer."""

    advice = "the printer may be hung or its reply line unwired; check that the ticket came out"

    def summary(self) -> str:
        return "printer did not answer the status query"
