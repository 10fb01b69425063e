"""`layso sim`: a simulator run as its own process, driven by the master and by typed keys."""

from __future__ import annotations

import importlib.util
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.bus.master import BusEvent, BusMaster, DeviceSpec
from drivers.bus.protocol import DeviceKind, Key
from tests.bus.util import FAST, run, until

ROOT = Path(__file__).resolve().parents[2]


class Sim:
    """A `layso sim` process with its output collected line by line."""

    def __init__(self, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "layso", "sim", *args], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} never printed; got {seen}")

    def type(self, text: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def close(self) -> int:
        if self.proc.poll() is None:
            self.type("quit")
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture
def sims() -> Iterator[list[Sim]]:
    made: list[Sim] = []
    yield made
    for sim in made:
        sim.close()


def test_keypad_keys_typed_reach_the_master(sims: list[Sim], tmp_path: Path) -> None:
    link = tmp_path / "bus0"
    sim = Sim("keypad", "--address", "11", "--link", str(link))
    sims.append(sim)
    port = sim.expect("port: ").removeprefix("port: ")
    assert port == str(link) and link.is_symlink()

    async def main() -> None:
        events: list[BusEvent] = []
        master = BusMaster(port, [DeviceSpec(11, DeviceKind.KEYPAD, counter=2)], timing=FAST)
        master.on_event(events.append)
        async with master:
            await until(lambda: master.health(11).online, what="the keypad online")
            sim.type("next")
            sim.type("transfer")
            await until(lambda: len(events) == 2, what="two presses")
            assert [e.key for e in events] == [Key.NEXT, Key.TRANSFER]
            assert events[0].counter == 2
            sim.type("shout")
            sim.expect("unknown key 'shout'")

    run(main())
    assert sim.close() == 0


def test_panel_process_shows_and_draws(sims: list[Sim], tmp_path: Path) -> None:
    png = tmp_path / "panel.png"
    sim = Sim("led-panel", "--address", "3", "--address", "4", "--tcp", "0",
              "--png", str(png))
    sims.append(sim)
    port = sim.expect("port: ").removeprefix("port: ")
    assert port.startswith("socket://127.0.0.1:")

    async def main() -> None:
        master = BusMaster(port, [DeviceSpec(3, DeviceKind.LED_PANEL),
                                  DeviceSpec(4, DeviceKind.LED_PANEL)], timing=FAST)
        async with master:
            assert await master.show(3, "1023", "5A") is True
            assert await master.show(4, "2001", "2") is True

    run(main())
    sim.expect("[3] shows '1023 5A'")
    sim.expect("[4] shows '2001 2'")
    sim.type("@4 png " + str(tmp_path / "four.png"))
    sim.expect("wrote")
    assert (tmp_path / "four.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "panel-3.png").exists()


def test_rating_box_by_hand(sims: list[Sim]) -> None:
    sim = Sim("rating-box", "--levels", "5")
    sims.append(sim)
    sim.expect("port: ")
    sim.type("4")
    sim.expect("the LED is off")
    sim.type("fault slow 0.2")
    sim.expect("slow_reply_s=0.2")


def test_bad_options_get_a_message() -> None:
    out = subprocess.run([sys.executable, "-m", "layso", "sim", "rating-box", "--levels", "12"],
                         cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2
    assert "a rating box has 2 to 9 keys, not 12" in out.stderr


def test_printer_is_handed_to_the_printer_simulator() -> None:
    if importlib.util.find_spec("simulators.printer.cli") is None:
        pytest.skip("simulators.printer.cli is not written yet (another part of the issue)")
    out = subprocess.run([sys.executable, "-m", "layso", "sim", "printer", "--help"],
                         cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert "layso sim printer" in out.stdout
