"""Kiosk fixtures: the real server on a loopback port, the printer simulator on TCP, and the
kiosk app between them."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402

from contracts.hall_config import HallConfig  # noqa: E402
from kiosk import machine as m  # noqa: E402
from simulators.printer.device import PrinterSimulator  # noqa: E402
from simulators.printer.server import TcpPrinterServer  # noqa: E402
from tests.kiosk.harness import FAST, HallServer, KioskHarness, hall_config  # noqa: E402


@pytest.fixture
def printer() -> Iterator[tuple[PrinterSimulator, TcpPrinterServer]]:
    sim = PrinterSimulator(80)
    with TcpPrinterServer(sim, port=0) as server:
        yield sim, server


@pytest.fixture
def make_server(tmp_path) -> Iterator[Callable[..., HallServer]]:
    started: list[HallServer] = []

    def make(cfg: HallConfig | None = None, clock: object = None) -> HallServer:
        server = HallServer(cfg or hall_config(), f"sqlite:///{tmp_path / 'hall.sqlite3'}",
                            clock).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def make_kiosk(printer) -> Iterator[Callable[..., KioskHarness]]:
    made: list[KioskHarness] = []

    def make(server: HallServer, settings: m.Settings = FAST, *, with_printer: bool = True,
             size: tuple[int, int] = (1280, 800), print_mode: str = "raster") -> KioskHarness:
        url = printer[1].url + "?timeout=0.5" if with_printer else None
        harness = KioskHarness(server.url, server.device_token(), url, server.cfg,
                               settings, size, print_mode)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()
