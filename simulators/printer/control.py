"""Setting faults on a running printer simulator from outside its process.

Two ways, both plain text so a technician needs no tool:

- a faults file (`--faults-file PATH`): it holds the faults that are on, separated by spaces,
  commas or lines (`echo paper_out > PATH`; `: > PATH` clears them). It is read a few times
  a second; a missing file means no faults.
- commands typed on the simulator's terminal: `paper-out`, `near-end`, `cover-open`,
  `offline`, `no-answer`, `clear [FAULT]`, `status`, `help`.
"""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path

from simulators.printer.device import Fault, PrinterSimulator

HELP = ("commands: paper-out | near-end | cover-open | offline | no-answer | clear [FAULT] | "
        "status | help")


def parse_faults(text: str) -> set[Fault]:
    """The faults named in `text` (spaces, commas or lines between them; # starts a comment)."""
    words = re.split(r"[\s,;]+", re.sub(r"#.*", "", text))
    return {Fault.parse(w) for w in words if w}


def describe(sim: PrinterSimulator) -> str:
    faults = ", ".join(sorted(f.value for f in sim.faults)) or "none"
    return f"faults: {faults}; receipts: {len(sim.receipts)}"


def apply_command(sim: PrinterSimulator, line: str) -> str:
    """Run one typed command; the answer to show (errors are answers too, not exceptions)."""
    words = line.split()
    if not words:
        return ""
    cmd = words[0].lower()
    try:
        if cmd in ("help", "?"):
            return HELP
        if cmd == "status":
            return describe(sim)
        if cmd == "clear":
            sim.clear_fault(words[1] if len(words) > 1 else None)
            return describe(sim)
        sim.set_fault(cmd)
        return describe(sim)
    except ValueError as exc:
        return f"{exc}; {HELP}"


class FaultsFile:
    """Keep the simulator's faults equal to what a text file says, polling it."""

    def __init__(self, sim: PrinterSimulator, path: Path, interval: float = 0.2) -> None:
        self.sim = sim
        self.path = path
        self.interval = interval
        self.error = ""
        self._last: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="printer-sim-faults", daemon=True)

    def poll(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except OSError as exc:
            self.error = f"{self.path}: {exc.strerror}"
            return
        if text == self._last:
            return
        self._last = text
        try:
            self.sim.set_faults(parse_faults(text))
            self.error = ""
        except ValueError as exc:
            self.error = f"{self.path}: {exc}"
            print(f"printer simulator: {self.error}", file=sys.stderr, flush=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def start(self) -> FaultsFile:
        self.poll()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
