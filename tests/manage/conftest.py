"""Fixtures of the manager's-view tests: the scripted day on a real server, and Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402

from tests.manage.day import ScriptedDay  # noqa: E402

HERE = Path(__file__).resolve().parent
HALL = HERE / "hall.toml"


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptedDay]:
    """The scripted day of tests/manage/day.py, played once through the real API."""
    db = tmp_path_factory.mktemp("day") / "hall.sqlite3"
    d = ScriptedDay.start(f"sqlite:///{db}", HALL)
    try:
        d.play()
        yield d
    finally:
        d.close()
        d.live.stop()


