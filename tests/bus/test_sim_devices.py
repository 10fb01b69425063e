"""The simulated devices as state machines (frames in, reply bytes out) and their pictures."""

from __future__ import annotations

import io

import pytest
from PIL import Image

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
    show_payload,
)
from simulators.bus import devices as devmod
from simulators.bus.devices import SimBoard, SimKeypad, SimPanel, SimRatingBox
from simulators.bus.render import read_rows


def ask(dev: devmod.SimDevice, command: int, payload: bytes = b"", seq: int = 1) -> Frame:
    raw = dev.handle(Frame(dev.address, seq, command, payload))
    assert raw is not None
    reply = decode(raw)
    assert (reply.address, reply.seq) == (dev.address, seq)
    return reply


def nak(reason: Nak) -> tuple[int, bytes]:
    return Reply.NAK, bytes((reason,))


def test_panel_shows_blinks_clears() -> None:
    panel = SimPanel(3, digits=4)
    r = ask(panel, Command.SHOW, show_payload([Line("1023", "5A")]))
    assert (r.command, r.payload) == (Reply.ACK, b"")
    assert (panel.number, panel.counter) == ("1023", "5A")
    ask(panel, Command.BLINK, blink_payload(BlinkMode.CALL, 0))
    assert panel.blink is BlinkMode.CALL
    ask(panel, Command.SHOW, show_payload([Line("1024", "5A")]))
    assert panel.blink is BlinkMode.STOP  # SHOW stops a blink
    ask(panel, Command.BRIGHTNESS, brightness_payload(12))
    assert panel.brightness == 12
    ask(panel, Command.CLEAR)
    assert panel.lines == []


def test_panel_naks() -> None:
    panel = SimPanel(3, digits=4)
    cases = [
        (Command.SHOW, show_payload([Line("10234")]), Nak.DOES_NOT_FIT),
        (Command.SHOW, show_payload([Line("1", "ABCD")]), Nak.DOES_NOT_FIT),
        (Command.SHOW, show_payload([Line("1"), Line("2")]), Nak.DOES_NOT_FIT),
        (Command.SHOW, b"ab", Nak.BAD_VALUE),
        (Command.BRIGHTNESS, b"\x10", Nak.BAD_VALUE),
        (Command.BLINK, b"\x01", Nak.BAD_LENGTH),
        (Command.PING, b"\x00", Nak.BAD_LENGTH),
        (Command.ARM, arm_payload(60, 1), Nak.NOT_SUPPORTED),
        (0x7F, b"", Nak.UNKNOWN_COMMAND),
    ]
    for command, payload, reason in cases:
        r = ask(panel, command, payload)
        assert (r.command, r.payload) == nak(reason), (command, payload)
    assert panel.lines == []


def test_ping_tells_kind_size_and_a_new_boot_id_after_power_loss() -> None:
    board = SimBoard(10, lines=6)
    info = DeviceInfo.parse(ask(board, Command.PING).payload)
    assert (info.kind, info.size, info.version) == (DeviceKind.LED_BOARD, 6, 1)
    ask(board, Command.SHOW, show_payload([Line("1023", "5A")]))
    boots = {info.boot_id}
    for _ in range(5):  # a new random boot id each time; 5 restarts all alike is 1 in 255^5
        board.unplug()
        assert board.handle(Frame(10, 2, Command.PING)) is None  # unplugged: silent
        board.replug()
        boots.add(DeviceInfo.parse(ask(board, Command.PING).payload).boot_id)
    assert len(boots) > 1
    assert board.lines == []  # came back blank


def test_broadcast_is_obeyed_silently() -> None:
    panel = SimPanel(3)
    panel.handle(Frame(3, 1, Command.SHOW, show_payload([Line("7")])))
    assert panel.handle(Frame(0, 2, Command.CLEAR)) is None
    assert panel.lines == []


def test_board_lines() -> None:
    board = SimBoard(10, lines=3)
    ask(board, Command.SHOW, show_payload([Line("1023", "5A"), Line("2001", "3")]))
    assert board.row_texts() == ["  1023>5A ", "  2001>3  ", "          "]
    r = ask(board, Command.SHOW, show_payload([Line(str(i)) for i in range(4)]))
    assert (r.command, r.payload) == nak(Nak.DOES_NOT_FIT)


