"""Off-the-shelf Modbus RTU number displays on one RS-485 line.

Holding register 0 is the number shown, 2 the unit address, 3 the baud code (the common
layout; docs/serial-bus.md has the table). The master runs on the same line engine as the
Layso bus, so it coalesces updates, retries, marks a silent display offline, re-sends the number
when it comes back, and reconnects to an unplugged adapter. Health pings read register 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from drivers.bus.engine import Endpoint, LineEngine, Request, Slot, Timing
from drivers.modbus.rtu import (
    READ_HOLDING,
    WRITE_SINGLE,
    RtuDecoder,
    RtuError,
    RtuFrame,
    exception_name,
    read_registers,
    register_values,
    write_register,
)

REG_NUMBER = 0
REG_ADDRESS = 2
REG_BAUD = 3
BAUD_CODES = {0: 1200, 1: 2400, 2: 4800, 3: 9600, 4: 19200, 5: 38400, 6: 57600, 7: 115200}


class ModbusDisplayError(ValueError):
    """A number or register the display cannot take; the message says why."""


@dataclass(frozen=True)
class DisplaySpec:
    unit: int
    name: str = ""
    counter: int | None = None
    digits: int = 4

    def __post_init__(self) -> None:
        if not 1 <= self.unit <= 247:
            raise ModbusDisplayError(f"Modbus unit {self.unit} is outside 1..247")
        if not 1 <= self.digits <= 5:
            raise ModbusDisplayError(f"a register holds at most 5 digits, not {self.digits}")
        if not self.name:
            object.__setattr__(self, "name", f"modbus_display-{self.unit}")


class _Display(Endpoint):
    kind_name = "modbus_display"

    def __init__(self, spec: DisplaySpec) -> None:
        super().__init__(spec.unit, spec.name, spec.counter)
        self.spec = spec
        self.registers: dict[int, Slot[int]] = {REG_NUMBER: Slot("number")}
        self.slots = [self.registers[REG_NUMBER]]
        self.shown: int | None = None

    def slot(self, register: int) -> Slot[int]:
        if register not in self.registers:
            self.registers[register] = Slot(f"register {register}")
            self.slots.append(self.registers[register])
        return self.registers[register]

    def _register_of(self, slot: Slot[Any]) -> int:
        return next(r for r, s in self.registers.items() if s is slot)

    def ping_request(self) -> Request:
        frame = read_registers(self.address, REG_NUMBER, 1).encode()
        return Request("ping", "read register 0", lambda _seq: frame, 7)

    def write_request(self, slot: Slot[Any], now: float) -> Request | None:
        register = self._register_of(slot)
        frame = write_register(self.address, register, slot.value).encode()
        return Request("write", f"write {slot.value} to register {register}",
                       lambda _seq: frame, 8, slot, slot.version, slot.value)

    def matches(self, request: Request, seq: int, frame: RtuFrame) -> bool:
        want = WRITE_SINGLE if request.kind == "write" else READ_HOLDING
        return frame.unit == self.address and frame.function & 0x7F == want

    def on_reply(self, request: Request, frame: RtuFrame) -> str | None:
        if frame.is_exception:
            code = frame.exception_code or 0
            if request.slot is not None and code != 0x06:  # busy: try again
                request.slot.reject(request.version)
            return f"{request.label}: {exception_name(code)}"
        if request.kind == "ping":
            values = register_values(frame)
            if values:
                self.shown = values[0]
            return None
        assert request.slot is not None
        register = self._register_of(request.slot)
        if frame.data != write_register(self.address, register, request.value).data:
            return f"{request.label}: the echo does not match the request"
        request.slot.ack(request.version)
        if register == REG_NUMBER:
            self.shown = request.value
        return None


class _Codec:
    def decoder(self) -> RtuDecoder:
        return RtuDecoder("response")

    def classify(self, frame: RtuFrame) -> tuple[int, bool]:
        return frame.unit, True


class ModbusDisplayMaster(LineEngine):
    """Master of one Modbus RTU line of number displays: `show(unit, number)`."""

    def __init__(
        self,
        port: str,
        displays: Iterable[DisplaySpec] = (),
        *,
        baud: int = 9600,
        timing: Timing | None = None,
    ) -> None:
        super().__init__(port, _Codec(), timing or Timing(baud=baud))
        for spec in displays:
            self.add_display(spec)

    def add_display(self, spec: DisplaySpec) -> None:
        self.add_endpoint(_Display(spec))

    def _display(self, unit: int) -> _Display:
        ep = self.endpoint(unit)
        assert isinstance(ep, _Display)
        return ep

    def show(self, unit: int, number: int | str) -> asyncio.Future[bool]:
        """Show `number` (an int, or a string of digits like "0123") on display `unit`."""
        dev = self._display(unit)
        if isinstance(number, str):
            if not number.isdigit() or not number.isascii():
                raise ModbusDisplayError(
                    f"{dev.name}: {number!r} is not a plain number; a Modbus display shows "
                    "digits only (drop the letter prefix)")
            number = int(number)
        limit = 10 ** dev.spec.digits - 1
        if not 0 <= number <= min(limit, 0xFFFF):
            raise ModbusDisplayError(f"{dev.name}: {number} does not fit in "
                                     f"{dev.spec.digits} digits")
        return self.set_register(unit, REG_NUMBER, number)

    def set_register(self, unit: int, register: int, value: int) -> asyncio.Future[bool]:
        """Write any holding register (e.g. 3, the baud code); the latest value wins."""
        dev = self._display(unit)
        try:
            write_register(unit, register, value)
        except RtuError as exc:
            raise ModbusDisplayError(f"{dev.name}: {exc}") from None
        fut = dev.slot(register).set(value)
        self.wake()
        return fut

    def shown(self, unit: int) -> int | None:
        """The number the display last confirmed (by a write echo or a health read)."""
        return self._display(unit).shown

