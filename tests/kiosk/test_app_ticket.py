"""A touch on a service gives exactly one ticket, issued by the real server and printed by
the printer simulator; the paper shows what the server's ticket view says. Double taps,
priority, English and scanned receipts go through the same path."""

from __future__ import annotations

import os
import tty

import pygame
from PIL import Image, ImageChops

from drivers.printer.render import render_ticket_image
from kiosk import machine as m
from kiosk.scanner import SerialScanner
from simulators.printer.receipt import Raster
from tests.kiosk.harness import hall_config


def _printed(server, ticket_id: int) -> bool:
    return any(t["id"] == ticket_id and t["printed"] == 1 for t in server.tickets())


def test_one_touch_gives_one_printed_ticket(make_server, make_kiosk, printer, tmp_path):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    kiosk.touch("service:HT")
    shown = kiosk.shows(m.ShowTicket)
    assert shown.printed
    ticket = shown.ticket
    receipts = sim.wait_for_receipts(1)
    kiosk.pump_until(lambda: _printed(server, ticket.id), "the server told: printed")
    assert [(t["id"], t["number"]) for t in server.tickets()] == [(ticket.id, ticket.number)]
    assert len(receipts) == 1
    # one picture, sent in bands of at most 960 dots (python-escpos's fragment height): a
    # ticket whose hall name wraps to two lines is a little taller than one band
    bands = [el for el in receipts[0].elements if isinstance(el, Raster)]
    assert 1 <= len(bands) <= 2 and sum(b.image.height for b in bands[:-1]) in (0, 960)
    # the receipt's PNG is the driver's drawing of the very view the server returned (and
    # the screen showed): the same number, the same everything, to the dot
    receipts[0].render().save(tmp_path / "receipt.png")
    png = Image.open(tmp_path / "receipt.png").convert("L")
    expected = render_ticket_image(ticket.view, 576).convert("L")
    assert png.width == expected.width and png.height >= expected.height
    printed = png.crop((0, 0, expected.width, expected.height))
    assert ImageChops.difference(printed, expected).getbbox() is None
    assert ticket.view.number == ticket.number and ticket.number.startswith("1")


def test_text_mode_receipt_reads_the_same_number(make_server, make_kiosk, printer):
    """In text mode the printer gets characters (TCVN-3): the simulator decodes them back."""
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server, print_mode="text")
    kiosk.ready()
    kiosk.touch("service:DD")
    ticket = kiosk.shows(m.ShowTicket).ticket
    [receipt] = sim.wait_for_receipts(1)
    text = receipt.text()
    assert ticket.number in text.splitlines()  # the number, on its own line in large type
    assert "Đất đai" in text and "Xây dựng" in text  # the dash may become "-" in TCVN-3
    # the hall's name (today's: a ward centre) may wrap at the paper's 48 columns
    assert "Trung tâm Phục vụ hành chính công phường Bến Thành" in " ".join(text.split())


def test_double_tap_gives_one_ticket(make_server, make_kiosk, printer):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    kiosk.touch("service:CT", times=2)  # two fingers-down (and SDL's mouse copies) at once
    kiosk.shows(m.ShowTicket)
    kiosk.pump(0.3)
    assert len(server.tickets()) == 1
    assert len(sim.wait_for_receipts(1)) == 1


def test_touches_while_printing_are_ignored(make_server, make_kiosk, printer):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    x, y = kiosk.point("service:HT")
    kiosk.touch("service:HT")
    # keep touching the same spot until the ticket is on screen, and a little after
    for _ in range(200):
        if isinstance(kiosk.visible(), m.ShowTicket):
            break
        pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, touch_id=1, finger_id=0,
                                             x=x, y=y, dx=0.0, dy=0.0, pressure=1.0))
        kiosk.app.step(5)
    kiosk.shows(m.ShowTicket)
    assert len(server.tickets()) == 1
    assert len(sim.wait_for_receipts(1)) == 1


def test_done_returns_to_start_and_a_second_citizen_gets_the_next_number(make_server,
                                                                        make_kiosk, printer):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    kiosk.touch("service:HT")
    first = kiosk.shows(m.ShowTicket).ticket
    kiosk.pump(0.1)
    kiosk.touch("done")
    kiosk.shows(m.Home)
    kiosk.pump(0.1)
    kiosk.touch("service:HT")
    second = kiosk.shows(m.ShowTicket).ticket
    assert int(second.number) == int(first.number) + 1
    assert second.waiting_ahead == 1
    assert len(sim.wait_for_receipts(2)) == 2


