"""Screenshot mode: the board in each of its states, rendered to PNG from sample data.

No server and no window: the board is drawn on off-screen surfaces, at a fixed clock, so the
same config always gives the same pictures (for docs, for review, for tests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config
from display.layout import Orientation
from display.model import BoardFilter, BoardState, connection, fold
from display.render import Renderer
from display.sample import sample_call, sample_snapshot

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)
PROVINCIAL = DEFAULT_CONFIG.parent / "provincial.toml"
SHOT_TIME = datetime(2025, 11, 24, 9, 41, 27, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
MONO = 1000.0  # the monotonic clock of the shots


@dataclass(frozen=True)
class Shot:
    name: str
    state: BoardState
    size: tuple[int, int]
    orientation: Orientation
    now: float


def board_state(config: HallConfig, *, call: bool, filt: BoardFilter | None = None,
                connected: bool = True) -> BoardState:
    """The sample hall as the board holds it (snapshot, then one call if `call`)."""
    snap = sample_snapshot(config, SHOT_TIME)
    state = connection(BoardState(), True, MONO - 600)
    state = fold(state, snap.model_dump(mode="json"), MONO - 600, filt).state
    if call:
        counter = None
        if filt and filt.counters:
            counter = min(filt.counters)
        event = sample_call(config, snap, SHOT_TIME, counter_number=counter)
        state = fold(state, event, MONO - 0.1, filt).state
    if not connected:
        state = connection(state, False, MONO - 75, "connection refused (is the server running?)")
    return state


def shots(config_path: Path | str | None = None) -> list[Shot]:
    demo = load_hall_config(config_path or DEFAULT_CONFIG)
    province = load_hall_config(PROVINCIAL)
    area = BoardFilter(counters=frozenset(range(1, 11)))
    quiet = board_state(demo, call=False)
    closed = replace(quiet, open=False, recent=(),
                     counters=tuple(replace(c, state="idle", ticket=None, service=None)
                                    for c in quiet.counters),
                     opens_at=SHOT_TIME.replace(hour=13, minute=0, second=0))
    return [
        Shot("quiet-landscape", board_state(demo, call=False), LANDSCAPE, "landscape", MONO),
        Shot("call-blinking-landscape", board_state(demo, call=True), LANDSCAPE, "landscape",
             MONO),
        Shot("many-counters-landscape", board_state(province, call=True), LANDSCAPE,
             "landscape", MONO),
        Shot("portrait", board_state(demo, call=True), PORTRAIT, "portrait", MONO),
        Shot("many-counters-portrait", board_state(province, call=True), PORTRAIT, "portrait",
             MONO),
        Shot("area-board-landscape", board_state(province, call=True, filt=area), LANDSCAPE,
             "landscape", MONO),
        Shot("disconnected-landscape", board_state(demo, call=False, connected=False),
             LANDSCAPE, "landscape", MONO),
        Shot("many-counters-disconnected-portrait",
             board_state(province, call=True, connected=False), PORTRAIT, "portrait", MONO),
        Shot("closed-landscape", closed, LANDSCAPE, "landscape", MONO),
    ]


def render_shot(shot: Shot, *, english: bool = False):
    """The surface of one shot, and the renderer (whose hotspots say where texts went)."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    pygame.font.init()
    surface = pygame.Surface(shot.size)
    renderer = Renderer(shot.size, orientation=shot.orientation, english=english)
    renderer.draw(surface, shot.state, shot.now, SHOT_TIME)
    return surface, renderer


def write_shots(folder: Path | str, *, config_path: Path | str | None = None,
                english: bool = False) -> list[Path]:
    import pygame

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for shot in shots(config_path):
        surface, _ = render_shot(shot, english=english)
        path = out / f"{shot.name}.png"
        pygame.image.save(surface, str(path))
        written.append(path)
    return written
