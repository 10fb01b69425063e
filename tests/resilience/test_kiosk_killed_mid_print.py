"""Kill a real `layso kiosk` with SIGKILL while it prints, many times, and start it again with
the same state folder: every ticket it issued is reported (`printed`, or `print-failed` with
`kiosk_restarted_while_printing` for the one on its way to the paper at the kill), nothing
is issued twice, no number is reused, and an outcome the server could not take before the
kill (the server was down too) is delivered by the next start.

Everything is real: `layso serve` as its own process (SQLite, and PostgreSQL when one is
running), the kiosk as its own process on the dummy video driver, the printer simulator on
TCP behind a slow line (tests/resilience/slowline.py: a ticket takes about 2 s to reach the
paper, so a kill lands mid-print), and the citizen's input through the kiosk's serial
scanner on a pseudo-terminal (a dossier receipt scanned on the start screen takes a ticket
for the hall's result desk).
"""

from __future__ import annotations

import itertools
import os
import random
import time
import tty
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from kiosk.journal import FILE, RESTARTED_WHILE_PRINTING, JournalError, TicketEntry, parse
from layso.servers import free_port
from simulators.printer.device import PrinterSimulator
from simulators.printer.server import TcpPrinterServer
from tests.resilience.app_process import AppProcess
from tests.resilience.slowline import SlowLine
from tests.support.live import LiveServer
from tests.support.wait import until

LINE_BYTES_PER_S = 450  # a text-mode ticket (about 900 bytes) takes about 2 s to cross
KILL_AFTER_S = (0.1, 1.2)  # after "printing" is in the journal: always mid-print


class KioskProcess(AppProcess):
    """`layso kiosk` as its own process, headless, its log appended to `log`."""

    def __init__(self, server: str, token: str, printer: str, state: Path, scanner: str,
                 log: Path) -> None:
        super().__init__(["kiosk", "--server", server, "--printer", printer, "--print-mode",
                          "text", "--size", "800x600", "--scanner", scanner, "--state-dir",
                          str(state), "-v"], log, {"LAYSO_KIOSK_TOKEN": token})

    def wait_ready(self) -> None:
        """The hall's snapshot is in and the scanner's port is open."""
        until(lambda: self.proc.poll() is not None or (
            "hall link up" in self.text() and "scanner" in self.text()
            and " open" in self.text()), "the kiosk is up")
        assert self.proc.poll() is None, f"the kiosk died:\n{self.text()}"


def journal_on_disk(state: Path) -> dict[int, TicketEntry]:
    try:
        return parse((state / FILE).read_text(encoding="utf-8"))[0]
    except FileNotFoundError:
        return {}
    except JournalError as exc:  # written atomically: this must never happen
        raise AssertionError(f"the journal does not read: {exc}") from None


class Hall:
    """The server, the printer behind its slow line, the scanner's pty, and the kiosk's
    journal as a test sees them."""

    def __init__(self, db_url: str, tmp: Path, port: int) -> None:
        self.db_url = db_url
        self.port = port
        self.server = LiveServer.spawn(db_url, port=port)
        self.token = self.server.device_token("kiosk-1")
        self.sim = PrinterSimulator(80)
        self.printer = TcpPrinterServer(self.sim, port=0).start()
        self.line = SlowLine((self.printer.host, self.printer.port), LINE_BYTES_PER_S).start()
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.state = tmp / "kiosk-state"
        self.log = tmp / "kiosk.log"
        self.codes = (f"000.00.31.H12-250701-{n:04d}" for n in itertools.count(1))
        self.issued: dict[int, str] = {}  # ticket id -> number, as the journal showed them

    def kiosk(self) -> KioskProcess:
        k = KioskProcess(self.server.url, self.token, self.line.url(status_timeout_s=15),
                         self.state, os.ttyname(self.slave), self.log)
        k.wait_ready()
        return k

    def scan(self) -> tuple[int, str]:
        """A citizen scans a dossier receipt: the new ticket, once the journal has it."""
        os.write(self.master, next(self.codes).encode() + b"\r\n")
        new = until(lambda: [e for e in journal_on_disk(self.state).values()
                             if e.id not in self.issued], "a new ticket in the journal")
        assert len(new) == 1, new
        self.issued[new[0].id] = new[0].number
        return new[0].id, new[0].number

    def ticket(self, ticket_id: int) -> dict:
        r = httpx.get(f"{self.server.url}/api/v1/tickets/{ticket_id}", timeout=10,
                      headers={"Authorization": f"Bearer {self.token}"})
        r.raise_for_status()
        return r.json()

    def restart_server(self) -> None:
        self.server = LiveServer.spawn(self.db_url, port=self.port)

    def close(self) -> None:
        self.server.stop()
        self.line.stop()
        self.printer.stop()
        os.close(self.master)
        os.close(self.slave)