def test_priority_and_english(make_server, make_kiosk, printer):
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    kiosk.touch("lang")
    kiosk.pump(0.1)
    assert kiosk.kiosk.lang == "en"
    kiosk.click("priority")  # a mouse works as well as a finger
    kiosk.shows(m.ChoosePriority)
    kiosk.pump(0.1)
    kiosk.touch("priority:elderly")
    kiosk.pump_until(lambda: kiosk.visible() == m.Home(priority="elderly"), "priority mode")
    kiosk.pump(0.1)
    kiosk.touch("service:DD")
    ticket = kiosk.shows(m.ShowTicket).ticket
    assert ticket.priority is None  # the group stays on the server: a kiosk is a device
    assert ticket.view.lang == "en"
    # the ticket says it is a priority one, never the group (health data on public paper)
    assert (ticket.view.priority, ticket.view.priority_en) == ("Diện ưu tiên", "Priority")
    kiosk.pump(0.1)
    kiosk.touch("done")
    kiosk.shows(m.Home)
    assert kiosk.kiosk.lang == "vi"  # the next citizen starts in Vietnamese


def test_keyboard_scanner_takes_a_result_ticket(make_server, make_kiosk, printer):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    kiosk.touch("scan")
    kiosk.shows(m.Scan)
    kiosk.type_scan("https://dichvucong.gov.vn/tra-cuu?ma=000.00.31.H12-250701-0001")
    ticket = kiosk.shows(m.ShowTicket).ticket
    assert ticket.service == server.cfg.dossier.result_service == "TKQ"
    assert server.tickets()[0]["dossier_code"] == "000.00.31.H12-250701-0001"
    assert len(sim.wait_for_receipts(1)) == 1


def test_one_way_to_a_result_the_home_lists_no_result_service(make_server, make_kiosk,
                                                              printer):
    """"Trả kết quả" as a service and "Nhận kết quả hồ sơ" were two ways to the same counter:
    the home lists the fields only, and the result button leads to scanning or, without the
    receipt, to a plain number for the result counter."""
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    buttons = set(kiosk.app.canvas.buttons)
    assert server.cfg.dossier.result_service == "TKQ"
    assert {"service:HT", "service:DD", "service:CT", "scan"} <= buttons
    assert "service:TKQ" not in buttons
    kiosk.touch("scan")
    kiosk.shows(m.Scan)
    kiosk.pump(0.1)  # past the touch guard of a new screen
    kiosk.touch("scan:number")
    ticket = kiosk.shows(m.ShowTicket).ticket
    assert ticket.service == "TKQ" and ticket.number.startswith("4")
    assert server.tickets()[0]["dossier_code"] is None
    assert len(sim.wait_for_receipts(1)) == 1


def test_a_hall_without_a_result_service_lists_every_service(make_server, make_kiosk):
    cfg = hall_config(dossier={})
    server = make_server(cfg)
    kiosk = make_kiosk(server)
    kiosk.ready()
    assert "service:TKQ" in kiosk.app.canvas.buttons  # nothing else leads there
    kiosk.touch("scan")
    kiosk.shows(m.Scan)
    kiosk.pump(0.1)
    assert "scan:number" not in kiosk.app.canvas.buttons


def test_serial_scanner_on_a_pty(make_server, make_kiosk, printer):
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    master, slave = os.openpty()
    tty.setraw(slave)
    tty.setraw(master)
    scanner = SerialScanner(os.ttyname(slave), lambda code: kiosk.app.post(m.Scanned(code)))
    scanner.start()
    try:
        assert scanner.connected.wait(5)  # opening a port flushes what was sent before
        os.write(master, b"000.00.31.H12-250701-0042\r\n")
        ticket = kiosk.shows(m.ShowTicket).ticket
        assert ticket.service == "TKQ"
        assert server.tickets()[0]["dossier_code"] == "000.00.31.H12-250701-0042"
    finally:
        scanner.stop()
        os.close(master)
        os.close(slave)


def test_live_waiting_counts_follow_the_hall(make_server, make_kiosk):
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    assert kiosk.kiosk.hall.service("DD").waiting == 0
    with server.client(server.device_token("kiosk-2")) as other:
        for _ in range(3):
            assert other.post("/api/v1/tickets", json={"service": "DD"}).status_code == 201
    kiosk.pump_until(lambda: kiosk.kiosk.hall.service("DD").waiting == 3,
                     "three people waiting for DD, issued by another kiosk")
