"""Fixtures for the counter pages: headless Chromium (Debian's package, driven by Playwright
through `executable_path`), signed-in panel pages, a board WebSocket client, and a server
restart on the same port."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402

from server.app import create_app  # noqa: E402
from tests.support.live import PASSWORD, LiveServer  # noqa: E402

COUNTER_SCREEN = {"width": 1366, "height": 768}
TABLET = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: $LAYSO_SCREENSHOTS if set (to look at them), else tmp_path."""
    folder = Path(os.environ.get("LAYSO_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class PageErrors:
    """Collects uncaught page errors so a test can assert the page never threw."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


def new_page(browser, errors: PageErrors, viewport: dict = COUNTER_SCREEN):
    """A page in its own context, so each one has its own sessionStorage (its own officer)."""
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors.attach(page)
    return page


def open_panel(browser, live: LiveServer, errors: PageErrors, username: str, counter: int):
    """A panel page signed in as `username` at `counter`, live on the hall WebSocket."""
    with contextlib.suppress(Exception):  # already there from an earlier call
        live.add_user(username)
    page = new_page(browser, errors)
    page.goto(f"{live.url}/panel?counter={counter}")
    page.fill("#login-user", username)
    page.fill("#login-pass", PASSWORD)
    page.click("#btn-login")
    page.wait_for_selector("#work-view:not([hidden])")
    page.wait_for_selector("#conn[data-state=online]")
    return page


def settled(page) -> None:
    """Wait until the panel has no action in flight (it ignores keys meanwhile, on purpose:
    one press, one action)."""
    page.wait_for_selector("body[data-busy='0']", state="attached")


def issue(live: LiveServer, *services: str, priority: str | None = None) -> list[dict]:
    with live.client(live.device_token("kiosk-1")) as kiosk:
        out = []
        for code in services:
            r = kiosk.post("/api/v1/tickets", json={"service": code, "priority": priority})
            r.raise_for_status()
            out.append(r.json())
        return out


class Board:
    """A second WebSocket client, as the hall's TV board: every event with the wall-clock
    moment (time.time, the clock the browser's `performance.timeOrigin` uses) it arrived."""

    def __init__(self, live: LiveServer) -> None:
        import time

        import websockets.sync.client as wsc

        self._time = time.time
        token = live.device_token("board", "display")
        self.ws = wsc.connect(f"{live.ws_url}?token={token}", open_timeout=5)
        self.snapshot = json.loads(self.ws.recv(timeout=5))
        self.events: queue.Queue[tuple[float, dict]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for text in self.ws:
                self.events.put((self._time(), json.loads(text)))
        except Exception:  # noqa: BLE001 — closed at the end of the test
            pass

    def next_of(self, type_: str, timeout: float = 5.0) -> tuple[float, dict]:
        import time

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {type_!r} event on the board within {timeout} s")
            at, ev = self.events.get(timeout=left)
            if ev["type"] == type_:
                return at, ev

    def drain(self) -> list[dict]:
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait()[1])
        return out

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def board(live) -> Iterator[Board]:
    b = Board(live)
    try:
        yield b
    finally:
        b.close()


def restart_same_port(live: LiveServer) -> LiveServer:
    """Stop the server and start a new one on the same port and database, as after a crash
    or an upgrade: clients must find their way back by themselves."""
    port = int(live.url.rsplit(":", 1)[1])
    live.stop()
    app = create_app(live.cfg, live.db_url)
    again = LiveServer.serve(app, live.db_url, live.cfg, port=port, tokens=live._tokens)
    return again
