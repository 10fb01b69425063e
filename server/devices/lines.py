"""The hall file's devices grouped by serial line, each line with its master (or why not).

A mistake on one port (two baud rates, Modbus displays mixed with bus devices, a bad size)
makes that line's devices report `config_error`; the other lines and the server carry on.
Exactly one process may own a serial line: on PostgreSQL, `LineLock` is the advisory lock a
process holds while it drives the port (the lock lives as long as its connection).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from contracts.hall_config import Device
from drivers.bus.engine import Timing
from drivers.bus.hall import masters_for
from drivers.bus.master import BusMaster
from drivers.modbus.display import ModbusDisplayMaster
from server.fanout import AdvisoryLeader

log = logging.getLogger("layso.devices")

Master = BusMaster | ModbusDisplayMaster


@dataclass(eq=False)
class Line:
    port: str
    devices: list[Device]
    master: Master | None = None
    error: str | None = None
    owned: bool = False
    lock: LineLock | None = None


@dataclass(frozen=True)
class Target:
    """One device of the hall file and what it can show (widths from its master's spec)."""

    device: Device
    line: Line | None
    width: int = 0
    """Panel digits, board number characters, Modbus display digits."""
    label_chars: int = 0
    rows: int = 0
    """Board lines."""

    @property
    def name(self) -> str:
        return self.device.name

    @property
    def kind(self) -> str:
        return self.device.kind

    @property
    def counter(self) -> int | None:
        return self.device.counter

    @property
    def address(self) -> int:
        return self.device.address

    @property
    def live(self) -> bool:
        """This process drives the device's line now."""
        return self.line is not None and self.line.owned and self.line.master is not None


def build_lines(devices: list[Device], timing: Timing | None = None,
                ) -> tuple[list[Line], list[Target]]:
    """One `Line` per port (printers have none) and one `Target` per device entry."""
    by_port: dict[str, list[Device]] = {}
    for d in devices:
        if d.kind != "printer":
            by_port.setdefault(d.port, []).append(d)
    lines: list[Line] = []
    for port, group in by_port.items():
        line = Line(port, group)
        try:
            (line.master,) = masters_for(group, timing)
        except (ValueError, KeyError) as exc:  # BusError, ModbusDisplayError, a taken address
            line.error = f"{port}: {exc}"
            log.error("devices on %s cannot be driven: %s", port, exc)
        lines.append(line)
    by_name = {d.name: ln for ln in lines for d in ln.devices}
    return lines, [_target(d, by_name.get(d.name)) for d in devices]


def _target(d: Device, line: Line | None) -> Target:
    if line is None or line.master is None:
        return Target(d, line)
    spec = getattr(line.master.endpoint(d.address), "spec", None)
    if d.kind == "modbus_display":
        return Target(d, line, width=getattr(spec, "digits", 4))
    if d.kind == "led_panel":
        return Target(d, line, width=spec.effective_size, label_chars=spec.label_chars)
    if d.kind == "led_board":
        return Target(d, line, width=spec.number_chars, label_chars=spec.label_chars,
                      rows=spec.effective_size)
    return Target(d, line)


def line_lock_key(hall_code: str, port: str) -> str:
    return f"serial:{hall_code}:{port}"


class LineLock(AdvisoryLeader):
    """The advisory lock of one serial line; `held()` checks it is still held."""
