"""DLE EOT replies: known bytes mean what the ESC/POS manual says; no reply is UNKNOWN."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy
from hypothesis import given
from hypothesis import strategies as st

from drivers.printer.status import (
    Paper,
    PrinterState,
    PrinterStatus,
    parse_status,
    status_byte,
)


def replies(p1: int | None, p2: int | None, p4: int | None) -> dict[int, bytes | None]:
    return {n: None if v is None else bytes([v]) for n, v in ((1, p1), (2, p2), (4, p4))}


@pytest.mark.parametrize(
    ("p1", "p2", "p4", "state"),
    [
        (0x12, 0x12, 0x12, PrinterState.OK),
        (0x12, 0x12, 0x1E, PrinterState.PAPER_NEAR_END),
        (0x1A, 0x32, 0x72, PrinterState.PAPER_OUT),
        (0x1A, 0x12, 0x7E, PrinterState.PAPER_OUT),
        (0x1A, 0x16, 0x12, PrinterState.COVER_OPEN),
        (0x1A, 0x52, 0x12, PrinterState.OFFLINE),
        (None, None, None, PrinterState.UNKNOWN),
        (0x12, None, None, PrinterState.UNKNOWN),  # online, but paper not known: not "fine"
        (0x1A, None, None, PrinterState.OFFLINE),
    ],
)
def test_known_replies(p1, p2, p4, state) -> None:
    assert parse_status(replies(p1, p2, p4)).state is state


def test_no_reply_is_unknown_where_python_escpos_says_paper_adequate() -> None:
    class Silent(Dummy):
        def _read(self) -> bytes:
            return b""

    assert Silent().paper_status() == 2  # python-escpos: "paper adequate"
    status = parse_status({1: b"", 2: b"", 4: b""})
    assert status.state is PrinterState.UNKNOWN
    assert status.paper is Paper.UNKNOWN
    assert not status.answered
    assert PrinterStatus().state is PrinterState.UNKNOWN


def test_bytes_that_are_not_status_replies_are_ignored() -> None:
    assert status_byte(b"\x00") is None
    assert status_byte(b"\xff") is None
    assert status_byte(b"\x12\x00") == 0x12  # the last well-formed byte counts
    assert parse_status({1: b"\x80", 2: b"\x80", 4: b"\x80"}).state is PrinterState.UNKNOWN


@given(st.dictionaries(st.sampled_from([1, 2, 3, 4, 5, 255]),
                       st.one_of(st.none(), st.binary(max_size=32))))
def test_parser_never_crashes(data: dict[int, bytes | None]) -> None:
    status = parse_status(data)
    assert status.state in PrinterState
    assert isinstance(status.describe(), str)
    if not any(status_byte(data.get(n)) is not None for n in (1, 2, 4)):
        assert status.state is PrinterState.UNKNOWN


@given(st.binary(max_size=64))
def test_status_byte_never_crashes(data: bytes) -> None:
    byte = status_byte(data)
    assert byte is None or (byte in data and byte & 0x93 == 0x12)