def _kill_mid_print(db_url: str, tmp: Path, kills: int, seed: int) -> dict[str, int]:
    rnd = random.Random(seed)
    hall = Hall(db_url, tmp, free_port())
    restarted: dict[int, str] = {}  # killed while printing: must come back print-failed
    whole: set[int] = set()  # printed before the kill: must be reported printed
    delivered_late: int | None = None
    kiosk: KioskProcess | None = None
    try:
        for life in range(kills):
            kiosk = hall.kiosk()
            for ticket_id in restarted:  # the last life's ticket, reported by this one
                until(lambda t=ticket_id: hall.ticket(t)["printed"] is False,
                      f"ticket {ticket_id} reported after the restart")
            for _ in range(rnd.randint(0, 1)):  # sometimes a ticket printed whole first
                ticket_id, _number = hall.scan()
                until(lambda t=ticket_id: hall.ticket(t)["printed"] is True
                      and t not in journal_on_disk(hall.state), "printed and reported")
                whole.add(ticket_id)
            ticket_id, number = hall.scan()
            if life == kills - 1:
                # the last kill: the server dies too, while the ticket crosses the line; the
                # kiosk prints it, cannot report it, and is killed with the outcome unsent
                hall.server.kill()
                until(lambda t=ticket_id: getattr(journal_on_disk(hall.state).get(t),
                                                  "state", None) == "printed",
                      "printed, the report waiting in the journal", timeout=15)
                kiosk.kill()
                delivered_late = ticket_id
                whole.add(ticket_id)
                hall.restart_server()
                continue
            time.sleep(rnd.uniform(*KILL_AFTER_S))
            kiosk.kill()
            entry = journal_on_disk(hall.state).get(ticket_id)
            assert entry is not None and entry.state == "printing", \
                f"the kill did not land mid-print: {entry}"
            restarted[ticket_id] = number

        kiosk = hall.kiosk()  # the last start: it reports what the last kill left
        until(lambda: hall.ticket(delivered_late)["printed"] is True,
              "the outcome held over the kill is delivered")
        until(lambda: journal_on_disk(hall.state) == {}, "the journal is empty")
        assert kiosk.stop() == 0
        log = kiosk.text()
        assert "Traceback" not in log, log

        # every ticket the kiosk issued is accounted for, through the API
        numbers = []
        for ticket_id, number in hall.issued.items():
            t = hall.ticket(ticket_id)
            numbers.append(t["number"])
            assert t["number"] == number
            if ticket_id in restarted:
                assert (t["printed"], t["print_error"]) == (False, RESTARTED_WHILE_PRINTING), t
            else:
                assert ticket_id in whole and t["printed"] is True, t
                assert any(number in r.text() for r in hall.sim.receipts), \
                    f"{number} reported printed but no receipt has it"
        assert len(set(numbers)) == len(numbers), f"a number was reused: {numbers}"
        assert len(hall.sim.receipts) == len(whole), "a killed print came out whole"
        # nothing was issued but what the citizens asked for: one ticket per scan
        manager = hall.server.login("quanly", role="manager")
        today = datetime.now(hall.server.cfg.zone).date()
        report = httpx.get(f"{hall.server.url}/api/v1/reports/daily",
                           params={"date": today.isoformat()}, timeout=10,
                           headers={"Authorization": f"Bearer {manager}"})
        report.raise_for_status()
        assert report.json()["issued"] == len(hall.issued), report.json()
    finally:
        if kiosk is not None and kiosk.proc.poll() is None:
            kiosk.kill()
        hall.close()
    return {"kills": kills, "mid_print": len(restarted), "tickets": len(hall.issued),
            "printed": len(whole)}


def test_sqlite_kiosk_killed_mid_print(tmp_path):
    result = _kill_mid_print(f"sqlite:///{tmp_path / 'hall.sqlite3'}", tmp_path, kills=6,
                             seed=3)
    print(f"sqlite: {result}")


@pytest.mark.postgres
def test_postgresql_kiosk_killed_mid_print(pg_url, tmp_path):
    result = _kill_mid_print(pg_url, tmp_path, kills=4, seed=8)
    print(f"postgresql: {result}")
