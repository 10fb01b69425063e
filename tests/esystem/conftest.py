"""The simulated e-system on a real socket, and a hall pointed at it."""

from __future__ import annotations

import httpx
import pytest

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config, parse_hall_config
from simulators.esystem.app import SimState, build_app, make_state
from tests.support.app_server import AppServer


class SimServer(AppServer):
    def __init__(self, state: SimState) -> None:
        self.state = state
        super().__init__(build_app(state), force_exit=True)

    def fault(self, name: str, seconds: float = 10.0) -> None:
        httpx.post(f"{self.url}/_sim/fault", json={"fault": name, "seconds": seconds},
                   timeout=5).raise_for_status()

    def rows(self) -> list[dict]:
        return httpx.get(f"{self.url}/_sim/dossiers", timeout=5).json()


@pytest.fixture(scope="module")
def sim():
    server = SimServer(make_state())
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_fault(request):
    yield
    if "sim" in request.fixturenames:
        request.getfixturevalue("sim").state.fault = "none"


def hall_for(url: str, **esystem: object) -> HallConfig:
    data = load_hall_config(DEFAULT_CONFIG).model_dump(mode="json")
    data["esystem"] = {"kind": "opencps", "url": url, "group_id": "35402",
                       "username": "layso", "password": "layso-sim", **esystem}
    return parse_hall_config(data)
