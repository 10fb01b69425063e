"""Shared fixtures: headless pygame, a live server on a loopback port, PostgreSQL if present."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# Property tests draw the same examples on every run, so a red CI run is reproducible and a
# green one on this machine is green in CI. Set LAYSO_HYPOTHESIS=explore to draw fresh
# examples (and remember failures in .hypothesis/) while hunting for new breakages.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", print_blob=True)
settings.load_profile(os.environ.get("LAYSO_HYPOTHESIS", "ci"))

from tests.support.live import LiveServer, drop_postgres, postgres_url  # noqa: E402

pytest_plugins = ["tests.support.browser"]  # the `browser` fixture (headless Chromium)


@pytest.fixture
def live(tmp_path):
    """The demo hall on a fresh SQLite file, served by uvicorn on a real loopback socket."""
    server = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url():
    """A fresh database on the PostgreSQL server of this machine kind, or a skip that says
    what is missing."""
    url = postgres_url()
    if url is None:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432 (database 'test', trust "
                    "auth); start it to run this test")
    try:
        yield url
    finally:
        drop_postgres(url)
