"""The engine's pure parts: moves, ordering, opening hours, estimates."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.api import TicketState as T
from contracts.hall_config import load_hall_config
from server.engine.errors import AfterCutoff, HallClosed, IllegalMove
from server.engine.estimate import estimated_wait_s, mean_service_s
from server.engine.hours import check_can_issue, is_open, next_opening
from server.engine.selection import NO_PRIORITY, Candidate, pick_next
from server.engine.states import FINAL, MOVES, Move, move
from server.engine.words import MOVE_VI, STATE_EN, STATE_VI

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROV = load_hall_config("config/provincial.toml")


def test_only_listed_moves_are_allowed():
    for action in Move:
        for state in T:
            if state in MOVES[action]:
                assert move("1001", state, action) == MOVES[action][state]
            else:
                with pytest.raises(IllegalMove) as err:
                    move("1001", state, action)
                vi, en = err.value.message.split(". (", 1)
                # each part names the ticket, its state and the move in its own language
                assert vi.startswith("Số thứ tự 1001 ") and f"“{STATE_VI[state]}”" in vi
                assert MOVE_VI[action] in vi and state.value not in vi
                assert en.startswith(f"Ticket 1001 is {STATE_EN[state]}; cannot ")


def test_final_states_leave_only_by_requeue_of_a_no_show():
    for action in Move:
        for state in FINAL:
            if state in MOVES[action]:
                assert (state, action) in {(T.no_show, Move.requeue), (T.no_show, Move.call)}


def _c(i, service="HT", rank=NO_PRIORITY, transferred=False, target=None):
    return Candidate(i, service, rank, transferred, target, i)


def test_pick_order_priority_then_preference_then_issue_order():
    prefs = ["HT", "CT"]
    pool = [_c(5, "HT"), _c(3, "CT"), _c(9, "CT", rank=1), _c(7, "HT")]
    assert pick_next(pool, 1, prefs).ticket_id == 9  # priority first, whatever the service
    pool = [_c(5, "HT"), _c(3, "CT"), _c(7, "HT")]
    assert pick_next(pool, 1, prefs).ticket_id == 5  # preference, then issue order
    pool = [_c(5, "HT"), _c(8, "HT", transferred=True)]
    assert pick_next(pool, 1, prefs).ticket_id == 8  # a transferred citizen waited once
    pool = [_c(5, "HT", rank=1), _c(11, "DD", target=1)]
    assert pick_next(pool, 1, prefs).ticket_id == 11  # sent to this very counter
    assert pick_next([_c(11, "DD", target=2), _c(4, "DD")], 1, prefs) is None


@given(st.lists(st.tuples(st.sampled_from(["HT", "CT", "DD"]), st.sampled_from([1, 2, 99]),
                          st.booleans()), min_size=1, max_size=30))
def test_pick_is_never_beaten_within_its_service_and_class(spec):
    pool = [_c(i, s, r, tr) for i, (s, r, tr) in enumerate(spec)]
    best = pick_next(pool, 1, ["HT", "CT"])
    eligible = [c for c in pool if c.service in ("HT", "CT")]
    assert (best is None) == (not eligible)
    if best:
        assert best.priority_rank == min(c.priority_rank for c in eligible)
        same = [c for c in eligible if (c.service, c.priority_rank, c.transferred) ==
                (best.service, best.priority_rank, best.transferred)]
        assert best.order == min(c.order for c in same)


def test_provincial_hours_lunch_cutoff_weekend_and_holiday():
    hours, z = PROV.hours, PROV.zone
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=VN)
    assert check_can_issue(hours, monday, z).end.hour == 11
    with pytest.raises(AfterCutoff) as cut:
        check_can_issue(hours, monday.replace(hour=11, minute=20), z)
    assert "13:00" in cut.value.message
    with pytest.raises(HallClosed) as lunch:
        check_can_issue(hours, monday.replace(hour=12, minute=0), z)
    assert "13:00 hôm nay" in lunch.value.message
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=VN)
    assert not is_open(hours, saturday, z)
    assert next_opening(hours, saturday, z) == datetime(2026, 11, 30, 7, 30, tzinfo=VN)
    before_national_day = datetime(2026, 8, 31, 18, 0, tzinfo=VN)  # Mon; 1–2 Sep holidays
    assert next_opening(hours, before_national_day, z).date() == date(2026, 9, 3)


def test_estimates_lean_on_the_default_until_there_is_data():
    assert mean_service_s([], 300) == 300
    assert 60 < mean_service_s([60], 300) < 300
    assert mean_service_s([100] * 20, 300) == 100
    assert estimated_wait_s(0, 300, 2) == 0
    assert estimated_wait_s(5, 300, 2) == 750
