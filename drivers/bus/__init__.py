"""The Layso RS-485 device bus: frame codec, protocol, and the asyncio line master.

    from drivers.bus import BusMaster, DeviceSpec, DeviceKind, Key, BlinkMode

docs/serial-bus.md is the wire specification.
"""

from drivers.bus.engine import Timing
from drivers.bus.frame import Frame, FrameDecoder, FrameError, decode, encode, line_time
from drivers.bus.health import DeviceHealth, LineHealth
from drivers.bus.master import BusError, BusEvent, BusMaster, DeviceSpec
from drivers.bus.protocol import BlinkMode, DeviceKind, Key, Line

__all__ = [
    "BlinkMode", "BusError", "BusEvent", "BusMaster", "DeviceHealth", "DeviceKind",
    "DeviceSpec", "Frame", "FrameDecoder", "FrameError", "Key", "Line", "LineHealth", "Timing",
    "decode", "encode", "line_time",
]
