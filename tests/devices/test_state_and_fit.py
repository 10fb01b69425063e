"""What each display should show, folded from events; fitting numbers and labels."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.bus.protocol import TEXT_CHARS, Key
from server.devices.actions import NoTransferTarget, keypad_action
from server.devices.fit import fit_label, fit_number, modbus_number
from server.devices.state import MAX_CALLS, Armed, Call, HallShow, visit_tag

LABELS = {1: "1", 5: "5A"}


def _ev(seq: int, type_: str, **fields) -> dict:
    return {"seq": seq, "type": type_, "at": "2025-07-01T02:00:00+00:00", **fields}


def test_calls_finish_pause_and_rating_fold_into_what_to_show():
    show = HallShow(LABELS, seq=10)
    ch = show.apply(_ev(11, "called", number="1001", counter=1, counter_label="1", visit_id=7))
    assert ch.panels == {1} and ch.calls == {1} and ch.board
    assert show.panel(1) == ("1001", False)
    show.apply(_ev(12, "called", number="4001", counter=5, counter_label="5A", visit_id=8))
    assert show.calls == [Call("4001", 5, "5A"), Call("1001", 1, "1")]
    ch = show.apply(_ev(13, "recalled", number="1001", counter=1, counter_label="1", visit_id=7))
    assert ch.calls == {1} and not ch.panels  # same number: blink again, text unchanged
    assert show.calls == [Call("1001", 1, "1"), Call("4001", 5, "5A")]
    until = datetime(2025, 7, 1, 2, 1, tzinfo=UTC)
    ch = show.apply(_ev(14, "finished", number="1001", counter=1, visit_id=7,
                        rating_until=until.isoformat()))
    assert ch.panels == {1} and ch.ratings == {1} and show.panel(1) == (None, False)
    assert show.armed[1] == Armed(7, until) and show.visit_for_tag(1, visit_tag(7)) == 7
    ch = show.apply(_ev(15, "rated", visit_id=7, counter=1, score=3))
    assert ch.ratings == {1} and 1 not in show.armed
    ch = show.apply(_ev(16, "transferred", number="4001", visit_id=8, from_counter=5,
                        to_service="HT", to_counter=None))
    assert ch.panels == {5} and show.panel(5) == (None, False)
    show.apply(_ev(17, "counter_paused", counter=1, counter_label="1", reason=None))
    assert show.panel(1) == (None, True)
    show.apply(_ev(18, "counter_resumed", counter=1, counter_label="1"))
    assert show.panel(1) == (None, False)


def test_old_events_are_ignored_and_a_gap_or_a_new_day_asks_for_a_reload():
    show = HallShow(LABELS, seq=10)
    assert not show.apply(_ev(9, "called", number="1001", counter=1, visit_id=1))
    assert show.panel(1) == (None, False)
    assert show.apply(_ev(13, "called", number="1001", counter=1, visit_id=1)).reload
    assert show.apply(_ev(14, "day_closed")).reload
    assert not show.apply(_ev(15, "ticket_issued", number="1002")).reload
    # an event about a counter the hall file no longer has changes nothing
    assert not show.apply(_ev(16, "skipped", number="9001", counter=9, visit_id=3)).panels


def test_board_keeps_the_latest_calls_once_each():
    show = HallShow(LABELS)
    for i in range(MAX_CALLS + 5):
        show.apply(_ev(i + 1, "called", number=f"{1000 + i}", counter=1, visit_id=i))
    assert len(show.calls) == MAX_CALLS and show.calls[0].number == f"{1000 + MAX_CALLS + 4}"


def test_rating_tags_are_one_byte_and_never_zero():
    assert {visit_tag(v) for v in range(1, 2000)} <= set(range(1, 256))
    assert visit_tag(254) == 255 and visit_tag(255) == 1


def test_labels_lose_tone_marks_not_letters():
    assert fit_label("Đ1", 3, 3) == ("D1", None)
    assert fit_label("5a", 5, 3) == ("5A", None)
    nfd = unicodedata.normalize("NFD", "Ấ2")  # a decomposed label reads the same
    assert fit_label(nfd, 2, 3) == ("A2", None)
    text, warn = fit_label("Quầy 12", 12, 3)
    assert text == "12" and "Quầy 12" in warn
    assert fit_label("5A", 5, 0) == ("", None)


def test_numbers_that_do_not_fit_keep_their_running_digits():
    assert fit_number("1001", 4) == ("1001", None)
    text, warn = fit_number("A1001", 4)
    assert text == "1001" and "digits" in warn
    assert modbus_number("1023", 4) == (1023, None)
    assert modbus_number(None, 4) == (0, None)
    value, warn = modbus_number("A023", 4)
    assert value == 23 and "not all digits" in warn


@given(st.text(max_size=12), st.integers(1, 6))
def test_whatever_the_number_the_panel_gets_text_it_can_show(number, width):
    text, _ = fit_number(number, width)
    assert len(text) <= width and set(text) <= TEXT_CHARS


def test_keypad_transfer_is_refused_before_any_transaction():
    with pytest.raises(NoTransferTarget) as exc:
        keypad_action(Key.TRANSFER, 3)
    assert "transfer" in exc.value.message and exc.value.context == {"counter": 3}
    assert all(callable(keypad_action(k, 3)) for k in Key if k is not Key.TRANSFER)



def test_messages_are_nfc_vietnamese():
    """Officers read these refusals in logs and health details: composed letters only."""
    from pathlib import Path

    import server.devices as pkg

    for path in Path(pkg.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert text == unicodedata.normalize("NFC", text), path.name
    assert "chờ" in Path(pkg.__file__).with_name("actions.py").read_text(encoding="utf-8")
