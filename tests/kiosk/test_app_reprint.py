""""In lại" (print again), through the real path: the kiosk app and its I/O thread, the real
server on a loopback port and the printer simulator on TCP. The paper runs out, a new roll
goes in, the citizen touches "In lại": the printer gets the same number again (never a new
ticket), and the server records the ticket as printed."""

from __future__ import annotations

from dataclasses import replace

from PIL import ImageChops

from drivers.printer.render import render_ticket_image
from kiosk import machine as m
from simulators.printer.device import Fault
from tests.kiosk.harness import FAST, hall_config


def _row(server, ticket_id: int) -> dict:
    [row] = [t for t in server.tickets() if t["id"] == ticket_id]
    return row


def _reported(server, ticket_id: int, printed: int) -> bool:
    return _row(server, ticket_id)["printed"] == printed


def _buttons(kiosk) -> set[str]:
    kiosk.app.step(0)
    return set(kiosk.app.canvas.buttons)


def _when_the_button_is_live(kiosk) -> None:
    kiosk.pump_until(lambda: "reprint" in _buttons(kiosk), "“In lại” live on screen")
    kiosk.pump(FAST.touch_guard_s * 2)  # the screen just changed: touches wait the guard


def test_paper_out_mid_ticket_then_print_again_gives_the_same_number(make_server, make_kiosk,
                                                                     printer):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server, print_mode="text")  # characters: the decoder reads them back
    kiosk.ready()
    sim.load_paper(dots=200)  # the roll ends during the ticket
    kiosk.touch("service:CT")
    shown = kiosk.shows(m.ShowTicket)
    assert not shown.printed and shown.problem == "paper_out"
    ticket = shown.ticket
    kiosk.pump_until(lambda: _reported(server, ticket.id, 0), "the server told: not printed")
    assert _row(server, ticket.id)["print_error"] == "paper_out"
    kiosk.pump(0.5)  # a few printer polls: still no paper, so no live button
    assert "reprint" not in _buttons(kiosk) and "done" in _buttons(kiosk)
    assert not kiosk.kiosk.can_reprint()

    sim.load_paper()  # a new roll; like a real printer it finishes the job it was holding
    [finished] = sim.wait_for_receipts(1)
    _when_the_button_is_live(kiosk)
    kiosk.touch("reprint")
    again = kiosk.shows(m.ShowTicket, "the reprint printed")
    assert again.printed and again.ticket.id == ticket.id and again.ticket.number == ticket.number
    receipts = sim.wait_for_receipts(2)
    assert len(receipts) == 2
    reprint = receipts[-1].text().splitlines()
    assert ticket.number in reprint  # the decoded ESC/POS: the number on its own line
    assert "Chứng thực" in receipts[-1].text()
    assert ticket.number in finished.text().splitlines()  # the held job: the same number
    # the server: one ticket, the same number, now printed
    kiosk.pump_until(lambda: _reported(server, ticket.id, 1), "the server told: printed")
    rows = server.tickets()
    assert [(r["id"], r["number"]) for r in rows] == [(ticket.id, ticket.number)]
    assert rows[0]["print_error"] is None
    with server.client(server.device_token("kiosk-2")) as other:
        seen = other.get(f"/api/v1/tickets/{ticket.id}").json()
    assert seen["printed"] is True and seen["number"] == ticket.number
    # after a good print the button is gone: one slip per failure
    assert "reprint" not in _buttons(kiosk)


def test_number_shown_while_paper_out_is_printed_when_the_roll_is_back(make_server,
                                                                       make_kiosk, printer):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)  # raster: the receipt is the driver's drawing, dot for dot
    kiosk.ready()
    sim.set_fault(Fault.PAPER_OUT)
    kiosk.pump_until(lambda: kiosk.kiosk.printer == "paper_out", "the printer polled: no paper")
    kiosk.touch("service:HT")
    shown = kiosk.shows(m.ShowTicket)
    assert not shown.printed
    ticket = shown.ticket
    kiosk.pump_until(lambda: _reported(server, ticket.id, 0), "the server told: not printed")
    assert sim.receipts == []
    assert "reprint" not in _buttons(kiosk)

    sim.load_paper()
    _when_the_button_is_live(kiosk)
    offer = kiosk.visible()
    assert offer.until - kiosk.kiosk.now <= FAST.reprint_offer_s + 0.5  # shorter, now
    kiosk.touch("reprint")
    again = kiosk.shows(m.ShowTicket, "the reprint printed")
    assert again.printed and again.ticket.number == ticket.number
    [receipt] = sim.wait_for_receipts(1)
    printed = receipt.raster_image().convert("L")
    expected = render_ticket_image(again.ticket.view, 576).convert("L")
    assert again.ticket.view.number == ticket.number
    assert printed.height >= expected.height
    assert ImageChops.difference(printed.crop((0, 0, expected.width, expected.height)),
                                 expected).getbbox() is None
    kiosk.pump_until(lambda: _reported(server, ticket.id, 1), "the server told: printed")
    assert len(server.tickets()) == 1


def test_print_again_from_the_printer_screen_when_numbers_are_kept_off_screen(
        make_server, make_kiosk, printer):
    sim, _ = printer
    server = make_server(hall_config(queue={"show_on_screen_when_no_paper": False}))
    kiosk = make_kiosk(server, replace(FAST, show_on_screen_when_no_paper=False),
                       print_mode="text")
    kiosk.ready()
    sim.load_paper(dots=200)
    kiosk.touch("service:DD")
    screen = kiosk.shows(m.PrinterScreen)
    assert screen.number is not None and screen.ticket is not None
    sim.load_paper()
    sim.wait_for_receipts(1)  # the held job
    _when_the_button_is_live(kiosk)
    kiosk.touch("reprint")
    again = kiosk.shows(m.ShowTicket, "the reprint printed")
    assert again.printed and again.ticket.number == screen.number
    assert screen.number in sim.wait_for_receipts(2)[-1].text().splitlines()
    kiosk.pump_until(lambda: _reported(server, screen.ticket.id, 1), "the server: printed")
    assert len(server.tickets()) == 1


def test_the_next_citizen_finds_no_button(make_server, make_kiosk, printer):
    """The citizen left; the screen goes back to the start by itself and nothing there prints
    their number."""
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server, replace(FAST, ticket_on_screen_s=1.0, reprint_offer_s=1.0))
    kiosk.ready()
    sim.set_fault(Fault.PAPER_OUT)
    kiosk.pump_until(lambda: kiosk.kiosk.printer == "paper_out", "the printer polled: no paper")
    kiosk.touch("service:HT")
    kiosk.shows(m.ShowTicket)
    sim.load_paper()
    kiosk.shows(m.Home, "back to the start after its time")
    kiosk.pump(0.3)
    assert "reprint" not in _buttons(kiosk)
    assert sim.receipts == [] and len(server.tickets()) == 1
