"""The kiosk's I/O with its journal, against the real server on a loopback port and the
printer simulator on TCP: "printing" is on disk before the printer gets the ticket, an entry
goes once the server has the report, and at start what the last run left is reported (a
ticket still printing as `print-failed`, `kiosk_restarted_while_printing`), nothing is
issued or printed again, and entries that are not this server's are dropped.

(The same with a real `layso kiosk` process killed mid-print: tests/resilience/
test_kiosk_killed_mid_print.py.)"""

from __future__ import annotations

import asyncio
import logging
import queue
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from contracts.ticket_view import TicketView
from kiosk import machine as m
from kiosk.journal import FILE, RESTARTED_WHILE_PRINTING, Journal, parse
from kiosk.printing import DriverPrinter
from kiosk.worker import KioskIO
from tests.kiosk.harness import HallServer
from tests.support.wait import until


def kiosk_token(server: HallServer) -> str:
    """The one kiosk of these tests (a device name is made once per database)."""
    if not hasattr(server, "_kiosk_token"):
        server._kiosk_token = server.device_token()  # type: ignore[attr-defined]
    return server._kiosk_token  # type: ignore[attr-defined]


class JournalWatchingPrinter:
    """The real driver, with a look at the journal file the moment a ticket reaches it."""

    def __init__(self, inner: DriverPrinter, folder: Path) -> None:
        self.inner = inner
        self.folder = folder
        self.seen: list[dict] = []

    def condition(self) -> tuple[str, str]:
        return self.inner.condition()

    def print_ticket(self, view: TicketView) -> None:
        self.seen.append(parse((self.folder / FILE).read_text(encoding="utf-8"))[0])
        self.inner.print_ticket(view)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def kiosk_io(printer) -> Iterator[Callable[..., tuple[KioskIO, queue.SimpleQueue]]]:
    made: list[tuple[KioskIO, Journal]] = []

    def make(server: HallServer, folder: Path, *, watch: bool = False
             ) -> tuple[KioskIO, queue.SimpleQueue]:
        events: queue.SimpleQueue[m.Event] = queue.SimpleQueue()
        journal = Journal.open(folder)
        driver: Any = DriverPrinter(printer[1].url + "?timeout=0.5", 80, "text")
        if watch:
            driver = JournalWatchingPrinter(driver, folder)
        io = KioskIO(server.url, kiosk_token(server), driver, events.put, printer_poll_s=60,
                     report_retry_s=0.1, journal=journal)
        io.start()
        made.append((io, journal))
        return io, events

    yield make
    for io, journal in made:
        io.stop()
        if io.printer is not None:
            io.printer.close()
        journal.close()


def issue_by_api(server: HallServer, service: str = "HT") -> dict:
    """A ticket the last run of this kiosk got from the server (same kiosk token)."""
    with server.client(kiosk_token(server)) as c:
        r = c.post("/api/v1/tickets", json={"service": service})
        r.raise_for_status()
        return r.json()


def server_ticket(server: HallServer, ticket_id: int) -> dict:
    with server.client(kiosk_token(server)) as c:
        r = c.get(f"/api/v1/tickets/{ticket_id}")
        r.raise_for_status()
        return r.json()


def left_by_last_run(folder: Path, write: Callable[[Journal], None]) -> None:
    journal = Journal.open(folder)
    write(journal)
    journal.close()


def test_a_ticket_goes_through_the_journal_and_leaves_it(make_server, kiosk_io, printer,
                                                        tmp_path):
    server = make_server()
    folder = tmp_path / "state"
    io, events = kiosk_io(server, folder, watch=True)
    io.submit(m.Issue(m.IssueRequest("HT"), print_ticket=True))
    until(lambda: any(isinstance(e, m.Printed) for e in _drain(events)), "printed")
    [ticket] = server.tickets()
    [seen] = io.printer.seen
    assert list(seen) == [ticket["id"]]
    entry = seen[ticket["id"]]
    assert (entry.state, entry.number) == ("printing", ticket["number"]), \
        "the journal says printing before the printer has the ticket"
    until(lambda: server_ticket(server, ticket["id"])["printed"] is True, "reported printed")
    until(lambda: parse((folder / FILE).read_text())[0] == {}, "the entry is dropped")
    assert len(printer[0].wait_for_receipts(1)) == 1


def test_at_start_a_ticket_left_printing_is_reported_not_printed(make_server, kiosk_io,
                                                                printer, tmp_path, caplog):
    server = make_server()
    folder = tmp_path / "state"
    left = issue_by_api(server)
    left_by_last_run(folder, lambda j: (j.requested("k-lost", "CT"),
                                        j.printing(left["id"], left["number"], gen=4)))
    with caplog.at_level(logging.WARNING, logger="kiosk"):
        io, _ = kiosk_io(server, folder)
        until(lambda: server_ticket(server, left["id"])["printed"] is False, "reported")
        until(lambda: io.unreported == 0 and parse((folder / FILE).read_text()) == ({}, {}),
              "the journal is empty")
    after = server_ticket(server, left["id"])
    assert after["print_error"] == RESTARTED_WHILE_PRINTING and after["number"] == left["number"]
    assert [t["id"] for t in server.tickets()] == [left["id"]], "nothing issued again"
    time.sleep(0.3)
    assert printer[0].receipts == [], "nothing printed again"
    assert "k-lost" in caplog.text and "was on its way" in caplog.text