def test_keypad_holds_presses_until_acknowledged() -> None:
    kp = SimKeypad(11)
    assert ask(kp, Command.POLL, poll_payload(0)).command == Reply.ACK
    kp.press("next")
    kp.press(Key.FINISH)
    first = EventPayload.parse(ask(kp, Command.POLL, poll_payload(0)).payload)
    assert (first.key, first.event_no) == (Key.NEXT, 1)
    again = EventPayload.parse(ask(kp, Command.POLL, poll_payload(0)).payload)
    assert again == first  # not acknowledged: the same press again
    second = EventPayload.parse(ask(kp, Command.POLL, poll_payload(1)).payload)
    assert (second.key, second.event_no) == (Key.FINISH, 2)
    assert ask(kp, Command.POLL, poll_payload(2)).command == Reply.ACK
    assert kp.waiting == 0
    r = ask(kp, Command.SHOW, show_payload([Line("1")]))
    assert (r.command, r.payload) == nak(Nak.NOT_SUPPORTED)


def test_keypad_queue_is_bounded() -> None:
    kp = SimKeypad(11)
    taken = [kp.press("next") for _ in range(10)]
    assert taken == [True] * 8 + [False] * 2
    assert kp.dropped_presses == 2


def test_repeat_event_fault_ignores_acks() -> None:
    kp = SimKeypad(11)
    kp.faults.repeat_event = 2
    kp.press("skip")
    replies = [ask(kp, Command.POLL, poll_payload(ack)).command for ack in (0, 1, 1, 1)]
    assert replies == [Reply.EVENT, Reply.EVENT, Reply.EVENT, Reply.ACK]  # sent 1 + 2 times


def test_rating_box_takes_one_press_while_armed(monkeypatch: pytest.MonkeyPatch) -> None:
    box = SimRatingBox(21, levels=3)
    assert box.press(3) is False  # LED off: ignored
    assert box.ignored_presses == 1
    ask(box, Command.ARM, arm_payload(60, 7))
    assert box.armed
    assert box.press(2) is True
    assert not box.armed  # one rating per visit
    assert box.press(3) is False
    ev = EventPayload.parse(ask(box, Command.POLL, poll_payload(0)).payload)
    assert (ev.key, ev.event_no, ev.tag) == (ord("2"), 1, 7)
    with pytest.raises(ValueError, match="levels 1..3"):
        box.press(4)

    # the window closes by itself
    now = [1000.0]
    monkeypatch.setattr(devmod.time, "monotonic", lambda: now[0])
    ask(box, Command.ARM, arm_payload(30, 8))
    now[0] += 29.5
    assert box.armed
    now[0] += 1
    assert not box.armed
    ask(box, Command.ARM, arm_payload(0, 9))  # 0: until DISARM
    now[0] += 10_000
    assert box.armed
    ask(box, Command.DISARM)
    assert not box.armed


def test_panel_picture_reads_back() -> None:
    panel = SimPanel(3, digits=5, label_chars=2)
    ask(panel, Command.SHOW, show_payload([Line("A123", "5A")]))
    image = Image.open(io.BytesIO(_png(panel)))
    assert read_rows(image, 1, panel.cells) == [" A123 5A"]
    ask(panel, Command.BLINK, blink_payload(BlinkMode.CALL, 0))
    assert read_rows(panel.image(phase_on=False), 1, panel.cells) == [" " * panel.cells]
    assert read_rows(panel.image(phase_on=True), 1, panel.cells) == [" A123 5A"]


def test_board_picture_reads_back() -> None:
    board = SimBoard(10, lines=3)
    ask(board, Command.SHOW, show_payload([Line("1023", "5A"), Line("2001", "3")]))
    assert read_rows(board.image(), 3, board.cells) == board.row_texts()
    ask(board, Command.BLINK, blink_payload(BlinkMode.CALL, 0))
    dark = read_rows(board.image(phase_on=False), 3, board.cells)
    assert dark == [" " * board.cells, "  2001>3  ", " " * board.cells]


def test_keypad_and_rating_pictures_render() -> None:
    kp = SimKeypad(11)
    kp.press("recall")
    box = SimRatingBox(21)
    for dev in (kp, box):
        image = Image.open(io.BytesIO(_png(dev)))
        assert image.width > 300 and image.height > 60
    # the rating box's lamp is green only while armed
    off = box.image().getpixel((20, 20))
    ask(box, Command.ARM, arm_payload(60, 1))
    on = box.image().getpixel((20, 20))
    assert on[1] > 150 > off[1]


def _png(dev: devmod.SimDevice) -> bytes:
    buf = io.BytesIO()
    dev.image().save(buf, format="PNG")
    assert buf.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"
    return buf.getvalue()


def test_duplicate_reply_and_bad_crc_are_line_faults_not_state() -> None:
    # faults change what the line sends, never the device's own answer
    panel = SimPanel(3)
    panel.faults.bad_crc = True
    raw = panel.handle(Frame(3, 1, Command.PING))
    assert raw is not None and decode(raw).command == Reply.ACK
    assert encode(decode(raw)) == raw
