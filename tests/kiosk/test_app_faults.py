"""The kiosk is never left without an answer: paper out, a server that went away, a closed
hall, a full service and too many tickets each get their screen, and the kiosk comes back by
itself. Every ticket the server issued is reported printed or not printed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pygame

from kiosk import machine as m
from server.clock import FakeClock
from simulators.printer.device import Fault
from tests.kiosk.harness import FAST, hall_config


def _all_reported(server) -> bool:
    return all(t["printed"] is not None for t in server.tickets())


_MANAGERS: dict = {}


def _printer_reported(server, status: str) -> bool:
    """The kiosk's printer state as the manager sees it in GET /api/v1/devices."""
    from tests.support.live import LiveServer

    if server.url not in _MANAGERS:
        live = LiveServer(url=server.url, db_url=server.db_url, cfg=server.cfg)
        _MANAGERS[server.url] = live.client(live.login("kiosk-watcher", role="manager"))
    devices = _MANAGERS[server.url].get("/api/v1/devices").json()
    return any(d["kind"] == "kiosk" and d["status"] == status for d in devices)


def _tap_at(kiosk, point: tuple[float, float]) -> None:
    x, y = point
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, touch_id=1, finger_id=0, x=x, y=y,
                                         dx=0.0, dy=0.0, pressure=1.0))
    kiosk.app.step(0)


def test_paper_out_shows_the_number_on_screen_and_reports_it(make_server, make_kiosk,
                                                             printer):
    sim, _ = printer
    server = make_server()  # the demo hall allows numbers on screen without paper
    kiosk = make_kiosk(server)
    kiosk.ready()
    sim.set_fault(Fault.PAPER_OUT)
    kiosk.pump_until(lambda: kiosk.kiosk.printer == "paper_out", "the printer polled: no paper")
    assert isinstance(kiosk.visible(), m.Home)  # still taking numbers, with a notice
    kiosk.pump_until(lambda: _printer_reported(server, "paper_out"),
                     "the manager's device list shows the kiosk's printer out of paper")
    kiosk.touch("service:HT")
    shown = kiosk.shows(m.ShowTicket)
    assert not shown.printed and shown.problem == "paper_out"
    kiosk.pump_until(lambda: _all_reported(server), "the server told: not printed")
    [row] = server.tickets()
    assert row["number"] == shown.ticket.number
    assert row["printed"] == 0 and row["print_error"] == "paper_out"
    assert sim.receipts == []
    # a new roll: the kiosk prints again, by itself
    sim.load_paper()
    kiosk.pump_until(lambda: kiosk.kiosk.printer == "ok", "the printer polled: ready")
    kiosk.pump(FAST.touch_guard_s * 2)  # the screen just changed: touches wait the guard
    kiosk.touch("done")
    kiosk.shows(m.Home)
    kiosk.pump(0.1)
    kiosk.touch("service:HT")
    assert kiosk.shows(m.ShowTicket).printed
    assert len(sim.wait_for_receipts(1)) == 1


def test_paper_out_blocks_tickets_when_the_hall_keeps_numbers_off_screen(make_server,
                                                                          make_kiosk, printer):
    sim, _ = printer
    cfg = hall_config(queue={"show_on_screen_when_no_paper": False})
    server = make_server(cfg)
    settings = replace(FAST, show_on_screen_when_no_paper=False)
    kiosk = make_kiosk(server, settings)
    kiosk.ready()
    where = kiosk.point("service:HT")
    sim.set_fault(Fault.PAPER_OUT)
    screen = kiosk.shows(m.PrinterScreen)
    assert screen.kind == "paper_out" and screen.number is None
    assert not any(k.startswith("service:") for k in kiosk.app.canvas.buttons)
    for _ in range(3):
        _tap_at(kiosk, where)  # where the button was: nothing happens
        kiosk.pump(0.1)
    assert server.tickets() == []
    sim.load_paper()
    kiosk.shows(m.Home, "back to the start once the paper is in")
    kiosk.touch("service:HT")
    assert kiosk.shows(m.ShowTicket).printed
    assert len(server.tickets()) == 1


def test_paper_running_out_mid_ticket_is_reported(make_server, make_kiosk, printer):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    sim.load_paper(dots=200)  # the roll ends during the ticket
    kiosk.touch("service:CT")
    shown = kiosk.shows(m.ShowTicket)
    assert not shown.printed and shown.problem == "paper_out"
    kiosk.pump_until(lambda: _all_reported(server), "the server told: not printed")
    [row] = server.tickets()
    assert row["printed"] == 0 and row["print_error"] == "paper_out"


def test_printer_cover_open_with_numbers_kept_off_screen(make_server, make_kiosk, printer):
    sim, _ = printer
    server = make_server(hall_config(queue={"show_on_screen_when_no_paper": False}))
    kiosk = make_kiosk(server, replace(FAST, show_on_screen_when_no_paper=False))
    kiosk.ready()
    sim.set_fault(Fault.COVER_OPEN)
    assert kiosk.shows(m.PrinterScreen).kind == "cover_open"
    sim.clear_fault(Fault.COVER_OPEN)
    kiosk.shows(m.Home)


def test_server_down_shows_offline_and_recovers(make_server, make_kiosk, printer):
    sim, _ = printer
    server = make_server()
    kiosk = make_kiosk(server)
    kiosk.ready()
    server.stop()
    kiosk.shows(m.OfflineScreen)
    assert not any(k.startswith("service:") for k in kiosk.app.canvas.buttons)
    server.start()
    kiosk.shows(m.Home, "back by itself when the server is back", timeout=30)
    kiosk.ready()
    kiosk.touch("service:HT")
    assert kiosk.shows(m.ShowTicket).printed
    assert len(server.tickets()) == 1
    assert len(sim.wait_for_receipts(1)) == 1


