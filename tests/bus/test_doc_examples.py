"""Every worked example frame in docs/serial-bus.md is exactly what the codec produces."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from drivers.bus.frame import Frame, decode, encode
from drivers.bus.protocol import (
    BlinkMode,
    Command,
    DeviceInfo,
    DeviceKind,
    EventPayload,
    Key,
    Line,
    Nak,
    Reply,
    arm_payload,
    blink_payload,
    brightness_payload,
    poll_payload,
    rating_key,
    show_payload,
)
from drivers.modbus import rtu

DOC = Path(__file__).resolve().parents[2] / "docs" / "serial-bus.md"
ROW = re.compile(r"^\|\s*`([a-z0-9-]+)`\s*\|[^|]*\|\s*`([0-9A-F ]+)`\s*\|\s*$", re.M)

BUS = {
    "ping": Frame(3, 0x01, Command.PING),
    "ping-reply": Frame(3, 0x01, Reply.ACK,
                        DeviceInfo(DeviceKind.LED_PANEL, 4, 0x5A).encode()),
    "show-panel": Frame(3, 0x02, Command.SHOW, show_payload([Line("1023", "5A")])),
    "show-panel-ack": Frame(3, 0x02, Reply.ACK),
    "blink-call": Frame(3, 0x03, Command.BLINK, blink_payload(BlinkMode.CALL, 3)),
    "blink-error": Frame(3, 0x04, Command.BLINK, blink_payload(BlinkMode.ERROR, 2)),
    "show-too-long": Frame(3, 0x05, Command.SHOW, show_payload([Line("10234")])),
    "nak-does-not-fit": Frame(3, 0x05, Reply.NAK, bytes((Nak.DOES_NOT_FIT,))),
    "brightness": Frame(3, 0x06, Command.BRIGHTNESS, brightness_payload(10)),
    "clear-broadcast": Frame(0, 0x07, Command.CLEAR),
    "show-board": Frame(10, 0x08, Command.SHOW, show_payload(
        [Line("1023", "5A"), Line("2001", "3"), Line("3015", "1")])),
    "poll-keypad": Frame(11, 0x09, Command.POLL, poll_payload(0)),
    "event-next": Frame(11, 0x09, Reply.EVENT, EventPayload(Key.NEXT, 1, 0).encode()),
    "poll-keypad-ack1": Frame(11, 0x0A, Command.POLL, poll_payload(1)),
    "poll-nothing": Frame(11, 0x0A, Reply.ACK),
    "arm": Frame(21, 0x0B, Command.ARM, arm_payload(60, 7)),
    "event-rating": Frame(21, 0x0C, Reply.EVENT, EventPayload(rating_key(3), 1, 7).encode()),
    "disarm": Frame(21, 0x0D, Command.DISARM),
}
MODBUS = {
    "modbus-write": rtu.write_register(1, 0, 1023),
    "modbus-read": rtu.read_registers(1, 0, 1),
    "modbus-read-reply": rtu.RtuFrame(1, 3, bytes((2,)) + (1023).to_bytes(2, "big")),
    "modbus-exception": rtu.exception_reply(rtu.write_register(1, 0, 12345),
                                            rtu.ExceptionCode.ILLEGAL_DATA_VALUE),
}


def _doc_examples() -> dict[str, bytes]:
    rows = ROW.findall(DOC.read_text(encoding="utf-8"))
    examples = {name: bytes.fromhex(hexes) for name, hexes in rows}
    assert len(examples) == len(rows), "two examples share a name"
    return examples


def test_the_doc_has_exactly_these_examples() -> None:
    assert set(_doc_examples()) == set(BUS) | set(MODBUS)


@pytest.mark.parametrize("name", sorted(BUS))
def test_bus_example(name: str) -> None:
    raw = _doc_examples()[name]
    assert raw == encode(BUS[name])
    assert decode(raw) == BUS[name]


@pytest.mark.parametrize("name", sorted(MODBUS))
def test_modbus_example(name: str) -> None:
    raw = _doc_examples()[name]
    assert raw == MODBUS[name].encode()
    assert rtu.decode(raw) == MODBUS[name]


def test_the_annotated_frame_matches_its_table_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = text.split("The annotated one:", 1)[1].split("```")[1]
    annotated = bytes.fromhex(" ".join(
        re.match(r"((?:[0-9A-F]{2} )*[0-9A-F]{2})", ln.strip()).group(1)  # type: ignore[union-attr]
        for ln in block.strip().splitlines()
    ))
    assert annotated == _doc_examples()["show-panel"]
