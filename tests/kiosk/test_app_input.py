"""The app's input handling on its own (no server): touches, the mouse copies SDL makes of
them, scanner keystrokes, the technician's keys, and bad data that must not stop the kiosk."""

from __future__ import annotations

import os
from datetime import datetime

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from kiosk import machine as m  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from kiosk.hall import hall_from_config  # noqa: E402
from tests.kiosk.test_machine import CFG, snapshot  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def app():
    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode((1280, 800))
    clock = Clock()
    kiosk = m.Kiosk(hall=hall_from_config(CFG), now=clock.t)
    effects: list[m.Effect] = []
    fixed = datetime(2026, 11, 23, 9, 41, tzinfo=CFG.zone)  # frames must not follow the minute
    app = KioskApp(kiosk, surface, zone=CFG.zone, clock=clock, effects=effects.append,
                   wall_clock=lambda zone: fixed)
    app.post(m.LinkUp(snapshot(waiting=2)))
    app.post(m.PrinterState("ok"))
    app.step(0)
    clock.t += 5
    app.step(0)
    app.effects_seen = effects
    app.test_clock = clock
    yield app
    pygame.display.quit()


def _center(app: KioskApp, target: str) -> tuple[int, int]:
    return app.canvas.buttons[target].center


def _finger(app: KioskApp, target: str, with_mouse: bool = True) -> None:
    x, y = _center(app, target)
    w, h = app.surface.get_size()
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, touch_id=1, finger_id=0, x=x / w,
                                         y=y / h, dx=0.0, dy=0.0, pressure=1.0))
    if with_mouse:
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1,
                                             touch=True))


def test_a_touch_and_its_mouse_copy_count_once(app):
    _finger(app, "service:HT")
    app.step(0)
    assert app.effects_seen == [m.Issue(m.IssueRequest("HT"), print_ticket=True)]


def test_a_real_mouse_click_counts(app):
    x, y = _center(app, "service:DD")
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=1,
                                         touch=False))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=3,
                                         touch=False))  # a right click does nothing
    app.step(0)
    assert [e.request.service for e in app.effects_seen] == ["DD"]


def test_a_touch_outside_any_button_does_nothing(app):
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, touch_id=1, finger_id=0, x=0.5,
                                         y=0.002, dx=0.0, dy=0.0, pressure=1.0))
    app.step(0)
    assert app.effects_seen == []


def test_scanner_keystrokes_take_a_result_ticket(app):
    for ch in "000.00.31.H12-250701-0001":
        pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_TAB, mod=0))
    app.step(0)
    [issue] = app.effects_seen
    assert issue.request.dossier_code == "000.00.31.H12-250701-0001"


def test_bad_server_data_does_not_stop_the_kiosk(app, caplog):
    before = app.kiosk.hall
    app.post(m.ServicesLoaded([{"code": "HT"}]))  # required fields missing
    app.post(m.LinkUp({"type": "snapshot"}))
    app.step(0)
    assert app.running and app.kiosk.hall == before
    assert "could not apply" in caplog.text


def test_technician_keys(app):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0))
    app.step(0)
    assert app.running  # a kiosk in the hall does not quit on Esc
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_q,
                                         mod=pygame.KMOD_LCTRL))
    app.step(0)
    assert not app.running


def test_frames_are_drawn_only_when_something_changed(app):
    frames = app.frames
    for _ in range(5):
        app.step(0)
    assert app.frames == frames
    app.post(m.PrinterState("paper_out"))
    app.step(0)
    assert app.frames == frames + 1


def test_the_kiosk_keeps_the_servers_time():
    """The clock on screen and "open / closed" follow the server's stamps (a demo's fast
    clock, a PC whose clock drifted), not this machine's clock."""
    from datetime import UTC, timedelta

    pygame.display.init()
    pygame.font.init()
    try:
        surface = pygame.display.set_mode((1280, 800))
        kiosk = m.Kiosk(hall=hall_from_config(CFG), now=100.0)
        app = KioskApp(kiosk, surface, zone=CFG.zone)
        server_now = datetime.now(UTC) - timedelta(hours=9, minutes=17)
        app.post(m.LinkUp({**snapshot(), "now": server_now.isoformat()}))
        app.step(0)
        shown = app.wall_clock(CFG.zone)
        assert shown.tzinfo is not None and shown.utcoffset() == timedelta(hours=7)
        assert abs((shown - server_now).total_seconds()) < 2
        later = server_now + timedelta(minutes=30)
        app.post(m.HallEvent({"type": "called", "seq": 2, "at": later.isoformat()}))
        app.step(0)
        assert abs((app.wall_clock(CFG.zone) - later).total_seconds()) < 2
    finally:
        pygame.display.quit()


def test_a_stale_service_button_after_the_offline_grace_issues_nothing(app):
    """The link drops; a frame still shows the services when the grace runs out between two
    frames. A touch on that frame's button must not ask for a number: the machine decides by
    the screen it is on now (the offline one), and the next frame has no service buttons."""
    app.post(m.LinkDown("connection refused"))
    app.step(0)
    assert any(k.startswith("service:") for k in app.canvas.buttons)  # within the grace
    app.test_clock.t += app.kiosk.settings.offline_grace_s + 1  # runs out before a redraw
    _finger(app, "service:HT")
    app.step(0)
    assert app.effects_seen == []
    assert isinstance(app.drawn, m.OfflineScreen)
    assert not any(k.startswith("service:") for k in app.canvas.buttons)
