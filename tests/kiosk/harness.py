"""A kiosk under test: the real app, driven by synthetic touches, against a real server on a
loopback port and the printer simulator on a real TCP socket.

`HallServer` is the real queue server (server.app.create_app under uvicorn) on a port that
stays the same across `stop()` and `start()`, so a test can take the server away and bring
it back as a power cut or a network outage would.
"""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import httpx  # noqa: E402
import pygame  # noqa: E402

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, parse_hall_config  # noqa: E402
from kiosk import machine as m  # noqa: E402
from kiosk.app import KioskApp  # noqa: E402
from kiosk.hall import hall_from_config  # noqa: E402
from kiosk.printing import DriverPrinter  # noqa: E402
from kiosk.worker import KioskIO  # noqa: E402
from layso.servers import free_port, wait_http  # noqa: E402
from tests.support.app_server import AppServer  # noqa: E402

FAST = m.Settings(
    ticket_s=30.0,  # tests press Done or check the screen; no waiting on it
    ticket_on_screen_s=30.0,
    message_s=30.0,
    touch_guard_s=0.05,
    offline_grace_s=0.3,
    closed_reload_s=0.3,
)


def hall_config(**changes: Any) -> HallConfig:
    """The demo hall with whole sections replaced, e.g. queue={"kiosk_per_minute": 2}."""
    data = tomllib.loads(Path(DEFAULT_CONFIG).read_text(encoding="utf-8"))
    data.update(changes)
    return parse_hall_config(data, "test hall")


@dataclass
class HallServer:
    """The real server for one hall, on a fixed loopback port; stoppable and restartable."""

    cfg: HallConfig
    db_url: str
    clock: Any = None
    port: int = field(default_factory=free_port)
    _server: AppServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HallServer:
        from server.app import create_app

        app = create_app(self.cfg, self.db_url, self.clock, scheduler=False, devices=False)
        self._server = AppServer(app, port=self.port, log_level="warning")
        self._server.start()
        wait_http(self.url)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(timeout=10)
        self._server = None

    def device_token(self, name: str = "kiosk-1") -> str:
        from tests.support.live import LiveServer

        return LiveServer(url=self.url, db_url=self.db_url, cfg=self.cfg).device_token(name)

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"},
                            timeout=10)

    def tickets(self) -> list[dict[str, Any]]:
        """Every ticket in the database, with its print outcome, read straight from SQL."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT * FROM ticket ORDER BY id")).mappings().all()
        finally:
            engine.dispose()
        return [dict(r) for r in rows]


class KioskHarness:
    """The kiosk app on the dummy video driver, its I/O on its own thread."""

    def __init__(self, server_url: str, token: str, printer_url: str | None,
                 cfg: HallConfig, settings: m.Settings = FAST,
                 size: tuple[int, int] = (1280, 800), print_mode: str = "raster") -> None:
        pygame.display.init()
        pygame.font.init()
        surface = pygame.display.set_mode(size)
        now = time.monotonic()
        kiosk = m.Kiosk(hall=hall_from_config(cfg), settings=settings, now=now)
        self.app = KioskApp(kiosk, surface, zone=cfg.zone)
        self.printer = DriverPrinter(printer_url, 80, print_mode) if printer_url else None
        self.io = KioskIO(server_url, token, self.printer, self.app.post,
                          printer_poll_s=0.1, report_retry_s=0.2)
        self.app.effects = self.io.submit
        self.io.start()

    @property
    def kiosk(self) -> m.Kiosk:
        return self.app.kiosk

    def visible(self) -> m.Screen:
        return self.kiosk.visible(time.monotonic())

    def pump(self, seconds: float = 0.1) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.step(10)

    def pump_until(self, predicate: Callable[[], bool], what: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.app.step(10)
            if predicate():
                return
        raise AssertionError(f"kiosk never reached: {what}; it shows {self.visible()!r}")

    def shows(self, kind: type, what: str | None = None, timeout: float = 15) -> Any:
        """Waits until the machine is on a `kind` screen *and* a frame of it is on the glass.

        The machine's screen can move on between two frames (an offline grace runs out after
        the last draw); a test that looked only at the machine would read the buttons of the
        frame before.
        """
        self.pump_until(lambda: isinstance(self.visible(), kind)
                        and isinstance(self.app.drawn, kind), what or kind.__name__, timeout)
        return self.visible()

    def ready(self) -> None:
        """Online, the hall loaded, a frame drawn with the service buttons."""
        self.pump_until(lambda: self.kiosk.online and self.kiosk.hall.loaded
                        and any(k.startswith("service:") for k in self.app.canvas.buttons),
                        "online with services on screen")
        self.pump(FAST.touch_guard_s * 2)

    def point(self, target: str) -> tuple[float, float]:
        """Where `target` is on screen, as SDL gives finger positions (0..1)."""
        self.app.step(0)
        rect = self.app.canvas.buttons.get(target)
        if rect is None:
            raise AssertionError(f"no button {target!r} on screen; buttons: "
                                 f"{sorted(self.app.canvas.buttons)}")
        w, h = self.app.surface.get_size()
        return rect.centerx / w, rect.centery / h

    def touch(self, target: str, *, times: int = 1, with_mouse: bool = True) -> None:
        """A finger on `target` (and the mouse click SDL synthesises from it), `times` times
        in a row before the app looks at its events: a double tap when times=2."""
        x, y = self.point(target)
        w, h = self.app.surface.get_size()
        for _ in range(times):
            pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, touch_id=1, finger_id=0,
                                                 x=x, y=y, dx=0.0, dy=0.0, pressure=1.0))
            if with_mouse:
                pygame.event.post(pygame.event.Event(
                    pygame.MOUSEBUTTONDOWN, pos=(int(x * w), int(y * h)), button=1,
                    touch=True))
            pygame.event.post(pygame.event.Event(pygame.FINGERUP, touch_id=1, finger_id=0,
                                                 x=x, y=y, dx=0.0, dy=0.0, pressure=0.0))
        self.app.step(0)

    def click(self, target: str) -> None:
        """A mouse click (a kiosk with a mouse, or a technician)."""
        x, y = self.point(target)
        w, h = self.app.surface.get_size()
        pos = (int(x * w), int(y * h))
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1,
                                             touch=False))
        self.app.step(0)

    def type_scan(self, code: str, end: int = pygame.K_RETURN) -> None:
        """What a keyboard-wedge scanner sends: the characters, then Enter."""
        for ch in code:
            pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=ch))
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=end, mod=0, unicode="\r",
                                             scancode=40))
        self.app.step(0)

    def close(self) -> None:
        self.io.stop()
        if self.printer is not None:
            self.printer.close()
        pygame.display.quit()
