"""Modbus RTU framing, and the number display driver against its simulator over a pty."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.modbus import rtu
from drivers.modbus.display import DisplaySpec, ModbusDisplayError, ModbusDisplayMaster
from simulators.bus.line import SimLine
from simulators.modbus.display import ModbusCodec, SimModbusDisplay
from tests.bus.util import FAST, run, until

replies = st.one_of(
    st.builds(rtu.write_register, st.integers(1, 247), st.integers(0, 0xFFFF),
              st.integers(0, 0xFFFF)),
    st.builds(lambda u, regs: rtu.RtuFrame(u, 3, bytes((2 * len(regs),)) + b"".join(
        r.to_bytes(2, "big") for r in regs)), st.integers(1, 247),
        st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=10)),
    st.builds(lambda u, c: rtu.RtuFrame(u, 0x86, bytes((c,))), st.integers(1, 247),
              st.integers(1, 6)),
)


@given(replies)
def test_reply_round_trip(frame: rtu.RtuFrame) -> None:
    raw = frame.encode()
    assert rtu.decode(raw) == frame
    decoder = rtu.RtuDecoder("response")
    assert decoder.feed(raw) == [frame]  # known length: no need to wait for silence


@settings(max_examples=200)
@given(st.binary(max_size=300))
def test_byte_soup_yields_only_valid_rtu_frames(soup: bytes) -> None:
    for role in ("response", "request"):
        decoder = rtu.RtuDecoder(role)  # type: ignore[arg-type]
        found = decoder.feed(soup) + decoder.expire()
        for frame in found:
            assert frame.encode() in soup
        assert decoder.pending == 0


@given(st.binary(max_size=30).map(lambda b: bytes(x | 0xF8 for x in b)), replies)
def test_a_reply_after_noise_is_found(noise: bytes, frame: rtu.RtuFrame) -> None:
    # noise of bytes > 247 cannot start a frame
    decoder = rtu.RtuDecoder("response")
    assert decoder.feed(noise + frame.encode()) == [frame]


def test_register_values_and_errors() -> None:
    assert rtu.register_values(rtu.RtuFrame(1, 3, b"\x04\x03\xff\x00\x01")) == [1023, 1]
    with pytest.raises(rtu.RtuError):
        rtu.register_values(rtu.RtuFrame(1, 3, b"\x03\x03\xff\x00"))
    with pytest.raises(rtu.RtuError, match="65535"):
        rtu.write_register(1, 0, 70000)
    with pytest.raises(rtu.RtuError, match="1..247"):
        rtu.write_register(300, 0, 1)
    assert rtu.exception_name(3) == "ILLEGAL_DATA_VALUE"


def test_simulator_answers_like_a_display() -> None:
    sim = SimModbusDisplay(1, digits=4)

    def ask(frame: rtu.RtuFrame) -> rtu.RtuFrame:
        raw = sim.handle(frame)
        assert raw is not None
        return rtu.decode(raw)

    assert ask(rtu.write_register(1, 0, 1023)) == rtu.write_register(1, 0, 1023)
    assert rtu.register_values(ask(rtu.read_registers(1, 0, 1))) == [1023]
    assert ask(rtu.write_register(1, 0, 10000)).exception_code == 3
    assert ask(rtu.write_register(1, 9, 1)).exception_code == 2
    assert ask(rtu.RtuFrame(1, 0x10, bytes(7))).exception_code == 1
    assert ask(rtu.write_register(1, 2, 7)).unit == 1  # answers from the old address…
    assert sim.address == 7  # …and listens on the new one
    assert sim.handle(rtu.write_register(0, 0, 5)) is None  # broadcast: obeyed, silent
    assert sim.number == 5


def test_the_display_shows_the_number() -> None:
    sim = SimModbusDisplay(1, digits=4)
    other = SimModbusDisplay(2, digits=4)
    with SimLine([sim, other], codec=ModbusCodec()) as line:

        async def main() -> None:
            master = ModbusDisplayMaster(line.url, [DisplaySpec(1, counter=5),
                                                    DisplaySpec(2, digits=5)], timing=FAST)
            async with master:
                assert await master.show(1, 1023) is True
                assert sim.number == 1023
                assert master.shown(1) == 1023
                assert await master.show(1, "0042") is True
                assert sim.number == 42
                with pytest.raises(ModbusDisplayError, match="digits only"):
                    master.show(1, "A12")
                with pytest.raises(ModbusDisplayError, match="does not fit in 4 digits"):
                    master.show(1, 10000)
                # the hall file says 5 digits, the display has 4: exception 03, reported
                assert await master.show(2, 12345) is False
                h = master.health(2)
                assert h.naks == 1 and "ILLEGAL_DATA_VALUE" in (h.last_error or "")
                assert await master.set_register(1, 7, 1) is False
                assert "ILLEGAL_DATA_ADDRESS" in (master.health(1).last_error or "")

                # unplugged, a new number asked for, plugged back: it gets the number again
                sim.unplug()
                fut = master.show(1, 77)
                await until(lambda: master.health(1).online is False, what="offline")
                sim.replug()
                assert sim.number == 0
                assert await asyncio.wait_for(fut, 5) is True
                assert sim.number == 77
                assert master.health(1).online is True

        run(main())
