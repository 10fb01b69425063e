"""Build the line masters a hall file's `[[devices]]` describe: one master per serial port.

The server's device manager calls `masters_for(config.devices)` and gets a `BusMaster` for each
port carrying panels, boards, keypads and rating boxes, and a `ModbusDisplayMaster` for each
port carrying Modbus displays. Printers are not on these lines and are skipped. Optional keys
a technician may add to a device entry: `digits` (panel, Modbus display), `lines` (board),
`levels` (rating box), `label_chars` (panel, board).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from drivers.bus.engine import Timing
from drivers.bus.master import BusError, BusMaster, DeviceSpec
from drivers.bus.protocol import DeviceKind
from drivers.modbus.display import DisplaySpec, ModbusDisplayMaster

BUS_KINDS = {k.config_name for k in DeviceKind}


def _extra(device: Any, *names: str) -> int | None:
    for name in names:
        value = getattr(device, name, None)
        if value is None and getattr(device, "model_extra", None):
            value = device.model_extra.get(name)
        if value is not None:
            return int(value)
    return None


def masters_for(
    devices: Iterable[Any], timing: Timing | None = None
) -> list[BusMaster | ModbusDisplayMaster]:
    """One master per port; `BusError` names the device entry that cannot work as written."""
    by_port: dict[str, list[Any]] = {}
    for device in devices:
        if device.kind == "printer":
            continue
        by_port.setdefault(device.port, []).append(device)
    masters: list[BusMaster | ModbusDisplayMaster] = []
    for port, group in by_port.items():
        bauds = {d.baud for d in group}
        if len(bauds) > 1:
            raise BusError(f"devices on {port} have different baud rates "
                           f"({', '.join(str(b) for b in sorted(bauds))}); one line, one speed")
        baud = bauds.pop()
        line_timing = replace(timing or Timing(), baud=baud)
        kinds = {d.kind == "modbus_display" for d in group}
        if len(kinds) > 1:
            raise BusError(f"{port} mixes Modbus displays with Layso bus devices; give the "
                           "Modbus displays their own RS-485 line")
        if kinds == {True}:
            modbus = ModbusDisplayMaster(port, timing=line_timing)
            for d in group:
                modbus.add_display(DisplaySpec(d.address, d.name, d.counter,
                                               _extra(d, "digits") or 4))
            masters.append(modbus)
            continue
        bus = BusMaster(port, timing=line_timing)
        for d in group:
            if d.kind not in BUS_KINDS:
                raise BusError(f"device {d.name!r}: unknown kind {d.kind!r}")
            kind = DeviceKind.from_config(d.kind)
            size = _extra(d, "digits", "lines", "levels")
            label = _extra(d, "label_chars")
            bus.add_device(DeviceSpec(d.address, kind, d.name, d.counter, size,
                                      3 if label is None else label))
        masters.append(bus)
    return masters