def test_at_start_outcomes_the_server_never_took_are_delivered(make_server, kiosk_io,
                                                               tmp_path):
    server = make_server()
    folder = tmp_path / "state"
    printed, failed = issue_by_api(server), issue_by_api(server, "CT")
    left_by_last_run(folder, lambda j: (
        j.outcome(printed["id"], printed["number"], None, gen=1),
        j.outcome(failed["id"], failed["number"], "paper_out", gen=2)))
    kiosk_io(server, folder)
    until(lambda: server_ticket(server, printed["id"])["printed"] is True, "printed delivered")
    until(lambda: server_ticket(server, failed["id"])["print_error"] == "paper_out",
          "print-failed delivered")
    until(lambda: parse((folder / FILE).read_text()) == ({}, {}), "the journal is empty")
    assert len(server.tickets()) == 2


def test_entries_that_are_not_this_servers_tickets_are_dropped(make_server, kiosk_io,
                                                               tmp_path, caplog):
    server = make_server()
    folder = tmp_path / "state"
    real = issue_by_api(server)
    left_by_last_run(folder, lambda j: (
        j.printing(real["id"], "X-9999", gen=1),  # same id, another hall's number
        j.outcome(4242, "1042", None, gen=2)))  # no such ticket here
    with caplog.at_level(logging.WARNING, logger="kiosk"):
        io, _ = kiosk_io(server, folder)
        until(lambda: io.unreported == 0 and parse((folder / FILE).read_text()) == ({}, {}),
              "dropped")
    assert server_ticket(server, real["id"])["printed"] is None, "not reported as ours"
    assert "another hall's or database's" in caplog.text


def test_at_start_with_the_server_down_the_report_waits_for_it(make_server, kiosk_io,
                                                                tmp_path):
    server = make_server()
    folder = tmp_path / "state"
    left = issue_by_api(server)
    left_by_last_run(folder, lambda j: j.printing(left["id"], left["number"], gen=1))
    server.stop()
    io, _ = kiosk_io(server, folder)
    time.sleep(0.5)
    assert io.unreported == 1 and len(parse((folder / FILE).read_text())[0]) == 1
    server.start()
    until(lambda: server_ticket(server, left["id"])["printed"] is False, "reported")
    until(lambda: io.unreported == 0 and parse((folder / FILE).read_text()) == ({}, {}),
          "the journal is empty")


def test_an_outcome_the_server_could_not_take_survives_a_restart(make_server, kiosk_io,
                                                                 tmp_path):
    """Printed while the server was away: the outcome stays in the journal through a
    restart of the kiosk and reaches the server when it is back."""
    server = make_server()
    folder = tmp_path / "state"
    ticket = issue_by_api(server)
    io, _ = kiosk_io(server, folder)
    server.stop()
    asyncio.run_coroutine_threadsafe(io._report(ticket["id"], None, ticket["number"]),
                                     io.loop).result(10)
    assert io.unreported == 1
    assert [e.state for e in parse((folder / FILE).read_text())[0].values()] == ["printed"]
    io.stop()
    io.journal.close()

    server.start()
    kiosk_io(server, folder)
    until(lambda: server_ticket(server, ticket["id"])["printed"] is True, "delivered")
    until(lambda: parse((folder / FILE).read_text()) == ({}, {}), "the journal is empty")


def _drain(events: queue.SimpleQueue) -> list[m.Event]:
    out = []
    while True:
        try:
            out.append(events.get_nowait())
        except queue.Empty:
            return out


def test_only_what_the_last_run_left_is_recovered(make_server, tmp_path):
    """An entry this run writes before its I/O thread gets going (a touch at once) is not
    taken for the last run's."""
    server = make_server()
    folder = tmp_path / "state"
    old, new = issue_by_api(server), issue_by_api(server)
    left_by_last_run(folder, lambda j: j.printing(old["id"], old["number"], gen=1))
    journal = Journal.open(folder)
    io = KioskIO(server.url, kiosk_token(server), None, lambda e: None, report_retry_s=0.1,
                 journal=journal)
    journal.printing(new["id"], new["number"], gen=2)  # this run's, printing now
    io.start()
    try:
        until(lambda: server_ticket(server, old["id"])["printed"] is False, "old reported")
        time.sleep(0.3)
        assert server_ticket(server, new["id"])["printed"] is None
        assert list(parse((folder / FILE).read_text())[0]) == [new["id"]]
    finally:
        io.stop()
        journal.close()