def test_server_gone_at_the_touch(make_server, make_kiosk):
    """The server vanishes and the citizen touches before the kiosk noticed: no ticket, the
    offline screen, and back to normal when the server returns."""
    server = make_server()
    kiosk = make_kiosk(server, replace(FAST, offline_grace_s=60.0))
    kiosk.ready()
    server.stop()
    kiosk.touch("service:HT")
    kiosk.shows(m.OfflineScreen)
    server.start()
    kiosk.shows(m.Home, timeout=30)
    assert server.tickets() == []


def test_closed_hall_then_open(make_server, make_kiosk):
    zone = hall_config().zone
    cfg = hall_config(hours={"weekdays": [["07:30", "11:30"], ["13:00", "17:00"]],
                             "cutoff_min": 0})
    saturday = datetime(2026, 11, 28, 10, 0, tzinfo=zone)
    clock = FakeClock(saturday)
    server = make_server(cfg, clock)
    kiosk = make_kiosk(server)
    screen = kiosk.shows(m.ClosedScreen)
    assert screen.opens_at == datetime(2026, 11, 30, 7, 30, tzinfo=zone)
    clock.set(saturday + timedelta(days=2))  # Monday 10:00
    kiosk.shows(m.Home, "open again, with no one touching the kiosk")


def test_refusals_are_shown_in_the_servers_words(make_server, make_kiosk):
    cfg = hall_config(services=[
        {"code": "HT", "name": "Hộ tịch", "name_en": "Civil status", "prefix": "1",
         "daily_cap": 1},
        {"code": "DD", "name": "Đất đai — Xây dựng", "name_en": "Land", "prefix": "2"},
        {"code": "CT", "name": "Chứng thực", "name_en": "Certification", "prefix": "3"},
        {"code": "TKQ", "name": "Trả kết quả", "name_en": "Results", "prefix": "4"},
    ])
    server = make_server(cfg)
    kiosk = make_kiosk(server, with_printer=False)
    kiosk.ready()
    kiosk.touch("service:HT")
    kiosk.shows(m.ShowTicket)
    kiosk.pump(0.1)
    kiosk.touch("done")
    kiosk.shows(m.Home)
    kiosk.pump(0.1)
    kiosk.touch("service:HT")
    refusal = kiosk.shows(m.Refusal)
    with server.client(server.device_token("kiosk-2")) as other:
        words = other.post("/api/v1/tickets", json={"service": "HT"}).json()
    assert refusal.error == words["error"] == "service_full"
    assert refusal.detail == words["detail"]
    kiosk.pump(0.1)
    kiosk.touch("done")
    kiosk.shows(m.Home)
    assert len(server.tickets()) == 1


def test_kiosk_limit_per_minute(make_server, make_kiosk, printer):
    server = make_server(hall_config(queue={"kiosk_per_minute": 2}))
    kiosk = make_kiosk(server, replace(FAST, per_minute=2))
    kiosk.ready()
    for _ in range(2):
        kiosk.touch("service:CT")
        kiosk.shows(m.ShowTicket)
        kiosk.pump(0.1)
        kiosk.touch("done")
        kiosk.shows(m.Home)
        kiosk.pump(0.1)
    kiosk.touch("service:CT")
    busy = kiosk.shows(m.Busy)
    assert busy.until > kiosk.kiosk.now + 30  # the window frees in about a minute
    assert len(server.tickets()) == 2


def test_server_limit_is_shown_in_its_words(make_server, make_kiosk):
    server = make_server(hall_config(queue={"kiosk_per_minute": 1}))
    kiosk = make_kiosk(server, replace(FAST, per_minute=10), with_printer=False)
    kiosk.ready()
    kiosk.touch("service:CT")
    kiosk.shows(m.ShowTicket)
    kiosk.pump(0.1)
    kiosk.touch("done")
    kiosk.shows(m.Home)
    kiosk.pump(0.1)
    kiosk.touch("service:CT")
    refusal = kiosk.shows(m.Refusal)
    assert refusal.error == "rate_limited"
    assert "Ki-ốt" in (refusal.detail or "")


def test_an_unreachable_printer_is_a_fault_not_out_of_paper(make_server, monkeypatch, caplog):
    """A printer that does not answer used to be announced as out of paper: the home screen
    now says it has a fault, and the log says why (the driver's detail)."""
    import logging

    from kiosk.draw import Canvas
    from kiosk.i18n import t
    from layso.servers import free_port
    from tests.kiosk.harness import KioskHarness

    drawn: list[str] = []
    real_block = Canvas.block
    monkeypatch.setattr(Canvas, "block", lambda self, text, *a, **kw: (
        drawn.append(text), real_block(self, text, *a, **kw))[1])
    caplog.set_level(logging.INFO, logger="kiosk")
    server = make_server()
    nobody = f"tcp://127.0.0.1:{free_port()}?timeout=0.5"  # nothing listens there
    kiosk = KioskHarness(server.url, server.device_token(), nobody, server.cfg)
    try:
        kiosk.ready()
        kiosk.pump_until(lambda: t("home.on_screen_notice_fault") in drawn,
                         "the home screen's printer notice")  # frames are drawn on change
        assert kiosk.kiosk.printer == "offline" and isinstance(kiosk.visible(), m.Home)
        assert "Máy in đang gặp sự cố: số thứ tự sẽ hiện trên màn hình kèm mã QR" in drawn
        assert t("home.on_screen_notice") not in drawn  # no "hết giấy"
        assert not any("hết giấy" in text for text in drawn)
    finally:
        kiosk.close()
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("kiosk")]
    assert any(line.startswith("printer offline:") and nobody.split("?")[0] in line
               for line in logged), logged
