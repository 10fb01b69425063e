"""A live hall whose notification gateway is a webhook simulator, on a fake clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from contracts.citizens_config import Notify
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server.clock import FakeClock
from simulators.notify import WebhookSim
from tests.support.live import LiveServer

START = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def hall_cfg(sim: WebhookSim, **citizens):
    cfg = load_hall_config(DEFAULT_CONFIG)
    update = {"notify": Notify(kind="webhook", url=sim.url, token="t0k")}
    if citizens:
        update["citizens"] = cfg.citizens.model_copy(update=citizens)
    return cfg.model_copy(update=update)


@pytest.fixture
def sim():
    s = WebhookSim(token="t0k").start()
    yield s
    s.stop()


@pytest.fixture
def clock():
    return FakeClock(START)


@pytest.fixture
def start_hall(tmp_path, sim, clock):
    """`start_hall(**citizens)`: the live hall with these `[citizens]` keys changed."""
    servers = []

    def start(**citizens) -> LiveServer:
        server = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}",
                                  cfg=hall_cfg(sim, **citizens), clock=clock)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def citizen_hall(start_hall):
    """Codes per phone raised to 20: the limits' windows run on the real clock, the tests'
    days on a fake one."""
    return start_hall(otp_per_phone=20)
