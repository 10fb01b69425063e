"""The working-time calendar of dossier deadlines: properties over random calendars, and the
worked examples a one-stop officer would check by hand (30/4–1/5, a compensatory Saturday)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from contracts.hall_config import WEEKDAYS, Hours
from server.engine.worktime import WORKING_DAY, NoWorkingDays, OnTime, WorkCalendar

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = date(2026, 3, 2)  # a Monday
OFFICE = Hours.model_validate({
    "weekdays": [["07:30", "11:30"], ["13:00", "17:00"]],
    "holidays": [date(2026, 4, 27), date(2026, 4, 30), date(2026, 5, 1)],
    "working_days": [date(2026, 5, 9)],
})


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), ZONE)


def _hhmm(q: int) -> str:
    return "24:00" if q == 96 else f"{q // 4:02d}:{q % 4 * 15:02d}"


@st.composite
def day_sessions(draw: st.DrawFn) -> list[list[str]]:
    """0–3 sessions on quarter hours, ordered and apart (any length, not only 8 h)."""
    n = draw(st.integers(0, 3))
    cuts = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * n, max_size=2 * n)))
    return [[_hhmm(cuts[i]), _hhmm(cuts[i + 1])] for i in range(0, 2 * n, 2)]


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    week = {day: draw(day_sessions()) for day in WEEKDAYS}
    assume(any(week.values()))
    offsets = st.integers(0, 120)
    holidays = sorted({BASE + timedelta(days=i) for i in draw(st.lists(offsets, max_size=12))})
    extra = sorted({BASE + timedelta(days=i) for i in draw(st.lists(offsets, max_size=4))}
                   - set(holidays))
    compensatory = draw(day_sessions().filter(bool))
    hours = Hours.model_validate({**week, "holidays": holidays, "working_days": extra,
                                  "compensatory": compensatory})
    return WorkCalendar(hours, ZONE)


instants = st.builds(
    lambda s, us: at(BASE, 0) + timedelta(seconds=s, microseconds=us),
    st.integers(0, 100 * 86400), st.sampled_from([0, 0, 1, 250_000, 999_999]))
amounts = st.integers(0, 40 * 8 * 3600).map(lambda s: timedelta(seconds=s))
FAST = settings(max_examples=100, deadline=None)


@FAST
@given(calendars(), instants, amounts)
def test_adding_then_measuring_gives_back_the_amount(cal: WorkCalendar, start: datetime,
                                                     amount: timedelta) -> None:
    end = cal.add(start, amount)
    assert end >= start
    assert cal.worked(start, end) == amount
    assert cal.worked(end, start) == -amount


@FAST
@given(calendars(), instants, instants)
def test_measuring_then_adding_never_overshoots(cal: WorkCalendar, a: datetime,
                                                b: datetime) -> None:
    a, b = min(a, b), max(a, b)
    done = cal.worked(a, b)
    back = cal.add(a, done)
    assert back <= b
    assert cal.worked(a, back) == done


@FAST
@given(calendars(), instants, instants, instants)
def test_working_time_is_monotone_and_adds_up(cal: WorkCalendar, a: datetime, b: datetime,
                                              c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc, ac = cal.worked(a, b), cal.worked(b, c), cal.worked(a, c)
    assert timedelta(0) <= ab <= ac and bc <= ac
    assert timedelta(0) <= ac - (ab + bc) <= timedelta(seconds=1)  # whole seconds, rounded down


@FAST
@given(calendars(), st.integers(0, 120))
def test_a_working_day_counts_eight_hours_and_a_day_off_none(cal: WorkCalendar,
                                                             offset: int) -> None:
    day = BASE + timedelta(days=offset)
    whole = cal.worked(at(day, 0), at(day + timedelta(days=1), 0))
    if day in cal.hours.holidays:
        assert whole == timedelta(0)
    elif day in cal.hours.working_days:
        assert whole == WORKING_DAY  # a compensatory day counts in full
    assert whole == (WORKING_DAY if cal.is_working_day(day) else timedelta(0))


@FAST
@given(calendars(), instants, amounts.filter(bool))
def test_adding_never_ends_on_a_holiday(cal: WorkCalendar, start: datetime,
                                        amount: timedelta) -> None:
    end = cal.add(start, amount)
    local = end.astimezone(ZONE)
    day = local.date() if local.time() != time(0) else local.date() - timedelta(days=1)
    assert day not in cal.hours.holidays
    assert cal.is_working_day(day)


@FAST
@given(calendars(), st.integers(0, 60), instants)
def test_deadline_and_classes_agree_with_the_margin(cal: WorkCalendar, offset: int,
                                                    returned: datetime) -> None:
    due = BASE + timedelta(days=offset)
    deadline = cal.deadline(due)
    assert cal.is_working_day(deadline.astimezone(ZONE).date()) or \
        deadline.astimezone(ZONE).time() == time(0)
    klass, margin = cal.classify(returned, due)
    assert margin == cal.worked(returned, deadline)
    day = returned.astimezone(ZONE).date()
    if klass == OnTime.late:
        assert day > cal.next_working_day(due) and margin <= timedelta(0)
    elif klass == OnTime.early:
        assert day < due and margin >= timedelta(0)
    else:
        assert due <= day <= cal.next_working_day(due) and margin >= timedelta(0)


def test_office_hours_count_wall_clock_time_inside_sessions() -> None:
    cal = WorkCalendar(OFFICE, ZONE)
    tue = date(2026, 4, 28)
    assert cal.worked(at(tue, 9), at(tue, 14)) == timedelta(hours=3, minutes=30)  # lunch
    assert cal.add(at(tue, 9), timedelta(hours=8)) == at(tue + timedelta(days=1), 9)
    # Wednesday 16:00 + 2 h: 1 h left on Wednesday, then 30/4 and 1/5 (holidays), the
    # weekend, and Monday 4 May from 07:30.
    assert cal.add(at(date(2026, 4, 29), 16), timedelta(hours=2)) == at(date(2026, 5, 4), 8, 30)
    # The compensatory Saturday counts; the Sunday after does not.
    sat, sun = date(2026, 5, 9), date(2026, 5, 10)
    assert cal.is_working_day(sat) and not cal.is_working_day(sun)
    assert cal.add(at(date(2026, 5, 8), 17), timedelta(hours=8)) == at(sat, 17)
    assert cal.add_working_days(date(2026, 4, 28), 3) == date(2026, 5, 5)


def test_a_due_date_on_a_day_off_moves_to_the_next_working_day() -> None:
    cal = WorkCalendar(OFFICE, ZONE)
    assert cal.deadline(date(2026, 4, 29)) == at(date(2026, 4, 29), 17)
    assert cal.deadline(date(2026, 4, 30)) == at(date(2026, 5, 4), 17)
    due = date(2026, 4, 29)
    assert cal.classify(at(date(2026, 4, 28), 10), due)[0] == OnTime.early
    # 17:30 the day before: after that day's hours, yet "trước hạn" by the date
    assert cal.classify(at(date(2026, 4, 28), 17, 30), due)[0] == OnTime.early
    assert cal.classify(at(date(2026, 4, 29), 7, 30), due)[0] == OnTime.on_time
    assert cal.classify(at(date(2026, 4, 29), 16, 59), due)[0] == OnTime.on_time
    assert cal.classify(at(date(2026, 4, 29), 18), due)[0] == OnTime.on_time  # no work lost
    late, margin = cal.classify(at(date(2026, 5, 4), 8), due)
    assert late == OnTime.late and margin == -timedelta(minutes=30)


def test_a_hall_open_around_the_clock_still_counts_eight_hour_days() -> None:
    cal = WorkCalendar(Hours.model_validate({"every_day": [["00:00", "24:00"]]}), ZONE)
    day = date(2026, 4, 28)
    assert cal.worked(at(day, 0), at(day, 12)) == timedelta(hours=4)
    assert cal.add(at(day, 0), timedelta(hours=2)) == at(day, 6)


def test_a_calendar_without_working_days_says_so() -> None:
    cal = WorkCalendar(Hours(), ZONE)
    with pytest.raises(NoWorkingDays):
        cal.add(at(BASE, 9), timedelta(hours=1))
    with pytest.raises(NoWorkingDays):
        cal.deadline(BASE)
    assert cal.worked(at(BASE, 9), at(BASE + timedelta(days=30), 9)) == timedelta(0)
