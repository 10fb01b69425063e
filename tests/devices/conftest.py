"""Device manager tests: simulated devices on real ptys, a real server on a loopback port."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pytest  # noqa: E402

from server.devices.manager import DeviceManager  # noqa: E402
from tests.devices.rig import FAST, Rig  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402


@pytest.fixture
def rig():
    r = Rig.start()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def fast_lines(monkeypatch):
    """The server's device manager probes and reconnects quickly (tests only)."""
    monkeypatch.setattr(DeviceManager, "default_timing", FAST)


@pytest.fixture
def hall(rig, fast_lines, tmp_path):
    """The demo hall with the rig's devices, on a fresh SQLite file, served for real."""
    server = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}", cfg=rig.config(),
                              scheduler=False)
    try:
        yield server
    finally:
        server.stop()
