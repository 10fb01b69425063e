"""The simulated printer itself: state, faults, receipts, and DLE EOT answers.

Transport-free: `receive(data)` takes bytes from any line and returns the bytes to send
back. A real printer keeps data it gets while it cannot print (paper out, cover open,
offline) and prints it once the fault is cleared; so does this one. Thread-safe, so a test
can set faults while a TCP or pty server thread feeds it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path

from drivers.printer.layout import Paper
from simulators.printer.decoder import EscPosDecoder
from simulators.printer.receipt import Element, Feed, Line, QRCode, Raster, Receipt


class Fault(StrEnum):
    PAPER_OUT = "paper_out"
    NEAR_END = "near_end"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    NO_ANSWER = "no_answer"

    @classmethod
    def parse(cls, text: str) -> Fault:
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        aliases = {"paper": "paper_out", "near": "near_end", "cover": "cover_open",
                   "silent": "no_answer", "mute": "no_answer"}
        key = aliases.get(key, key)
        try:
            return cls(key)
        except ValueError:
            known = ", ".join(f.value for f in cls)
            raise ValueError(f"unknown fault {text!r} (known: {known})") from None


_BLOCKING = {Fault.PAPER_OUT, Fault.COVER_OPEN, Fault.OFFLINE}


def code_page_tables(profile: str | None = None,
                     extra: Mapping[int, str] | None = None) -> dict[int, str]:
    """ESC t number -> code page name, from a python-escpos profile plus overrides.

    The default profile (Epson-like) gives 30/31 = TCVN-3 and 52 = CP1258; the 58 mm
    Chinese profiles' CP1258 numbers (27, 94) are added when not taken, since those printers
    are common in halls. VISCII has no agreed number: give it with `extra`.
    """
    from escpos.capabilities import get_profile

    tables = {int(n): name for n, name in get_profile(profile).codePages.items()
              if str(n).isdigit()}
    if profile is None:
        for n in (27, 94):
            tables.setdefault(n, "CP1258")
    tables.update(extra or {})
    return tables


def element_height(el: Element) -> int:
    """Roughly how much paper (dots) an element uses, for the paper-left counter."""
    if isinstance(el, Raster):
        return el.image.height
    if isinstance(el, Line):
        return el.spacing * max((s.height for _, s in el.runs), default=1)
    if isinstance(el, QRCode):
        return el.module * 29
    if isinstance(el, Feed):
        return el.dots
    return 0


class PrinterSimulator:
    """An ESC/POS thermal printer in software."""

    def __init__(
        self,
        width_mm: int = 80,
        *,
        dots: int | None = None,
        profile: str | None = None,
        tables: Mapping[int, str] | None = None,
        out_dir: Path | None = None,
        on_receipt: Callable[[Receipt], None] | None = None,
    ) -> None:
        self.dots = dots or Paper.for_width(width_mm).dots
        self.tables = code_page_tables(profile, tables)
        self.out_dir = out_dir
        self.on_receipt = on_receipt
        self.receipts: list[Receipt] = []
        self.status_queries: list[int] = []
        self._faults: set[Fault] = set()
        self.paper_left: int | None = None  # dots of paper left on the roll; None: endless
        self._held: list[Element | None] = []  # None marks a held cut
        self._current = Receipt(self.dots)
        self._replies = bytearray()
        self._cond = threading.Condition(threading.RLock())
        self.decoder = EscPosDecoder(self.dots, self.tables, self._element, self._cut,
                                     self._status)

    # -- faults ----------------------------------------------------------------------------

    @property
    def faults(self) -> frozenset[Fault]:
        with self._cond:
            return frozenset(self._faults)

    def set_fault(self, fault: Fault | str) -> None:
        fault = fault if isinstance(fault, Fault) else Fault.parse(fault)
        with self._cond:
            self._faults.add(fault)
            if fault is Fault.PAPER_OUT:
                self._faults.discard(Fault.NEAR_END)

    def clear_fault(self, fault: Fault | str | None = None) -> None:
        """Clear one fault, or all of them; held data prints once nothing blocks."""
        with self._cond:
            if fault is None:
                self._faults.clear()
            else:
                self._faults.discard(fault if isinstance(fault, Fault) else Fault.parse(fault))
            if not self._faults & _BLOCKING:
                held, self._held = self._held, []
                for item in held:
                    if item is None:
                        self._cut()
                    else:
                        self._element(item)

    def set_faults(self, faults: set[Fault]) -> None:
        """Make exactly `faults` active (used by the control file)."""
        with self._cond:
            for fault in set(self._faults) - faults:
                self.clear_fault(fault)
            for fault in faults:
                self.set_fault(fault)

    # -- status ----------------------------------------------------------------------------

    def status_reply(self, n: int) -> bytes | None:
        """The byte a printer sends for DLE EOT n now, or None when it stays silent."""
        with self._cond:
            faults = self._faults
            if Fault.NO_ANSWER in faults:
                return None
            paper_out = Fault.PAPER_OUT in faults
            cover = Fault.COVER_OPEN in faults
            offline = bool(faults & _BLOCKING)
            if n == 1:
                value = 0x12 | (0x08 if offline else 0)
            elif n == 2:
                value = 0x12 | (0x04 if cover else 0) | (0x20 if paper_out else 0) | \
                    (0x40 if Fault.OFFLINE in faults else 0)
            elif n == 3:
                value = 0x12
            elif n == 4:
                value = 0x12 | (0x60 if paper_out else 0) | \
                    (0x0C if Fault.NEAR_END in faults else 0)
            else:
                return None
            return bytes([value])

    def _status(self, n: int) -> None:
        self.status_queries.append(n)
        reply = self.status_reply(n)
        if reply:
            self._replies += reply

    # -- data ------------------------------------------------------------------------------

    def receive(self, data: bytes) -> bytes:
        """Take bytes from the line; return the printer's answers (may be empty)."""
        with self._cond:
            self.decoder.feed(data)
            out, self._replies = bytes(self._replies), bytearray()
            self._cond.notify_all()
            return out

    def load_paper(self, dots: int | None = None) -> None:
        """Put in a roll with `dots` of paper (None: endless) and clear PAPER_OUT."""
        with self._cond:
            self.paper_left = dots
            self.clear_fault(Fault.PAPER_OUT)

    def _element(self, el: Element) -> None:
        if self._faults & _BLOCKING:
            self._held.append(el)
            return
        self._current.elements.append(el)
        if self.paper_left is not None:
            self.paper_left -= element_height(el)
            if self.paper_left <= 0:
                self.paper_left = 0
                self._faults.add(Fault.PAPER_OUT)  # the rest of the job waits for a roll

    def _cut(self) -> None:
        if self._faults & _BLOCKING:
            self._held.append(None)
            return
        receipt, self._current = self._current, Receipt(self.dots)
        receipt.cut = True
        self.receipts.append(receipt)
        if self.out_dir is not None:
            self._save(receipt, len(self.receipts))
        if self.on_receipt is not None:
            self.on_receipt(receipt)
        self._cond.notify_all()

    def _save(self, receipt: Receipt, index: int) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        stem = self.out_dir / f"receipt-{index:04d}"
        stem.with_suffix(".txt").write_text(receipt.text(), encoding="utf-8")
        receipt.render().save(stem.with_suffix(".png"))

    @property
    def current(self) -> Receipt:
        """What has printed since the last cut."""
        with self._cond:
            return self._current

    def wait_for_receipts(self, count: int, timeout: float = 10.0) -> list[Receipt]:
        """Block until `count` receipts were cut (or raise TimeoutError) and return them all."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.receipts) >= count, timeout):
                raise TimeoutError(f"printer simulator: {len(self.receipts)} of {count} "
                                   f"receipts after {timeout} s")
            return list(self.receipts)

    def reset(self) -> None:
        """Forget receipts and faults (between tests)."""
        with self._cond:
            self.receipts.clear()
            self.status_queries.clear()
            self._faults.clear()
            self._held.clear()
            self.paper_left = None
            self._current = Receipt(self.dots)
