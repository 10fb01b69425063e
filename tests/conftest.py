"""Shared fixtures: headless pygame, a live server on a loopback port, PostgreSQL if present."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest  # noqa: E402

from tests.support.live import LiveServer, free_port, postgres_url  # noqa: E402,F401

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
    yield url
