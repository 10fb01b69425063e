"""A simulated hall of devices on real ptys, and a hall file that points the server at them.

Line 1 (Layso bus, 9600 baud, timed like a real line): counter 1's panel (address 1), counter
5's panel (address 2, label "5A"), the hall board (address 10, 4 lines), counter 1's keypad
(address 11) and rating box (address 21). Line 2 (Modbus RTU): a number display for counter 5
(unit 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config, parse_hall_config
from drivers.bus.engine import Timing
from simulators.bus.devices import SimBoard, SimKeypad, SimPanel, SimRatingBox
from simulators.bus.line import SimLine
from simulators.modbus.display import ModbusCodec, SimModbusDisplay

# Quicker probes, pings and reconnects than a hall needs (a replugged panel is found in a
# fraction of a second), and a patient turnaround for a busy 2-core machine.
FAST = Timing(turnaround_s=0.1, probe_min_s=0.05, probe_max_s=0.2, ping_interval_s=0.5,
              reconnect_min_s=0.05, reconnect_max_s=0.2)


@dataclass
class Rig:
    bus: SimLine
    modbus: SimLine
    panel1: SimPanel
    panel5: SimPanel
    board: SimBoard
    keypad: SimKeypad
    rating: SimRatingBox
    display5: SimModbusDisplay
    extra_devices: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def start(cls, baud: int = 9600) -> Rig:
        panel1 = SimPanel(1, digits=4, name="panel-1")
        panel5 = SimPanel(2, digits=4, name="panel-5A")
        board = SimBoard(10, lines=4, name="board")
        keypad = SimKeypad(11, name="keypad-1")
        rating = SimRatingBox(21, levels=3, name="rating-1")
        bus = SimLine([panel1, panel5, board, keypad, rating], baud=baud)
        display5 = SimModbusDisplay(1, digits=4, name="modbus-5A")
        modbus = SimLine([display5], baud=baud, codec=ModbusCodec())
        bus.start()
        modbus.start()
        return cls(bus, modbus, panel1, panel5, board, keypad, rating, display5)

    def stop(self) -> None:
        self.bus.stop()
        self.modbus.stop()

    def devices(self) -> list[dict[str, Any]]:
        b, m, baud = self.bus.url, self.modbus.url, self.bus.baud
        return [
            {"name": "panel-1", "kind": "led_panel", "port": b, "address": 1, "counter": 1,
             "baud": baud, "digits": 4},
            {"name": "panel-5A", "kind": "led_panel", "port": b, "address": 2, "counter": 5,
             "baud": baud, "digits": 4},
            {"name": "board", "kind": "led_board", "port": b, "address": 10, "baud": baud,
             "lines": 4},
            {"name": "keypad-1", "kind": "keypad", "port": b, "address": 11, "counter": 1,
             "baud": baud},
            {"name": "rating-1", "kind": "rating_box", "port": b, "address": 21, "counter": 1,
             "baud": baud, "levels": 3},
            {"name": "modbus-5A", "kind": "modbus_display", "port": m, "address": 1,
             "counter": 5, "baud": baud, "digits": 4},
            {"name": "printer-kiosk", "kind": "printer", "port": "tcp://127.0.0.1:9100"},
            *self.extra_devices,
        ]

    def config(self) -> HallConfig:
        data = load_hall_config(DEFAULT_CONFIG).model_dump(mode="json")
        data["devices"] = self.devices()
        return parse_hall_config(data)


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, what: str = "") -> Any:
    """Poll until `predicate()` is truthy and return it; fail naming `what` if it never is."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}"
                         f" (last: {last!r})")
