"""The board's frame loop: drain the link's inbox, fold, announce, draw.

One `frame()` folds every message that arrived since the last frame and draws the result, so a
call is on screen in the first frame after its event reaches the board. The link runs in its
own thread (display.client) and the voice in another (display.voice.announcer); this loop never
waits on either.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime

import pygame

from contracts.server_clock import ServerClock
from display.client import HallClient, Note
from display.model import BoardFilter, BoardState, CallView, connection, fold
from display.render import Renderer
from display.voice.announcer import Announcer, Call
from display.voice.speech import SpeechError

log = logging.getLogger(__name__)


class BoardApp:
    def __init__(self, renderer: Renderer | None = None, *, client: HallClient | None = None,
                 announcer: Announcer | None = None, filt: BoardFilter | None = None,
                 state: BoardState | None = None,
                 on_call: Callable[[CallView], None] | None = None) -> None:
        self.renderer = renderer
        self.client = client
        self.announcer = announcer
        self.filter = filt or BoardFilter()
        self.state = state or BoardState()
        self.on_call = on_call
        self.frames = 0
        self.clock = ServerClock()

    def wall(self) -> datetime:
        """The hall's time as the server keeps it (contracts.server_clock)."""
        return self.clock.now()

    def pump(self, now: float | None = None) -> int:
        """Fold everything the link delivered; returns how many notes were handled."""
        if self.client is None:
            return 0
        now = time.monotonic() if now is None else now
        handled = 0
        while True:
            try:
                note = self.client.inbox.get_nowait()
            except queue.Empty:
                break
            handled += 1
            self.handle(note, now)
        return handled

    def handle(self, note: Note, now: float) -> None:
        if note.kind == "open":
            self.state = connection(self.state, True, now)
        elif note.kind == "closed":
            reason = str(note.data or "")
            if self.state.connected or reason != self.state.lost_reason:
                # the screen tells citizens only that the board is reconnecting (in
                # Vietnamese); why is for the technician, here
                log.warning("lost the server: %s", reason or "no reason given")
            self.state = connection(self.state, False, now, reason)
        else:
            self.apply(note.data, now)

    def apply(self, message: dict, now: float) -> None:
        if isinstance(message, dict):
            self.clock.follow(message)
        folded = fold(self.state, message, now, self.filter)
        self.state = folded.state
        if folded.problem:
            log.warning("%s", folded.problem)
        elif isinstance(message, dict) and message.get("type") == "snapshot":
            latest = self.state.latest
            log.info("snapshot at seq %s: latest call %s; %d to announce", self.state.seq,
                     f"{latest.number} → {latest.counter_label}" if latest else "none",
                     len(folded.announce))
        if folded.reload and self.client is not None:
            self.client.reload()
        for call in folded.announce:
            if self.on_call:
                self.on_call(call)
            if self.announcer is not None:
                try:
                    self.announcer.announce(Call(call.number, call.counter, call.counter_label,
                                                 call.recall))
                except SpeechError as exc:
                    log.error("cannot announce %s: %s", call.number, exc)

    def frame(self, surface: pygame.Surface, now: float | None = None,
              wall: datetime | None = None) -> None:
        """One frame: fold what arrived, then draw it."""
        now = time.monotonic() if now is None else now
        self.pump(now)
        if self.renderer is not None:
            self.renderer.draw(surface, self.state, now, wall or self.wall())
        self.frames += 1


def run_window(app: BoardApp, *, size: tuple[int, int], fullscreen: bool, rotate: int = 0,
               fps: int = 30, shots=None) -> int:
    """Open the window (or the full screen) and run until Esc, Q or the window closes."""
    pygame.display.set_caption("Layso — bảng gọi số")
    flags = pygame.FULLSCREEN if fullscreen else pygame.RESIZABLE
    screen = pygame.display.set_mode((0, 0) if fullscreen else size, flags)
    pygame.mouse.set_visible(not fullscreen)
    clock = pygame.time.Clock()
    while True:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return 0
            if event.type == pygame.KEYDOWN:
                if event.key in (pygame.K_ESCAPE, pygame.K_q):
                    return 0
                if event.key == pygame.K_F11:
                    pygame.display.toggle_fullscreen()
        screen = pygame.display.get_surface()
        if rotate:
            w, h = screen.get_size()
            canvas = pygame.Surface((h, w))
            app.frame(canvas)
            # pygame turns counter-clockwise; a TV turned clockwise needs -90
            screen.blit(pygame.transform.rotate(canvas, {90: -90, 270: 90}[rotate]), (0, 0))
        else:
            app.frame(screen)
        pygame.display.flip()
        if shots is not None:  # common.live_shots.PeriodicShots: a board with no screen
            shots.maybe(screen)
        clock.tick(fps)


def run_audio_only(app: BoardApp, poll_s: float = 0.05) -> int:
    """No window: follow the hall and speak its calls (the voice on the server's machine).

    SIGTERM and SIGINT end it cleanly (SDL's audio setup would otherwise swallow them)."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(poll_s):
        app.pump()
    return 0
