"""The kiosk's I/O side of "In lại" against a scripted server (the real one never answers a
reprint with another ticket, nor loses a report on purpose) and the printer simulator on TCP:
only the very number asked for is printed, and a reprint's `printed` report is never
overtaken by a late retry of the first print's `print-failed`."""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from kiosk import machine as m
from kiosk.printing import DriverPrinter
from kiosk.worker import KioskIO
from tests.kiosk.test_machine import ticket
from tests.support.app_server import AppServer


class ScriptedTickets(AppServer):
    """`POST /tickets/{id}/reprint` answers `answer`; print reports are recorded in order, and
    `print-failed` is refused with 503 while `failed_down` is set."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.reports: list[tuple[int, str]] = []
        self.failed_down = False
        app = FastAPI()

        @app.post("/api/v1/tickets/{ticket_id}/reprint")
        async def reprint(ticket_id: int) -> Any:
            return self.answer

        @app.post("/api/v1/tickets/{ticket_id}/printed")
        async def printed(ticket_id: int) -> Any:
            self.reports.append((ticket_id, "printed"))
            return {"id": ticket_id, "printed": True}

        @app.post("/api/v1/tickets/{ticket_id}/print-failed")
        async def print_failed(ticket_id: int) -> Any:
            if self.failed_down:
                return JSONResponse({"detail": "busy", "error": "unavailable"}, status_code=503)
            self.reports.append((ticket_id, "print-failed"))
            return {"id": ticket_id, "printed": False}

        super().__init__(app)


@pytest.fixture
def io_for(printer) -> Iterator[Any]:
    made: list[tuple[KioskIO, DriverPrinter]] = []

    def make(server: ScriptedTickets) -> tuple[KioskIO, queue.SimpleQueue[m.Event]]:
        events: queue.SimpleQueue[m.Event] = queue.SimpleQueue()
        driver = DriverPrinter(printer[1].url + "?timeout=0.5", 80, "text")
        io = KioskIO(server.url, "t", driver, events.put, printer_poll_s=60,
                     report_retry_s=0.05)
        io.start()
        made.append((io, driver))
        return io, events

    yield make
    for io, driver in made:
        io.stop()
        driver.close()


def _next(events: queue.SimpleQueue[m.Event], kind: type, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=0.1)
        except queue.Empty:
            continue
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__} from the kiosk's I/O")


def test_an_answer_with_another_number_is_not_printed(io_for, printer):
    sim, _ = printer
    other = ticket(7, "1099").model_dump(mode="json")  # the server answers another number
    with ScriptedTickets(other) as server:
        io, events = io_for(server)
        io.submit(m.Reprint(7, "1007"))
        refused = _next(events, m.Refused)
        assert refused.error == "bad_answer"
        time.sleep(0.3)
    assert sim.receipts == [] and server.reports == []


def test_the_same_number_is_printed_and_reported(io_for, printer):
    sim, _ = printer
    with ScriptedTickets(ticket(7, "1007").model_dump(mode="json")) as server:
        io, events = io_for(server)
        io.submit(m.Reprint(7, "1007"))
        assert _next(events, m.ReprintAnswered).ticket.number == "1007"
        assert _next(events, m.Printed).ticket_id == 7
        [receipt] = sim.wait_for_receipts(1)
        deadline = time.monotonic() + 5
        while not server.reports and time.monotonic() < deadline:
            time.sleep(0.02)
    assert "1007" in receipt.text().splitlines()
    assert server.reports == [(7, "printed")]


def test_a_late_failure_report_never_overtakes_the_reprint(io_for):
    """The first print's `print-failed` could not be delivered; then the reprint printed.
    The server must end with `printed`: only the newest outcome of a ticket is sent."""
    with ScriptedTickets(ticket(7, "1007").model_dump(mode="json")) as server:
        io, _ = io_for(server)
        server.failed_down = True
        asyncio.run_coroutine_threadsafe(io._report(7, "paper_out"), io.loop).result(5)
        assert io.unreported == 1
        asyncio.run_coroutine_threadsafe(io._report(7, None), io.loop).result(5)
        server.failed_down = False
        time.sleep(0.5)  # the reporter runs every 0.05 s
        assert io.unreported == 0
    assert server.reports == [(7, "printed")]
