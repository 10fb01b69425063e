"""Real-time status (DLE EOT n) replies, parsed into one `PrinterStatus`.

A status byte has fixed bits (bit 1 and bit 4 set, bits 0 and 7 clear): anything else on the
line (automatic status back, noise, a stale echo) is not a reply. No reply at all means the
state is UNKNOWN, never "fine": python-escpos reports "paper adequate" for a silent serial
printer, which would hide a printer whose reply line is cut or which has hung.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

DLE_EOT = b"\x10\x04"
QUERY_PRINTER = 1  # online / offline
QUERY_OFFLINE_CAUSE = 2  # cover open, paper-end stop, error
QUERY_PAPER = 4  # roll paper sensors
QUERIES = (QUERY_PRINTER, QUERY_OFFLINE_CAUSE, QUERY_PAPER)


class Paper(Enum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


class PrinterState(Enum):
    """The one word a kiosk or a health report needs, worst first."""

    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"
    PAPER_NEAR_END = "paper_near_end"
    OK = "ok"


def status_byte(reply: bytes | None) -> int | None:
    """The last byte of `reply` shaped like a DLE EOT answer, or None."""
    if not reply:
        return None
    for byte in reversed(reply):
        if byte & 0x93 == 0x12:
            return byte
    return None


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said; None for each part it did not answer."""

    online: bool | None = None
    cover_open: bool | None = None
    paper: Paper = Paper.UNKNOWN
    error: bool | None = None
    replies: dict[int, bytes] = field(default_factory=dict, compare=False)

    @property
    def answered(self) -> bool:
        return self.online is not None or self.cover_open is not None or \
            self.paper is not Paper.UNKNOWN

    @property
    def state(self) -> PrinterState:
        if self.paper is Paper.OUT:
            return PrinterState.PAPER_OUT
        if self.cover_open:
            return PrinterState.COVER_OPEN
        if self.online is False:
            return PrinterState.OFFLINE
        if self.online is None or self.paper is Paper.UNKNOWN:
            return PrinterState.UNKNOWN
        if self.paper is Paper.NEAR_END:
            return PrinterState.PAPER_NEAR_END
        return PrinterState.OK

    def describe(self) -> str:
        return {
            PrinterState.PAPER_OUT: "out of paper",
            PrinterState.COVER_OPEN: "cover open",
            PrinterState.OFFLINE: "offline",
            PrinterState.UNKNOWN: "status unknown (no answer to DLE EOT)",
            PrinterState.PAPER_NEAR_END: "ready, paper near its end",
            PrinterState.OK: "ready",
        }[self.state]


UNKNOWN = PrinterStatus()


def parse_status(replies: dict[int, bytes | None]) -> PrinterStatus:
    """Combine the replies to DLE EOT 1, 2 and 4 (missing or empty ones are unknown)."""
    online = cover = error = None
    paper = Paper.UNKNOWN
    b1 = status_byte(replies.get(QUERY_PRINTER))
    if b1 is not None:
        online = not b1 & 0x08
    b2 = status_byte(replies.get(QUERY_OFFLINE_CAUSE))
    if b2 is not None:
        cover = bool(b2 & 0x04)
        error = bool(b2 & 0x40)
        if b2 & 0x20:
            paper = Paper.OUT  # printing stopped at paper end
    b4 = status_byte(replies.get(QUERY_PAPER))
    if b4 is not None:
        if b4 & 0x60:
            paper = Paper.OUT
        elif paper is not Paper.OUT:
            paper = Paper.NEAR_END if b4 & 0x0C else Paper.OK
    kept = {k: v for k, v in replies.items() if v}
    return PrinterStatus(online=online, cover_open=cover, paper=paper, error=error,
                         replies=kept)
