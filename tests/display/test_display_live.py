"""The board fed by the real queue server (`layso serve` as its own process on loopback): a
call made through the API is on screen in the first frame after its event reaches the board,
and the board recovers by itself after the server is killed and started again."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

import pygame
import pytest

from display.app import BoardApp
from display.client import HallClient
from display.render import Renderer
from layso.servers import free_port
from tests.support.live import LiveServer

WAIT = 20.0  # a bound for a broken test, never a measurement


def until(check: Callable[[], bool], step: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if step:
            step()
        if check():
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached")


def call_next(live: LiveServer, counter: int, service: str, kiosk_name: str) -> str:
    kiosk = live.client(live.device_token(kiosk_name, "kiosk"))
    ticket = kiosk.post("/api/v1/tickets", json={"service": service})
    ticket.raise_for_status()
    officer = live.client(live.login(f"officer{counter}", counter=counter))
    answer = officer.post(f"/api/v1/counters/{counter}/next")
    answer.raise_for_status()
    number = answer.json()["ticket"]["number"]
    assert number == ticket.json()["number"]
    officer.post(f"/api/v1/counters/{counter}/finish", json={}).raise_for_status()
    return number


@pytest.mark.slow
def test_the_board_follows_the_real_server_through_a_restart(tmp_path) -> None:
    pygame.font.init()
    db = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    port = free_port()
    live = LiveServer.spawn(db, port=port)
    client = None
    try:
        token = live.device_token("hall-tv", "display")
        client = HallClient(live.url, token, backoff_min=0.05, backoff_max=0.3).start()
        app = BoardApp(Renderer((960, 540)), client=client)
        surface = pygame.Surface((960, 540))
        until(lambda: app.state.loaded and app.state.connected, lambda: app.frame(surface))

        number = call_next(live, 1, "HT", "kiosk-1")
        # as soon as the `called` event is in the board's inbox, a single frame must show it
        until(lambda: any(n.kind == "message" and n.data.get("type") == "called"
                          for n in _peek(client)))
        app.frame(surface)
        assert app.renderer.hotspots["latest_number"].text == number
        assert app.renderer.hotspots["latest_counter"].text == "Quầy 1"

        live.kill()
        until(lambda: not app.state.connected, lambda: app.frame(surface))
        assert "lost" in app.renderer.hotspots
        live = LiveServer.spawn(db, port=port)
        until(lambda: app.state.connected and app.state.loaded, lambda: app.frame(surface))
        assert app.state.latest.number == number  # the snapshot carried the board over

        second = call_next(live, 2, "HT", "kiosk-2")  # a new process: a new token
        until(lambda: app.state.latest is not None and app.state.latest.number == second,
              lambda: app.frame(surface))
        assert app.renderer.hotspots["latest_counter"].text == "Quầy 2"
    finally:
        if client is not None:
            client.stop()
        live.stop()


@pytest.mark.slow
def test_device_health_from_the_real_server_does_not_reload_the_board(tmp_path) -> None:
    """A kiosk reports its printer: the server sends every board a seq-less device_health
    message. The board takes it without reloading, and the next call follows on."""
    pygame.font.init()
    live = LiveServer.spawn(f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    client = None
    try:
        client = HallClient(live.url, live.device_token("hall-tv", "display"),
                            backoff_min=0.05, backoff_max=0.3).start()
        app = BoardApp(Renderer((960, 540)), client=client)
        reloads: list[int] = []
        real_reload = client.reload
        client.reload = lambda: (reloads.append(1), real_reload())[1]  # type: ignore[method-assign]
        seen: list[dict] = []
        real_apply = app.apply
        app.apply = lambda message, now: (seen.append(message), real_apply(message, now))[1]  # type: ignore[method-assign]
        surface = pygame.Surface((960, 540))
        until(lambda: app.state.loaded and app.state.connected, lambda: app.frame(surface))

        kiosk = live.client(live.device_token("kiosk-1", "kiosk"))
        for status in ("paper_out", "ok"):
            kiosk.post("/api/v1/devices/report",
                       json={"status": status, "detail": f"printer: {status}"}
                       ).raise_for_status()
        until(lambda: sum(m.get("type") == "device_health" for m in seen) >= 2,
              lambda: app.frame(surface))
        health = next(m for m in seen if m.get("type") == "device_health")
        assert "seq" not in health and health["name"] == "kiosk-1"  # the real shape
        number = call_next(live, 1, "HT", "kiosk-2")
        until(lambda: app.state.latest is not None and app.state.latest.number == number,
              lambda: app.frame(surface))
        assert reloads == [] and not app.state.needs_reload
    finally:
        if client is not None:
            client.stop()
        live.stop()


def _peek(client: HallClient):
    """The notes waiting in the inbox, left in place (SimpleQueue has no peek: drain, refill)."""
    notes = []
    while True:
        try:
            notes.append(client.inbox.get_nowait())
        except queue.Empty:
            break
    for note in notes:
        client.inbox.put(note)
    return notes
