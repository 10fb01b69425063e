"""The frame codec, the stream decoder and CRC-16/Modbus, including property tests."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.bus.crc import crc16_modbus, crc_bytes
from drivers.bus.frame import (
    MAX_PAYLOAD,
    STX,
    Frame,
    FrameDecoder,
    FrameError,
    decode,
    encode,
    line_time,
)

frames = st.builds(
    Frame,
    address=st.integers(0, 247),
    seq=st.integers(0, 255),
    command=st.integers(0, 255),
    payload=st.binary(max_size=MAX_PAYLOAD),
)


def test_crc_check_value() -> None:
    assert crc16_modbus(b"123456789") == 0x4B37


def test_crc_of_a_known_modbus_request() -> None:
    # read 10 holding registers from unit 1: the textbook frame ends C5 CD
    assert crc_bytes(bytes.fromhex("01030000000A")) == bytes.fromhex("C5CD")


def test_frame_layout() -> None:
    raw = encode(Frame(3, 2, 0x20, b"1023"))
    assert raw[:5] == bytes((STX, 3, 2, 0x20, 4))
    assert raw[5:9] == b"1023"
    assert raw[9:] == crc_bytes(raw[1:9])  # CRC over address..payload, low byte first


def test_line_time() -> None:
    assert line_time(8, 9600) == pytest.approx(0.00833, abs=1e-5)


@given(frames)
def test_encode_decode_round_trip(frame: Frame) -> None:
    raw = encode(frame)
    assert len(raw) == len(frame)
    assert decode(raw) == frame


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x02\x03\x01", "shorter than the smallest frame"),
        (b"\x03" + encode(Frame(3, 1, 0x10))[1:], "not STX"),
        (encode(Frame(3, 1, 0x10, b"ab"))[:-1], "length byte says 2"),
        (encode(Frame(3, 1, 0x10))[:-1] + b"\x00", "CRC is"),
    ],
)
def test_decode_says_what_is_wrong(raw: bytes, message: str) -> None:
    with pytest.raises(FrameError, match=message):
        decode(raw)


def test_frame_fields_are_checked() -> None:
    with pytest.raises(FrameError, match="address 248"):
        Frame(248, 0, 0x10)
    with pytest.raises(FrameError, match="at most 192"):
        Frame(1, 0, 0x20, bytes(193))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600))
def test_any_byte_soup_yields_only_valid_frames(soup: bytes) -> None:
    decoder = FrameDecoder()
    found = []
    # fed in uneven chunks, as a serial port delivers it
    for i in range(0, len(soup), 7):
        found += decoder.feed(soup[i : i + 7])
    found += decoder.expire()
    assert decoder.pending == 0
    for frame in found:
        raw = encode(frame)  # a frame that could not be built would have raised already
        assert raw in soup
        assert decode(raw) == frame


@given(st.binary(max_size=60).map(lambda b: b.replace(b"\x02", b"")), frames,
       st.binary(max_size=60))
def test_a_frame_after_noise_is_found(noise: bytes, frame: Frame, tail: bytes) -> None:
    decoder = FrameDecoder()
    found = decoder.feed(noise + encode(frame) + tail) + decoder.expire()
    assert found[0] == frame


@settings(derandomize=True, max_examples=300)
@given(st.binary(max_size=40), frames)
def test_a_frame_behind_false_starts_is_found(noise: bytes, frame: Frame) -> None:
    # noise may hold STX bytes whose "length" swallows the real frame: the decoder must step
    # past them (on a CRC failure or when the line goes quiet) and still find it
    decoder = FrameDecoder()
    found = decoder.feed(noise + encode(frame)) + decoder.expire()
    assert frame in found


@given(st.lists(frames, min_size=1, max_size=5), st.integers(1, 9))
def test_glued_frames_split_anywhere_come_out_in_order(batch: list[Frame], step: int) -> None:
    stream = b"".join(encode(f) for f in batch)
    decoder = FrameDecoder()
    found = []
    for i in range(0, len(stream), step):
        found += decoder.feed(stream[i : i + step])
    assert found == batch
    assert decoder.stats.dropped == 0


def test_corrupt_and_truncated_frames_are_counted() -> None:
    good = encode(Frame(5, 9, 0x06))
    bad = bytearray(encode(Frame(5, 8, 0x06)))
    bad[-1] ^= 0xFF
    decoder = FrameDecoder()
    assert decoder.feed(bytes(bad) + good) == [Frame(5, 9, 0x06)]
    assert decoder.stats.crc_errors == 1
    assert decoder.feed(good[:4]) == []
    assert decoder.pending == 4
    assert decoder.expire() == []
    assert decoder.stats.truncated == 1
    assert decoder.pending == 0


def test_impossible_header_costs_one_byte() -> None:
    good = encode(Frame(7, 1, 0x06))
    decoder = FrameDecoder()
    # STX, address 250 (no such address) right before a good frame
    assert decoder.feed(b"\x02\xfa" + good) == [Frame(7, 1, 0x06)]
    assert decoder.stats.bad_headers == 1
