"""The bus master driving simulated devices over real pseudo-terminals (and one TCP port)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from drivers.bus.frame import Frame, encode
from drivers.bus.health import DeviceHealth, LineHealth
from drivers.bus.master import BusError, BusEvent, BusMaster, DeviceSpec
from drivers.bus.protocol import BlinkMode, Command, DeviceKind, Key, Line, Reply
from simulators.bus.devices import SimBoard, SimKeypad, SimPanel, SimRatingBox
from simulators.bus.line import SimLine
from tests.bus.util import FAST, run, until

PANEL, PANEL_B, BOARD, KEYPAD, RATING = 3, 4, 10, 11, 21


@pytest.fixture
def hall() -> Iterator[tuple[SimLine, dict[int, object]]]:
    """One line with two panels, a board, a keypad and a rating box."""
    devices = {
        PANEL: SimPanel(PANEL, digits=4), PANEL_B: SimPanel(PANEL_B, digits=4),
        BOARD: SimBoard(BOARD, lines=4), KEYPAD: SimKeypad(KEYPAD),
        RATING: SimRatingBox(RATING, levels=3),
    }
    line = SimLine(devices.values())
    line.start()
    try:
        yield line, devices
    finally:
        line.stop()


def make_master(url: str) -> BusMaster:
    return BusMaster(url, [
        DeviceSpec(PANEL, DeviceKind.LED_PANEL, name="panel-5A", counter=5),
        DeviceSpec(PANEL_B, DeviceKind.LED_PANEL, name="panel-2", counter=2),
        DeviceSpec(BOARD, DeviceKind.LED_BOARD, name="board"),
        DeviceSpec(KEYPAD, DeviceKind.KEYPAD, name="keypad-5A", counter=5),
        DeviceSpec(RATING, DeviceKind.RATING_BOX, name="rating-5A", counter=5),
    ], timing=FAST)


def test_panel_shows_the_number_and_blinks(hall) -> None:
    line, dev = hall
    panel: SimPanel = dev[PANEL]  # type: ignore[assignment]

    async def main() -> None:
        async with make_master(line.url) as master:
            assert await master.show(PANEL, "1023", "5a") is True
            assert (panel.number, panel.counter) == ("1023", "5A")
            assert await master.blink(PANEL, seconds=0) is True
            assert panel.blink is BlinkMode.CALL
            assert await master.blink(PANEL, 0, BlinkMode.ERROR) is True
            assert panel.blink is BlinkMode.ERROR
            assert await master.brightness(PANEL, 3) is True
            assert panel.brightness == 3
            assert await master.clear(PANEL) is True
            assert panel.lines == []

    run(main())


def test_latest_state_wins(hall) -> None:
    line, dev = hall
    panel: SimPanel = dev[PANEL]  # type: ignore[assignment]

    async def main() -> None:
        async with make_master(line.url) as master:
            await master.show(PANEL, "1", "")
            futures = [master.show(PANEL, str(n), "5A") for n in range(100, 120)]
            assert await asyncio.gather(*futures) == [True] * 20
            assert panel.number == "119"
            shows = [f for _, f in panel.log.frames if f.command == Command.SHOW]
            assert len(shows) <= 3  # a burst coalesces: not 20 frames

    run(main())


def test_board_shows_the_latest_calls(hall) -> None:
    line, dev = hall
    board: SimBoard = dev[BOARD]  # type: ignore[assignment]

    async def main() -> None:
        async with make_master(line.url) as master:
            calls = [("1023", "5A"), ("2001", "3"), ("3015", "1")]
            assert await master.show_lines(BOARD, calls) is True
            assert board.lines == [Line(n, c) for n, c in calls]
            assert board.row_texts()[:3] == ["  1023>5A ", "  2001>3  ", "  3015>1  "]
            assert master.shown(BOARD) == board.lines
            with pytest.raises(BusError, match="has 4 lines; 5 were given"):
                master.show_lines(BOARD, calls + calls[:2])

    run(main())


def test_wrong_calls_get_a_clear_error(hall) -> None:
    line, _ = hall

    async def main() -> None:
        master = make_master(line.url)
        with pytest.raises(BusError, match=r"keypad-5A \(address 11\) is a keypad"):
            master.show(KEYPAD, "1")
        with pytest.raises(BusError, match="at most 4"):
            master.show(PANEL, "10234")
        with pytest.raises(KeyError, match="no device at address 99"):
            master.show(99, "1")
        with pytest.raises(ValueError, match="taken by 'panel-5A'"):
            master.add_device(DeviceSpec(PANEL, DeviceKind.KEYPAD))
        with pytest.raises(BusError, match="outside 1..247"):
            DeviceSpec(0, DeviceKind.LED_PANEL)

    run(main())


def test_keypad_press_arrives_once_even_when_repeated(hall) -> None:
    line, dev = hall
    keypad: SimKeypad = dev[KEYPAD]  # type: ignore[assignment]
    keypad.faults.repeat_event = 2  # the ack "gets lost" twice: the press is sent 3 times
    keypad.faults.duplicate_reply = True  # and every reply goes on the line twice

    async def main() -> None:
        events: list[BusEvent] = []
        async with make_master(line.url) as master:
            master.on_event(events.append)
            assert keypad.press("next")
            await until(lambda: events, what="the NEXT press")
            await until(lambda: keypad.waiting == 0, what="the keypad to be emptied")
            await asyncio.sleep(0.2)  # more polls: nothing more may arrive
            assert len(events) == 1
            ev = events[0]
            assert (ev.key, ev.address, ev.counter, ev.kind) == (Key.NEXT, KEYPAD, 5, "keypad")
            health = master.health(KEYPAD)
            assert health.events == 1
            assert health.duplicate_events == 2
            assert health.stale_replies >= 1  # the second copies of replies

            async def on_async(event: BusEvent) -> None:
                events.append(event)

            master.on_event(on_async)  # coroutine callbacks work too
            keypad.faults.clear()
            for key in ("recall", "skip", "finish", "transfer", "pause"):
                keypad.press(key)
            await until(lambda: len(events) == 11, what="five presses, two callbacks each")
            assert [e.key for e in events[1::2]] == [Key.RECALL, Key.SKIP, Key.FINISH,
                                                   Key.TRANSFER, Key.PAUSE]

    run(main())


def test_rating_press_arrives_once_with_its_tag(hall) -> None:
    line, dev = hall
    box: SimRatingBox = dev[RATING]  # type: ignore[assignment]
    box.faults.repeat_event = 1

    async def main() -> None:
        events: list[BusEvent] = []
        async with make_master(line.url) as master:
            master.on_event(events.append)
            assert await master.arm(RATING, window_s=60, tag=42) is True
            assert box.armed
            assert box.press(3)
            assert not box.armed
            await until(lambda: events and box.waiting == 0, what="the rating")
            await asyncio.sleep(0.2)
            assert len(events) == 1
            ev = events[0]
            assert (ev.level, ev.tag, ev.key, ev.counter) == (3, 42, None, 5)
            assert master.health(RATING).duplicate_events == 1
            assert box.press(1) is False  # LED off: no second rating for the visit
            assert await master.disarm(RATING) is True

    run(main())


def test_corrupt_and_truncated_frames_are_dropped_and_counted(hall) -> None:
    line, dev = hall
    panel: SimPanel = dev[PANEL]  # type: ignore[assignment]

    async def main() -> None:
        async with make_master(line.url) as master:
            await master.show(PANEL, "1", "")
            panel.faults.bad_crc = True
            fut = master.show(PANEL, "2222")
            await until(lambda: master.health(PANEL).corrupt_replies >= 1, what="a bad CRC")
            assert master.line_health().crc_errors >= 1
            assert not fut.done()
            panel.faults.clear()
            assert await fut is True
            assert panel.number == "2222"

            # half a frame, then silence: dropped as truncated, the line carries on
            before = master.line_health().truncated
            line.inject(encode(Frame(PANEL, 200, Reply.ACK, b"xyz"))[:6])
            await until(lambda: master.line_health().truncated > before, what="truncation")
            line.inject(b"\x00\xff\x13 noise \x02\x02")
            assert await master.show(PANEL, "3333") is True
            health = master.line_health()
            assert health.garbage_bytes > 0
            assert health.corrupt_frames >= 2
            panel.faults.garbage = 12  # noise in front of every reply: still understood
            assert await master.show(PANEL, "4444") is True

    run(main())


def test_frames_from_unknown_addresses_are_ignored(hall) -> None:
    line, dev = hall

    async def main() -> None:
        events: list[BusEvent] = []
        async with make_master(line.url) as master:
            master.on_event(events.append)
            await master.show(PANEL, "1", "")
            from drivers.bus.protocol import EventPayload

            stranger = Frame(99, 1, Reply.EVENT, EventPayload(Key.NEXT, 1).encode())
            line.inject(encode(stranger))
            line.inject(encode(Frame(PANEL, 1, Command.SHOW, b"9")))  # an echo of a request
            await until(lambda: master.line_health().unknown_address == 1, what="stranger")
            await until(lambda: master.line_health().echoes == 1, what="echo")
            assert await master.show(PANEL, "5") is True
            assert events == []

    run(main())


def test_a_silent_device_goes_offline_without_holding_up_the_others(hall) -> None:
    line, dev = hall
    a: SimPanel = dev[PANEL]  # type: ignore[assignment]
    b: SimPanel = dev[PANEL_B]  # type: ignore[assignment]

    async def main() -> None:
        offline_at: list[float] = []
        async with make_master(line.url) as master:
            def on_health(h: DeviceHealth | LineHealth) -> None:
                if isinstance(h, DeviceHealth) and h.address == PANEL and h.online is False:
                    offline_at.append(time.monotonic())

            master.on_health(on_health)
            await asyncio.gather(master.show(PANEL, "1"), master.show(PANEL_B, "1"))
            a.faults.no_reply = True
            master.show(PANEL, "1111")
            fb = master.show(PANEL_B, "2222")
            assert await fb is True
            b_done = time.monotonic()
            assert b.number == "2222"
            await until(lambda: offline_at, what="panel A offline")
            assert b_done < offline_at[0]  # B was served while A was still being tried
            h = master.health(PANEL)
            assert h.online is False and h.timeouts >= 3
            assert "no reply" in (h.last_error or "")
            # the line stays usable while A is away
            assert await master.show(PANEL_B, "2223") is True

            # A answers again: it is back, and told what it should show
            sent_before = len(a.log.frames)
            a.faults.clear()
            await until(lambda: master.health(PANEL).online is True, what="A back")
            await until(lambda: any(f.command == Command.SHOW and f.payload == b"1111"
                                    for _, f in a.log.frames[sent_before:]),
                        what="A's number re-sent")
            assert master.health(PANEL).resyncs >= 1

    run(main())


def test_a_device_unplugged_and_plugged_back_gets_its_number_again(hall) -> None:
    line, dev = hall
    panel: SimPanel = dev[PANEL]  # type: ignore[assignment]

    async def main() -> None:
        async with make_master(line.url) as master:
            assert await master.show(PANEL, "1023", "5A") is True
            assert await master.blink(PANEL, seconds=60) is True
            panel.unplug()
            fut = master.show(PANEL, "1024", "5A")
            await until(lambda: master.health(PANEL).online is False, what="offline")
            panel.replug()  # powers up blank
            assert panel.lines == []
            assert await asyncio.wait_for(fut, 5) is True
            await until(lambda: panel.number == "1024", what="the number back")
            assert panel.counter == "5A"
            assert master.health(PANEL).online is True

    run(main())


def test_a_restarted_device_is_noticed_by_its_boot_id(hall) -> None:
    line, dev = hall
    panel: SimPanel = dev[PANEL]  # type: ignore[assignment]

    async def main() -> None:
        async with make_master(line.url) as master:
            assert await master.show(PANEL, "777") is True
            await until(lambda: master.health(PANEL).boot_id is not None, what="a ping")
            old = master.health(PANEL).boot_id
            panel.unplug()
            panel.replug()  # a power blip shorter than the offline threshold
            while panel.boot_id == old:
                panel.unplug()
                panel.replug()
            await until(lambda: panel.number == "777", what="the keep-alive PING to resync")
            assert master.health(PANEL).boot_id == panel.boot_id

    run(main())


def test_a_nak_is_reported_not_retried(hall) -> None:
    line, _ = hall

    async def main() -> None:
        # the hall file says 6 digits; the panel has 4
        master = BusMaster(line.url, [DeviceSpec(PANEL, DeviceKind.LED_PANEL, size=6)],
                           timing=FAST)
        async with master:
            assert await master.show(PANEL, "102345") is False
            h = master.health(PANEL)
            assert h.naks == 1 and "DOES_NOT_FIT" in (h.last_error or "")
            assert h.online is True

    run(main())


def test_a_device_of_another_kind_is_reported(hall) -> None:
    line, _ = hall

    async def main() -> None:
        master = BusMaster(line.url, [DeviceSpec(KEYPAD, DeviceKind.LED_PANEL)], timing=FAST)
        async with master:
            await until(lambda: "answers as keypad" in (master.health(KEYPAD).last_error or ""),
                        what="the kind mismatch")
            assert await master.show(KEYPAD, "1") is False  # the keypad NAKs SHOW

    run(main())


def test_an_unplugged_adapter_is_reopened(hall) -> None:
    line, dev = hall
    panel: SimPanel = dev[PANEL]  # type: ignore[assignment]

    async def main() -> None:
        changes: list[LineHealth] = []
        async with make_master(line.url) as master:
            master.on_health(lambda h: changes.append(h) if isinstance(h, LineHealth) else None)
            assert await master.show(PANEL, "1") is True
            line.unplug()
            await until(lambda: not master.line_health().connected, what="the line lost")
            fut = master.show(PANEL, "8888")
            await asyncio.sleep(0.3)  # a few failed reopens
            health = master.line_health()
            assert health.open_failures >= 1
            assert line.url in (health.last_error or "")
            assert master.health(PANEL).online is False
            line.replug()
            assert await asyncio.wait_for(fut, 5) is True
            assert panel.number == "8888"
            assert master.line_health().reconnects == 1
            assert [c.connected for c in changes][-1] is True

    run(main())


def test_a_missing_port_is_retried_and_reported() -> None:
    async def main() -> None:
        master = BusMaster("/nonexistent/ttyUSB9", [DeviceSpec(1, DeviceKind.LED_PANEL)],
                           timing=FAST)
        async with master:
            await until(lambda: master.line_health().open_failures >= 2, what="retries")
            h = master.line_health()
            assert not h.connected
            assert "cannot open serial line /nonexistent/ttyUSB9" in (h.last_error or "")
            assert "line down" in (master.health(1).last_error or "")

    run(main())


def test_over_tcp() -> None:
    panel = SimPanel(3)
    with SimLine([panel], tcp_port=0) as line:
        assert line.url.startswith("socket://127.0.0.1:")

        async def main() -> None:
            tcp = "tcp://" + line.url.removeprefix("socket://")
            async with BusMaster(tcp, [DeviceSpec(3, DeviceKind.LED_PANEL)],
                                 timing=FAST) as master:
                assert await master.show(3, "1023") is True
                assert panel.number == "1023"

        run(main())


def test_a_failing_callback_does_not_stop_the_line(hall) -> None:
    line, dev = hall
    keypad: SimKeypad = dev[KEYPAD]  # type: ignore[assignment]

    async def main() -> None:
        got: list[BusEvent] = []

        def broken(_: BusEvent) -> None:
            raise RuntimeError("a handler bug")

        async with make_master(line.url) as master:
            master.on_event(broken)
            master.on_event(got.append)
            keypad.press("next")
            keypad.press("pause")
            await until(lambda: len(got) == 2, what="both presses")
            assert await master.show(PANEL, "1") is True

    run(main())


def test_slow_replies(hall) -> None:
    line, dev = hall
    panel: SimPanel = dev[PANEL]  # type: ignore[assignment]

    async def main() -> None:
        async with make_master(line.url) as master:
            assert await master.show(PANEL, "1") is True
            panel.faults.slow_reply_s = 0.03  # slow but within the turnaround: fine
            assert await master.show(PANEL, "2") is True
            panel.faults.slow_reply_s = 0.3  # too slow: each answer lands after its timeout
            fut = master.show(PANEL, "3")
            await until(lambda: master.health(PANEL).online is False, what="offline")
            await until(lambda: master.health(PANEL).stale_replies >= 1, what="a late reply")
            assert master.health(PANEL).timeouts >= 3
            panel.faults.clear()
            assert await asyncio.wait_for(fut, 5) is True

    run(main())


def test_masters_from_a_hall_file() -> None:
    from contracts.hall_config import Device
    from drivers.bus.hall import masters_for
    from drivers.modbus.display import ModbusDisplayMaster

    devices = [
        Device(name="panel-1", kind="led_panel", port="/dev/ttyUSB0", address=1, counter=1,
               digits=5),
        Device(name="keypad-1", kind="keypad", port="/dev/ttyUSB0", address=11, counter=1),
        Device(name="board", kind="led_board", port="/dev/ttyUSB0", address=30, lines=6),
        Device(name="num-1", kind="modbus_display", port="/dev/ttyUSB1", address=1),
        Device(name="printer", kind="printer", port="tcp://10.0.0.5:9100"),
    ]
    bus, modbus = masters_for(devices)
    assert isinstance(bus, BusMaster) and isinstance(modbus, ModbusDisplayMaster)
    assert [(h.address, h.kind, h.counter) for h in bus.devices_health()] == [
        (1, "led_panel", 1), (11, "keypad", 1), (30, "led_board", None)]
    with pytest.raises(BusError, match="at most 5"):
        bus.show(1, "123456")
    with pytest.raises(BusError, match="own RS-485 line"):
        masters_for([devices[0], Device(name="n", kind="modbus_display", port="/dev/ttyUSB0",
                                        address=2)])
    with pytest.raises(BusError, match="different baud rates"):
        masters_for([devices[0], Device(name="k", kind="keypad", port="/dev/ttyUSB0",
                                        address=3, baud=19200)])
