"""The pygame loop: touches, mouse clicks and scanner keystrokes in; frames out.

The loop sleeps in `pygame.event.wait` and wakes on input or when the I/O thread posts an
answer (`post` is thread-safe), so a ticket goes to the printer without waiting for a frame.
A frame is drawn only when what it shows has changed.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pygame

from contracts.api import TicketOut
from contracts.server_clock import ServerClock
from kiosk import machine as m
from kiosk.draw import Canvas
from kiosk.fonts import Fonts
from kiosk.printing import ticket_image
from kiosk.scanner import KeyboardWedge
from kiosk.screens import Frame, draw_frame, services_per_page

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)

WAKE = pygame.event.custom_type()
END_KEYS = (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_TAB)
PRESS_SHOWN_S = 0.15  # a touched button looks pressed this long


class KioskApp:
    """One kiosk window driven by one state machine."""

    def __init__(
        self,
        kiosk: m.Kiosk,
        surface: pygame.Surface,
        *,
        zone: ZoneInfo,
        width_mm: int = 80,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[ZoneInfo], datetime] | None = None,
        effects: Callable[[m.Effect], None] | None = None,
        allow_escape: bool = False,
    ) -> None:
        self.shots = None  # a common.live_shots.PeriodicShots when run with --live-shots
        self.kiosk = kiosk
        self.surface = surface
        self.zone = zone
        self.width_mm = width_mm
        self.clock = clock
        # The server's time (followed from the snapshot and events): the clock on screen and
        # "open / closed" agree with the tickets, on a drifted PC or a demo's fast clock too.
        self.server_clock = ServerClock()
        self.wall_clock = wall_clock or self.server_clock.now
        self.effects = effects or (lambda effect: None)
        self.allow_escape = allow_escape
        self.inbox: queue.SimpleQueue[m.Event] = queue.SimpleQueue()
        self.canvas = Canvas(surface, Fonts())
        self.wedge = KeyboardWedge()
        self.running = True
        self.frames = 0
        # the screen of the frame on the glass: the machine may already be on the next one
        # (an offline grace runs out between two frames) until the next step draws it
        self.drawn: m.Screen | None = None
        self._pressed: tuple[str, float] | None = None
        self._last_key: object = None
        self._previews: dict[int, Image.Image | None] = {}

    # ---- from other threads --------------------------------------------------------------

    def post(self, event: m.Event) -> None:
        """Hand an event to the loop from any thread, and wake the loop."""
        self.inbox.put(event)
        with contextlib.suppress(pygame.error):  # no display: the loop is ending anyway
            pygame.event.post(pygame.event.Event(WAKE))

    def stop(self) -> None:
        """End the loop after the current step (safe from a signal handler or a thread)."""
        self.running = False
        with contextlib.suppress(pygame.error):
            pygame.event.post(pygame.event.Event(WAKE))

    # ---- the loop ------------------------------------------------------------------------

    def run(self) -> int:
        while self.running:
            self.step()
        return 0

    def step(self, timeout_ms: int = 100) -> None:
        """Wait for input (at most `timeout_ms`), apply it, draw if something changed."""
        # wait(0) would wait for ever: 0 means "just look"
        first = pygame.event.wait(timeout_ms) if timeout_ms > 0 else pygame.event.poll()
        events = [first] if first.type != pygame.NOEVENT else []
        events += pygame.event.get()
        now = self.clock()
        for event in events:
            self._input(event, now)
        while True:
            try:
                self._handle(self.inbox.get_nowait(), self.clock())
            except queue.Empty:
                break
        now = self.clock()
        wall = self.wall_clock(self.zone)
        self._handle(m.Tick(wall), now)
        self._layout()
        self._draw(now, wall)

    def _handle(self, event: m.Event, now: float) -> None:
        if isinstance(event, m.LinkUp | m.HallReloaded):
            self.server_clock.follow(event.snapshot)
        elif isinstance(event, m.HallEvent):
            self.server_clock.follow(event.event)
        try:
            effects = self.kiosk.handle(event, now)
        except Exception:  # e.g. a malformed snapshot: keep the kiosk up, keep the old state
            log.exception("could not apply %s", type(event).__name__)
            return
        for effect in effects:
            self.effects(effect)

    def _layout(self) -> None:
        kiosk = self.kiosk
        notice = kiosk.paper_missing() and kiosk.settings.show_on_screen_when_no_paper
        kiosk.per_page = services_per_page(self.canvas.layout, len(kiosk.hall.buttons), notice)

    # ---- input ---------------------------------------------------------------------------

    def target_at(self, pos: tuple[float, float]) -> str | None:
        for target, rect in self.canvas.buttons.items():
            if rect.collidepoint(pos):
                return target
        return None

    def _press(self, pos: tuple[float, float], now: float) -> None:
        target = self.target_at(pos)
        if target is None:
            return
        self._pressed = (target, now)
        self._handle(m.Press(target), now)

    def _input(self, event: pygame.event.Event, now: float) -> None:
        kind = event.type
        if kind == pygame.QUIT:
            self.running = False
        elif kind == pygame.FINGERDOWN:
            width, height = self.surface.get_size()
            self._press((event.x * width, event.y * height), now)
        elif kind == pygame.MOUSEBUTTONDOWN:
            # SDL also turns each touch into a mouse click: that one is already handled
            if event.button == 1 and not getattr(event, "touch", False):
                self._press(event.pos, now)
        elif kind == pygame.TEXTINPUT:
            self.wedge.feed(event.text, now)
        elif kind == pygame.KEYDOWN:
            self._key(event, now)
        elif kind in (pygame.WINDOWSIZECHANGED, pygame.VIDEORESIZE):
            display = pygame.display.get_surface()
            if display is not None and display.get_size() != self.surface.get_size():
                self.surface = display
                self.canvas = Canvas(display, self.canvas.fonts)
                self._last_key = None

    def _key(self, event: pygame.event.Event, now: float) -> None:
        if event.key in END_KEYS:
            code = self.wedge.end(now)
            if code:
                self._handle(m.Scanned(code), now)
        elif event.key == pygame.K_q and event.mod & pygame.KMOD_CTRL:
            self.running = False  # for the technician: scanners never send Ctrl
        elif event.key == pygame.K_ESCAPE and self.allow_escape:
            self.running = False

    # ---- output --------------------------------------------------------------------------

    def _preview(self, ticket: TicketOut) -> Image.Image | None:
        if ticket.id not in self._previews:
            self._previews = {ticket.id: ticket_image(ticket.view, self.width_mm)}
        return self._previews[ticket.id]

    def _draw(self, now: float, wall: datetime) -> None:
        kiosk = self.kiosk
        shown = kiosk.visible(now)
        pressed = None
        if self._pressed and now - self._pressed[1] < PRESS_SHOWN_S:
            pressed = self._pressed[0]
        animated = (isinstance(shown, m.Issuing) and shown.ticket is None) or isinstance(
            shown, m.OfflineScreen)
        until = getattr(shown, "until", None)
        key = (shown, kiosk.lang, kiosk.hall, kiosk.printer, pressed, f"{wall:%H:%M %d}",
               kiosk.can_reprint(now), kiosk.is_offline(now),
               int(until - now) if until is not None else None,
               int(now * 10) if animated else None, self.surface.get_size())
        if key == self._last_key:
            return
        self._last_key = key
        frame = Frame(now=now, wall=wall, pressed=pressed, preview=self._preview)
        draw_frame(self.canvas, kiosk, frame)
        pygame.display.flip()
        self.drawn = shown
        self.frames += 1
        if self.shots is not None:  # common.live_shots.PeriodicShots: a kiosk with no screen
            self.shots.maybe(self.surface)
