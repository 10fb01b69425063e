"""A simulated Modbus RTU number display (the cheap RS-485 kind): registers 0, 2, 3.

Register 0 is the number shown (it must fit the digits, else exception 03), 2 the unit address
(1..247; the new address answers from the next request on), 3 the baud code (0..7). Functions
03 and 06 are served; anything else gets exception 01, other registers exception 02. It plugs
into `simulators.bus.line.SimLine` with `ModbusCodec`, and shares the bus devices' faults.
"""

from __future__ import annotations

import threading
import time

from PIL import Image

from drivers.modbus.display import BAUD_CODES, REG_ADDRESS, REG_BAUD, REG_NUMBER
from drivers.modbus.rtu import (
    READ_HOLDING,
    WRITE_SINGLE,
    ExceptionCode,
    RtuDecoder,
    RtuFrame,
    exception_reply,
)
from simulators.bus import render
from simulators.bus.devices import Faults


class ModbusCodec:
    """The Modbus RTU line as a simulated device sees it (requests in)."""

    def decoder(self) -> RtuDecoder:
        return RtuDecoder("request")

    def address(self, frame: RtuFrame) -> int:
        return frame.unit


class SimModbusDisplay:
    def __init__(self, unit: int = 1, digits: int = 4, baud_code: int = 3, name: str = "") -> None:
        if not 1 <= unit <= 247:
            raise ValueError(f"Modbus unit {unit} is outside 1..247")
        if not 1 <= digits <= 5:
            raise ValueError(f"a Modbus display has 1 to 5 digits, not {digits}")
        self.address = unit
        self.digits = digits
        self.name = name or f"modbus_display-{unit}"
        self.registers = {REG_NUMBER: 0, REG_ADDRESS: unit, REG_BAUD: baud_code}
        self.faults = Faults()
        self.powered = True
        self.frames: list[tuple[float, RtuFrame]] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    @property
    def number(self) -> int:
        return self.registers[REG_NUMBER]

    def unplug(self) -> None:
        with self._lock:
            self.powered = False

    def replug(self) -> None:
        with self._lock:
            self.powered = True
            self.registers[REG_NUMBER] = 0  # blank after power loss

    def wait_for(self, predicate: object, timeout: float = 5.0) -> bool:
        assert callable(predicate)
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self), timeout)

    def handle(self, frame: RtuFrame, arrived: float | None = None) -> bytes | None:
        with self._lock:
            if not self.powered:
                return None
            self.frames.append((arrived or time.monotonic(), frame))
            reply = self._reply(frame)
            self._changed.notify_all()
        if frame.unit == 0 or reply is None:
            return None
        return reply.encode()

    def _reply(self, frame: RtuFrame) -> RtuFrame | None:
        if frame.function == WRITE_SINGLE and len(frame.data) == 4:
            register = int.from_bytes(frame.data[:2], "big")
            value = int.from_bytes(frame.data[2:], "big")
            code = self._check(register, value)
            if code:
                return exception_reply(frame, code)
            self.registers[register] = value
            reply = RtuFrame(self.address, WRITE_SINGLE, frame.data)
            if register == REG_ADDRESS:
                self.address = value
            return reply
        if frame.function == READ_HOLDING and len(frame.data) == 4:
            start = int.from_bytes(frame.data[:2], "big")
            count = int.from_bytes(frame.data[2:], "big")
            if not 1 <= count <= 125:
                return exception_reply(frame, ExceptionCode.ILLEGAL_DATA_VALUE)
            wanted = range(start, start + count)
            if any(r not in self.registers for r in wanted):
                return exception_reply(frame, ExceptionCode.ILLEGAL_DATA_ADDRESS)
            data = b"".join(self.registers[r].to_bytes(2, "big") for r in wanted)
            return RtuFrame(self.address, READ_HOLDING, bytes((len(data),)) + data)
        if frame.function in (WRITE_SINGLE, READ_HOLDING):
            return exception_reply(frame, ExceptionCode.ILLEGAL_DATA_VALUE)
        return exception_reply(frame, ExceptionCode.ILLEGAL_FUNCTION)

    def _check(self, register: int, value: int) -> int:
        if register not in self.registers:
            return ExceptionCode.ILLEGAL_DATA_ADDRESS
        if register == REG_NUMBER and value >= 10 ** self.digits:
            return ExceptionCode.ILLEGAL_DATA_VALUE
        if register == REG_ADDRESS and not 1 <= value <= 247:
            return ExceptionCode.ILLEGAL_DATA_VALUE
        if register == REG_BAUD and value not in BAUD_CODES:
            return ExceptionCode.ILLEGAL_DATA_VALUE
        return 0

    def image(self, phase_on: bool = True) -> Image.Image:
        text = str(self.number).rjust(self.digits)
        img = render.draw_matrix([text], self.digits, 15)
        return render.with_caption(img, self.describe())

    def save_png(self, path: str) -> None:
        self.image().save(path, format="PNG")

    def describe(self) -> str:
        baud = BAUD_CODES.get(self.registers[REG_BAUD], "?")
        return f"{self.name} · unit {self.address} · {baud} baud"
