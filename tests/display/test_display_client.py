"""The board against a WebSocket server on loopback that speaks the hall contract: a call is on
screen in the first frame after its event arrives; the board shows that it lost the server,
catches up by itself when the server comes back, and reloads on a gap in `seq`."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pygame
import pytest

from display.app import BoardApp
from display.client import HallClient, hall_ws_url
from display.render import LOST_VI, Hotspot, Renderer
from display.voice.announcer import Announcer, Call
from display.voice.pack import VoicePack
from display.voice.players import SilentPlayer
from display.voice.speech import SpeechOptions

from .hall_server import TOKEN, HallServer

WAIT = 10.0  # a bound for a broken test, never a measurement
SIZE = (960, 540)


def until(check: Callable[[], bool], step: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if step:
            step()
        if check():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached")


def same_pixels(surface: pygame.Surface, spot: Hotspot, renderer: Renderer) -> bool:
    """Is the text at `spot` exactly what the typeface draws for it (not a box, not stale)?"""
    expected = pygame.Surface(spot.rect.size)
    expected.fill(spot.bg)
    expected.blit(renderer.type.render(spot.text, spot.weight, spot.size, spot.fg), (0, 0))
    actual = surface.subsurface(spot.rect)
    return pygame.image.tobytes(actual, "RGB") == pygame.image.tobytes(expected, "RGB")


@pytest.fixture
def board(hall_server: HallServer, synth_pack):
    pygame.font.init()
    spoken: list[Call] = []
    announcer = Announcer(VoicePack.load(synth_pack), SilentPlayer(), SpeechOptions(),
                          on_spoken=spoken.append)
    client = HallClient(hall_server.url, TOKEN, backoff_min=0.05, backoff_max=0.2)
    app = BoardApp(Renderer(SIZE), client=client, announcer=announcer)
    app.spoken = spoken  # type: ignore[attr-defined]
    surface = pygame.Surface(SIZE)
    client.start()
    try:
        until(lambda: app.state.loaded and app.state.connected, lambda: app.frame(surface))
        yield app, surface
    finally:
        client.stop()
        announcer.close()


def test_a_call_is_on_screen_in_the_first_frame_after_its_event(board, hall_server) -> None:
    app, surface = board
    before = app.frames
    hall_server.call("1023", 5)
    until(lambda: app.client.inbox.qsize() > 0)
    app.frame(surface)  # exactly one frame
    assert app.frames == before + 1
    spot = app.renderer.hotspots["latest_number"]
    assert spot.text == "1023"
    assert same_pixels(surface, spot, app.renderer)
    assert app.renderer.hotspots["latest_counter"].text == "Quầy 5A"
    assert app.renderer.hotspots["counter:5"].text == "1023"
    assert app.announcer.wait_idle(WAIT)
    assert [c.number for c in app.spoken] == ["1023"]


def test_the_board_marks_a_lost_server_and_catches_up_after_a_restart(board, hall_server,
                                                                      caplog) -> None:
    app, surface = board
    caplog.set_level(logging.WARNING, logger="display.app")
    hall_server.stop()
    until(lambda: not app.state.connected, lambda: app.frame(surface))
    app.frame(surface)
    lost = app.renderer.hotspots["lost"]
    assert lost.text == LOST_VI
    assert same_pixels(surface, lost, app.renderer)
    # the reason is in the log for the technician, not on the citizens' screen
    assert app.state.lost_reason and app.state.lost_reason in caplog.text
    assert not any(app.state.lost_reason in spot.text for spot in app.renderer.hotspots.values())
    hall_server.call("1024", 2)  # called while the board could not hear it
    hall_server.start()  # the same port, as a restarted server
    until(lambda: app.state.connected and app.state.latest.number == "1024",
          lambda: app.frame(surface))
    assert "lost" not in app.renderer.hotspots
    assert app.renderer.hotspots["latest_number"].text == "1024"
    assert app.client.connections >= 2
    # and it follows live events again
    hall_server.call("1025", 3)
    until(lambda: app.client.inbox.qsize() > 0)
    app.frame(surface)
    assert app.renderer.hotspots["latest_number"].text == "1025"
    assert app.announcer.wait_idle(WAIT)
    assert [c.number for c in app.spoken] == ["1024", "1025"]  # the missed call was fresh


def test_a_gap_in_seq_makes_the_board_reload_the_snapshot(board, hall_server) -> None:
    app, surface = board
    """The one gap policy of common/hall_link.py: the snapshot again over HTTP, on the same
    connection (it used to be a new connection, which hall_server counted)."""
    seq = hall_server.snapshot["seq"]
    connections = app.client.connections
    loads = hall_server.hall_loads
    c = hall_server.cfg.counter(3)
    hall_server.publish({"type": "called", "number": "2042", "counter": 3,
                         "counter_label": c.label, "service": "DD", "ticket_id": 2,
                         "visit_id": 2}, seq=seq + 2)
    until(lambda: hall_server.hall_loads > loads and app.state.seq == seq + 2,
          lambda: app.frame(surface))
    assert app.client.connections == connections and app.client.reloads == 1
    assert not app.state.needs_reload
    assert app.state.counter(3).ticket == "2042"
    assert app.renderer.hotspots["latest_number"].text == "2042"


def test_a_refused_token_is_reported(hall_server) -> None:
    client = HallClient(hall_server.url, "wrong", backoff_min=0.05, backoff_max=0.1).start()
    try:
        note = client.inbox.get(timeout=WAIT)
    finally:
        client.stop()
    assert note.kind == "closed" and "refused the token (403)" in note.data


def test_server_addresses() -> None:
    assert hall_ws_url("http://10.0.0.5:8000", "a b/c") == \
        "ws://10.0.0.5:8000/ws/hall?token=a%20b%2Fc"
    assert hall_ws_url("https://hall.example.vn/", "t") == "wss://hall.example.vn/ws/hall?token=t"
    assert hall_ws_url("10.0.0.5:8000", "t") == "ws://10.0.0.5:8000/ws/hall?token=t"
    assert hall_ws_url("ws://h:1/ws/hall", "t") == "ws://h:1/ws/hall?token=t"
    with pytest.raises(ValueError, match="not a server address"):
        hall_ws_url("ftp://h", "t")
