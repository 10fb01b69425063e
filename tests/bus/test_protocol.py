"""Payload layouts: builders refuse what a panel cannot show, parsers invert the builders."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.bus.protocol import (
    TEXT_CHARS,
    BlinkMode,
    DeviceKind,
    EventPayload,
    Key,
    Line,
    Nak,
    ProtocolError,
    arm_payload,
    blink_payload,
    brightness_payload,
    check_text,
    next_event_no,
    parse_arm,
    parse_blink,
    parse_show,
    rating_key,
    rating_level,
    show_payload,
)

text = st.text(alphabet=sorted(TEXT_CHARS - {" "}), min_size=1, max_size=6)
lines = st.lists(st.builds(Line, number=text, counter=st.one_of(st.just(""), text)),
                 max_size=8)


@given(lines)
def test_show_round_trip(rows: list[Line]) -> None:
    assert parse_show(show_payload(rows)) == rows


def test_lower_case_is_upper_cased_and_symbols_refused() -> None:
    assert show_payload([Line("a12", "5a")]) == b"A12\x1f5A"
    with pytest.raises(ProtocolError, match=r"cannot show: '#'"):
        show_payload([Line("#12")])
    with pytest.raises(ProtocolError, match="cannot show"):
        check_text("Quầy", "label")


def test_too_long_text_is_a_does_not_fit() -> None:
    with pytest.raises(ProtocolError) as err:
        check_text("10234", "number", 4)
    assert err.value.nak == Nak.DOES_NOT_FIT
    assert "at most 4" in str(err.value)


def test_parse_show_refuses_what_a_device_must_nak() -> None:
    for bad in (b"12\x1f3\x1f4", b"1\xff", b"ab"):
        with pytest.raises(ProtocolError):
            parse_show(bad)


def test_blink_brightness_arm() -> None:
    assert parse_blink(blink_payload(BlinkMode.ERROR, 2)) == (BlinkMode.ERROR, 2)
    with pytest.raises(ProtocolError, match="0..255"):
        blink_payload(BlinkMode.CALL, 300)
    with pytest.raises(ProtocolError, match="unknown blink mode"):
        parse_blink(b"\x07\x01")
    with pytest.raises(ProtocolError) as err:
        parse_blink(b"\x01")
    assert err.value.nak == Nak.BAD_LENGTH
    assert brightness_payload(15) == b"\x0f"
    with pytest.raises(ProtocolError, match="0..15"):
        brightness_payload(16)
    assert parse_arm(arm_payload(60, 7)) == (60, 7)
    assert arm_payload(300, 1)[:2] == b"\x2c\x01"  # low byte first


def test_keys_and_levels() -> None:
    assert Key.parse(" Next ") is Key.NEXT
    with pytest.raises(ValueError, match="keys: next, recall, skip, finish, transfer, pause"):
        Key.parse("call")
    assert rating_key(3) == ord("3")
    assert rating_level(ord("3")) == 3
    assert rating_level(ord("N")) is None
    assert DeviceKind.from_config("rating-box") is DeviceKind.RATING_BOX
    with pytest.raises(ValueError, match="known: led_panel"):
        DeviceKind.from_config("printer")


def test_event_numbers_wrap_past_zero() -> None:
    assert next_event_no(0) == 1
    assert next_event_no(254) == 255
    assert next_event_no(255) == 1
    assert EventPayload.parse(EventPayload(Key.SKIP, 9, 0).encode()) == EventPayload(Key.SKIP, 9)
