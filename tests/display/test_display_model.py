"""The board's state model: snapshot + events → what the board shows, with gap detection,
replays, filters for area boards, and the calls to announce."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from display.model import (
    MAX_RECENT,
    BoardFilter,
    BoardState,
    connection,
    fold,
    parse_counters,
    parse_services,
)
from display.sample import sample_snapshot

T0 = datetime(2025, 11, 24, 2, 0, tzinfo=UTC)
CFG = load_hall_config(DEFAULT_CONFIG)


def snapshot(seq: int = 100, **changes) -> dict:
    data = sample_snapshot(CFG, T0, seq=seq).model_dump(mode="json")
    data.update(changes)
    return data


def loaded(seq: int = 100, filt: BoardFilter | None = None, **changes) -> BoardState:
    return fold(BoardState(), snapshot(seq, **changes), 0.0, filt).state


def called(seq: int, number: str, counter: int, label: str | None = None,
           service: str = "HT", kind: str = "called", at: datetime = T0, **extra) -> dict:
    return {"seq": seq, "type": kind, "at": at.isoformat(), "number": number,
            "counter": counter, "counter_label": label or str(counter), "service": service,
            "ticket_id": 1, "visit_id": 1, **extra}


def test_a_snapshot_fills_the_board_without_announcing_anything() -> None:
    folded = fold(BoardState(), snapshot(), 5.0)
    s = folded.state
    assert s.seq == 100 and s.loaded and not folded.reload
    assert folded.announce == ()
    assert [c.number for c in s.counters] == [1, 2, 3, 4, 5]
    assert s.counter(5).label == "5A"
    assert {sv.code for sv in s.services} == {"HT", "DD", "CT", "TKQ"}
    assert s.hall_name == "Trung tâm Phục vụ hành chính công phường Bến Thành"
    assert s.notices and s.recent
    assert all(c.shown_at is None for c in s.recent)  # old calls do not blink
    ats = [c.at for c in s.recent]
    assert ats == sorted(ats, reverse=True)


def test_a_call_shows_blinks_and_is_announced() -> None:
    state = loaded()
    folded = fold(state, called(101, "1023", 5, "5A", service="TKQ"), 42.0)
    s = folded.state
    assert s.seq == 101
    assert s.latest.number == "1023" and s.latest.counter_label == "5A"
    assert s.latest.shown_at == 42.0
    assert s.counter(5).ticket == "1023" and s.counter(5).state == "called"
    assert [c.number for c in folded.announce] == ["1023"]
    waiting = {sv.code: sv.waiting for sv in state.services}
    assert {sv.code: sv.waiting for sv in s.services}["TKQ"] == max(0, waiting["TKQ"] - 1)


def test_a_recall_moves_the_call_to_the_top_and_is_announced_again() -> None:
    s = fold(loaded(), called(101, "1023", 5, "5A"), 1.0).state
    s = fold(s, called(102, "2001", 3), 2.0).state
    folded = fold(s, called(103, "1023", 5, "5A", kind="recalled"), 3.0)
    s = folded.state
    assert s.latest.number == "1023" and s.latest.recall and s.latest.shown_at == 3.0
    assert [c.number for c in s.recent].count("1023") == 1
    assert folded.announce[0].recall


def test_a_gap_in_seq_asks_for_a_reload_and_freezes_until_the_snapshot() -> None:
    s = loaded(100)
    folded = fold(s, called(102, "1023", 5), 1.0)
    assert folded.reload and folded.state.needs_reload and "101" in folded.problem
    assert folded.state.latest == s.latest  # the event after the gap is not applied
    later = fold(folded.state, called(103, "1024", 4), 2.0)
    assert later.state.seq == 100 and later.announce == ()
    fresh = fold(later.state, snapshot(103), 3.0).state
    assert fresh.seq == 103 and not fresh.needs_reload


def test_replayed_and_stale_events_are_ignored() -> None:
    s = fold(loaded(100), called(101, "1023", 5), 1.0).state
    again = fold(s, called(101, "1023", 5), 2.0)
    assert again.state == s and again.announce == ()
    old = fold(s, called(90, "0001", 1), 2.0)
    assert old.state == s and not old.reload


def test_events_before_any_snapshot_mean_nothing() -> None:
    folded = fold(BoardState(), called(5, "1", 1), 1.0)
    assert folded.state == BoardState() and not folded.reload


def test_malformed_messages_ask_for_a_reload() -> None:
    s = loaded()
    bad = fold(s, {"type": "called", "seq": "x"}, 1.0)
    assert bad.reload and bad.problem
    worse = fold(s, {"type": "snapshot", "seq": 1}, 1.0)
    assert worse.reload and "snapshot" in worse.problem


def test_unknown_event_types_advance_seq_only() -> None:
    s = loaded(100)
    folded = fold(s, {"seq": 101, "type": "something_new", "at": T0.isoformat()}, 1.0)
    assert folded.state.seq == 101 and folded.state.counters == s.counters


def test_counter_lifecycle() -> None:
    s = fold(loaded(), called(101, "1023", 2), 1.0).state
    s = fold(s, {"seq": 102, "type": "started", "at": T0.isoformat(), "number": "1023",
                 "counter": 2, "counter_label": "2"}, 2.0).state
    assert s.counter(2).state == "serving"
    s = fold(s, {"seq": 103, "type": "finished", "at": T0.isoformat(), "number": "1023",
                 "counter": 2}, 3.0).state
    assert s.counter(2).ticket is None and s.counter(2).state == "idle"
    s = fold(s, {"seq": 104, "type": "counter_paused", "at": T0.isoformat(), "counter": 2,
                 "reason": "họp"}, 4.0).state
    assert s.counter(2).state == "paused"
    s = fold(s, {"seq": 105, "type": "counter_resumed", "at": T0.isoformat(),
                 "counter": 2}, 5.0).state
    assert s.counter(2).state == "idle"
    # a stale finish for another ticket does not clear the counter's new call
    s = fold(s, called(106, "1024", 2), 6.0).state
    s = fold(s, {"seq": 107, "type": "skipped", "at": T0.isoformat(), "number": "1023",
                 "counter": 2}, 7.0).state
    assert s.counter(2).ticket == "1024"


def test_transfer_frees_the_counter_and_queues_at_the_target() -> None:
    s = fold(loaded(), called(101, "1023", 1, service="HT"), 1.0).state
    before = {sv.code: sv.waiting for sv in s.services}
    s = fold(s, {"seq": 102, "type": "transferred", "at": T0.isoformat(), "number": "1023",
                 "from_counter": 1, "to_service": "CT", "to_counter": None}, 2.0).state
    assert s.counter(1).ticket is None
    assert {sv.code: sv.waiting for sv in s.services}["CT"] == before["CT"] + 1


def test_waiting_counts_follow_the_servers_numbers_when_given() -> None:
    s = loaded()
    s = fold(s, {"seq": 101, "type": "ticket_issued", "at": T0.isoformat(), "number": "1050",
                 "service": "HT", "waiting": 17}, 1.0).state
    assert {sv.code: sv.waiting for sv in s.services}["HT"] == 17
    s = fold(s, {"seq": 102, "type": "ticket_issued", "at": T0.isoformat(), "number": "3050",
                 "service": "CT"}, 1.0).state
    ct = {sv.code: sv.waiting for sv in s.services}["CT"]
    s = fold(s, {"seq": 103, "type": "cancelled", "at": T0.isoformat(), "service": "CT",
                 "waiting": {"CT": 0, "NOPE": 5}}, 1.0).state
    assert ct >= 1 and {sv.code: sv.waiting for sv in s.services}["CT"] == 0


def test_day_close_and_open() -> None:
    s = fold(loaded(), called(101, "1023", 1), 1.0).state
    s = fold(s, {"seq": 102, "type": "day_closed", "at": T0.isoformat()}, 2.0).state
    assert not s.open and all(c.ticket is None for c in s.counters)
    assert all(sv.waiting == 0 for sv in s.services)
    s = fold(s, {"seq": 103, "type": "day_opened", "at": T0.isoformat()}, 3.0).state
    assert s.open and s.recent == ()


def test_notices_replace_add_and_clear_in_nfc() -> None:
    s = loaded(notices=[])
    decomposed = unicodedata.normalize("NFD", "Nghỉ trưa từ 11:30")
    s = fold(s, {"seq": 101, "type": "notice", "at": T0.isoformat(), "text": decomposed},
             1.0).state
    assert s.notices == ("Nghỉ trưa từ 11:30",)
    s = fold(s, {"seq": 102, "type": "notice", "at": T0.isoformat(),
                 "notices": ["Một", "  ", "Hai"]}, 1.0).state
    assert s.notices == ("Một", "Hai")
    s = fold(s, {"seq": 103, "type": "notice", "at": T0.isoformat(), "clear": True}, 1.0).state
    assert s.notices == ()


def test_text_from_the_server_is_normalised_to_nfc() -> None:
    data = snapshot()
    data["hall"]["name"] = unicodedata.normalize("NFD", data["hall"]["name"])
    s = fold(BoardState(), data, 0.0).state
    assert s.hall_name == unicodedata.normalize("NFC", s.hall_name)
    assert "ờ" in s.hall_name


def test_an_area_board_keeps_only_its_counters_calls_and_services() -> None:
    filt = BoardFilter(counters=frozenset({4, 5}))
    s = loaded(filt=filt)
    assert [c.number for c in s.counters] == [4, 5]
    assert {sv.code for sv in s.services} == {"CT", "TKQ", "DD"}
    assert all(c.counter in (4, 5) for c in s.recent)
    outside = fold(s, called(101, "1023", 1), 1.0, filt)
    assert outside.announce == () and outside.state.seq == 101
    inside = fold(outside.state, called(102, "4023", 5, "5A", service="TKQ"), 1.0, filt)
    assert inside.state.latest.number == "4023" and len(inside.announce) == 1
    by_service = BoardFilter(services=frozenset({"HT"}))
    s = loaded(filt=by_service)
    assert {c.number for c in s.counters} == {1, 2, 3}
    assert [sv.code for sv in s.services] == ["HT"]
    assert fold(s, called(101, "3001", 1, service="CT"), 1.0, by_service).announce == ()


def test_after_a_reconnect_recent_missed_calls_are_announced_old_ones_are_not() -> None:
    s = loaded(100)
    data = snapshot(105)
    data["now"] = (T0 + timedelta(minutes=30)).isoformat()
    data["recent_calls"] = [
        {"number": "1099", "counter": 2, "counter_label": "2", "service": "HT",
         "at": (T0 + timedelta(minutes=30, seconds=-5)).isoformat()},
        {"number": "1098", "counter": 1, "counter_label": "1", "service": "HT",
         "at": (T0 + timedelta(minutes=29, seconds=50)).isoformat()},
        {"number": "1090", "counter": 3, "counter_label": "3", "service": "HT",
         "at": (T0 + timedelta(minutes=20)).isoformat()},
    ]
    folded = fold(s, data, 9.0)
    assert [c.number for c in folded.announce] == ["1098", "1099"]  # oldest first
    assert folded.state.latest.number == "1099" and folded.state.latest.shown_at == 9.0
    # the same snapshot again (another reconnect) announces nothing new
    assert fold(folded.state, data, 10.0).announce == ()


def test_connection_marks() -> None:
    s = connection(loaded(), False, 10.0, "connection refused")
    assert not s.connected and s.lost_since == 10.0 and s.lost_reason == "connection refused"
    s = connection(s, False, 20.0, "again")
    assert s.lost_since == 10.0  # lost since the first failure
    s = connection(s, True, 30.0)
    assert s.connected and s.lost_since is None


def test_counter_and_service_lists_parse_with_clear_errors() -> None:
    assert parse_counters("1-3, 7,10-11") == {1, 2, 3, 7, 10, 11}
    for bad in ("", "a", "5-2", "0-3", "1-x"):
        with pytest.raises(ValueError):
            parse_counters(bad)
    assert parse_services("HT, CT") == {"HT", "CT"}
    with pytest.raises(ValueError):
        parse_services(" , ")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.booleans()), min_size=1, max_size=40))
def test_any_sequence_of_calls_keeps_the_board_consistent(calls) -> None:
    s = loaded(0)
    for i, (counter, recall) in enumerate(calls, start=1):
        number = f"{counter}{i:03d}"
        label = CFG.counter(counter).label
        folded = fold(s, called(i, number, counter, label,
                                kind="recalled" if recall else "called"), float(i))
        s = folded.state
        assert s.latest.number == number and s.latest.shown_at == float(i)
        assert [c.number for c in folded.announce] == [number]
        assert s.counter(counter).ticket == number
    assert s.seq == len(calls)
    assert len(s.recent) <= MAX_RECENT
    keys = [c.key for c in s.recent]
    assert len(keys) == len(set(keys))


def test_the_board_clock_follows_the_server_clock():
    """A demo's fast clock (or a drifted PC): the board shows the server's time, as the
    panels and tickets do; jitter of a few ms from event stamps does not move it."""
    from datetime import UTC, datetime, timedelta

    from display.app import BoardApp

    app = BoardApp()
    server_now = datetime.now(UTC) - timedelta(hours=14, minutes=40)  # 07:53 of a fast day
    app.apply({"type": "snapshot", "seq": 0, "now": server_now.isoformat()}, 0.0)
    assert abs((app.wall() - server_now).total_seconds()) < 1.0
    offset = app.clock.offset_s
    app.apply({"type": "called", "seq": 1, "at": (server_now - timedelta(seconds=0.2))
               .isoformat()}, 0.1)
    assert app.clock.offset_s == offset  # a commit stamp a moment old: no change
    later = server_now + timedelta(minutes=5)  # the fast clock moved on
    app.apply({"type": "called", "seq": 2, "at": later.isoformat()}, 0.2)
    assert abs((app.wall() - later).total_seconds()) < 1.0
    app.apply({"type": "device_health", "at": "garbage"}, 0.3)  # no seq: not a clock
    assert abs((app.wall() - later).total_seconds()) < 1.0


def _device_health(**changes) -> dict:
    """A device-health message as the server sends it (server/api/device_reports.py,
    server/devices/manager.py): a DeviceHealth with `type` and `at`, and no `seq`."""
    from contracts.api import DeviceHealth

    health = DeviceHealth(name="kiosk-1", kind="kiosk", online=True, status="paper_out",
                          detail="printer: paper out", since=T0)
    return {"type": "device_health", "at": T0.isoformat(), **health.model_dump(mode="json"),
            **changes}


def test_device_health_has_no_seq_and_never_reloads_the_board() -> None:
    s = fold(loaded(100), called(101, "1023", 5), 1.0).state
    folded = fold(s, _device_health(), 2.0)
    assert not folded.reload and not folded.problem and folded.state == s
    after = fold(folded.state, called(102, "1024", 4), 3.0)  # the sequence goes on unbroken
    assert not after.reload and after.state.seq == 102 and after.state.latest.number == "1024"
    garbled = fold(s, _device_health(online="maybe"), 4.0)  # logged, and still no reload
    assert not garbled.reload and "device_health" in garbled.problem and garbled.state == s
    still = fold(s, {"type": "called", "at": T0.isoformat(), "number": "1"}, 5.0)
    assert still.reload and "malformed event" in still.problem  # a queue event without seq
