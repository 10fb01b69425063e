"""CRC-16/Modbus, shared by the Layso device bus and the Modbus RTU display driver.

Polynomial 0x8005 reflected (0xA001), initial value 0xFFFF, no final XOR; on the wire the low
byte goes first. A 256-entry table keeps it fast enough for a byte-by-byte stream decoder.
"""

from __future__ import annotations


def _table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _table()


def crc16_modbus(data: bytes | bytearray | memoryview, crc: int = 0xFFFF) -> int:
    """CRC-16/Modbus of `data` (check value: b"123456789" -> 0x4B37)."""
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


def crc_bytes(data: bytes | bytearray | memoryview) -> bytes:
    """The two CRC bytes as they go on the wire: low byte first."""
    return crc16_modbus(data).to_bytes(2, "little")
