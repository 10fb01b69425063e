"""Printer fixtures: a simulated printer on a real TCP socket and on a real pseudo-terminal."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

from collections.abc import Iterator  # noqa: E402

import pytest  # noqa: E402

from simulators.printer.device import PrinterSimulator  # noqa: E402
from simulators.printer.server import PtyPrinterServer, TcpPrinterServer  # noqa: E402

VISCII_TABLE = 40  # VISCII has no agreed ESC t number: tests give it one on both sides
STATUS_TIMEOUT = 0.3


def make_sim(width_mm: int = 80) -> PrinterSimulator:
    return PrinterSimulator(width_mm, tables={VISCII_TABLE: "VISCII"})


@pytest.fixture(params=[58, 80], ids=["58mm", "80mm"])
def width_mm(request: pytest.FixtureRequest) -> int:
    return request.param


@pytest.fixture
def tcp_sim(width_mm: int) -> Iterator[tuple[PrinterSimulator, TcpPrinterServer]]:
    sim = make_sim(width_mm)
    with TcpPrinterServer(sim, port=0) as server:
        yield sim, server


@pytest.fixture
def pty_sim(width_mm: int) -> Iterator[tuple[PrinterSimulator, PtyPrinterServer]]:
    sim = make_sim(width_mm)
    with PtyPrinterServer(sim) as server:
        yield sim, server


@pytest.fixture(params=["tcp", "pty"])
def line_sim(request: pytest.FixtureRequest, width_mm: int):
    """The simulator on either kind of line, with the URL the driver should use."""
    sim = make_sim(width_mm)
    server = TcpPrinterServer(sim, port=0) if request.param == "tcp" else PtyPrinterServer(sim)
    with server:
        url = server.url + ("?baud=115200" if request.param == "pty" else "")
        yield sim, url
