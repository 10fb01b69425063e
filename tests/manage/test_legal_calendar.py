"""Deadlines count legal working days, not opening hours: Monday to Friday, minus the national
days off, plus the official make-up Saturdays (contracts/vn_days_off.py names the notices)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from contracts.hall_config import LegalCalendar, parse_hall_config
from contracts.vn_days_off import NATIONAL_DAYS_OFF, NATIONAL_MAKE_UP_DAYS, YEARS_CARRIED
from server.engine.worktime import OnTime, WorkCalendar
from tests.kiosk.harness import hall_config

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm), ZONE)


def legal(**section: object) -> WorkCalendar:
    return WorkCalendar(LegalCalendar.model_validate(section).as_hours(), ZONE)


def test_the_2026_days_off_and_make_up_days_of_the_notices() -> None:
    cal = legal()
    for day in ["2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18",
                "2026-02-19", "2026-02-20", "2026-04-27", "2026-04-30", "2026-05-01",
                "2026-08-31", "2026-09-01", "2026-09-02"]:
        assert not cal.is_working_day(date.fromisoformat(day)), day
    for day in ["2026-01-10", "2026-08-22"]:  # the Saturdays worked back
        assert cal.is_working_day(date.fromisoformat(day)), day
    assert not cal.is_working_day(date(2026, 1, 17))  # an ordinary Saturday
    assert cal.is_working_day(date(2026, 1, 5))  # the Monday after the New Year break


def test_every_national_day_off_is_a_weekday_and_every_make_up_day_a_weekend_day() -> None:
    assert NATIONAL_DAYS_OFF and NATIONAL_MAKE_UP_DAYS
    assert all(d.weekday() < 5 for d in NATIONAL_DAYS_OFF)
    assert all(d.weekday() >= 5 for d in NATIONAL_MAKE_UP_DAYS)
    assert {d.year for d in NATIONAL_DAYS_OFF} == set(YEARS_CARRIED)
    # Labour Code 2019, art. 112: 11 holiday days a year; swapped weekdays come on top
    per_year = {y: sum(1 for d in NATIONAL_DAYS_OFF if d.year == y) for y in YEARS_CARRIED}
    swaps = {y: sum(1 for d in NATIONAL_MAKE_UP_DAYS if d.year == y) for y in YEARS_CARRIED}
    for year in YEARS_CARRIED:
        assert per_year[year] - swaps[year] <= 11, year


def test_a_hall_open_on_saturday_mornings_does_not_make_saturday_a_working_day() -> None:
    cfg = hall_config(hours={"weekdays": [["07:30", "11:30"], ["13:00", "17:00"]],
                             "sat": [["07:30", "11:30"]]})
    cal = WorkCalendar(cfg.calendar.as_hours(), cfg.zone)
    saturday = date(2026, 3, 7)
    assert not cal.is_working_day(saturday)
    assert cal.deadline(saturday) == at(date(2026, 3, 9), 17)  # moved to Monday
    # a return on that Monday is on time, not late
    assert cal.classify(at(date(2026, 3, 9), 10), saturday)[0] == OnTime.on_time
    assert cal.classify(at(date(2026, 3, 10), 8), saturday)[0] == OnTime.late


def test_the_demo_hall_open_around_the_clock_does_not_count_sundays() -> None:
    cfg = hall_config()
    cal = WorkCalendar(cfg.calendar.as_hours(), cfg.zone)
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Fri → Mon
    assert not cal.is_working_day(date(2026, 3, 8))


def test_a_hall_adds_its_own_days_and_its_word_wins() -> None:
    cal = legal(days_off=["2026-03-10"], make_up_days=["2026-03-14", "2026-08-31"])
    assert not cal.is_working_day(date(2026, 3, 10))
    assert cal.is_working_day(date(2026, 3, 14))
    assert cal.is_working_day(date(2026, 8, 31))  # a provincial decision overrides the list
    assert legal(national=False).is_working_day(date(2026, 1, 2))


def test_the_calendar_refuses_what_cannot_be_meant() -> None:
    with pytest.raises(ValueError, match="both a day off and a make-up day"):
        LegalCalendar.model_validate({"days_off": ["2026-03-10"],
                                      "make_up_days": ["2026-03-10"]})
    with pytest.raises(ValueError, match="at least one working day"):
        LegalCalendar.model_validate({"weekdays": []})


def test_the_hall_file_takes_a_calendar_section() -> None:
    cfg = hall_config(calendar={"days_off": ["2026-11-24"]})
    assert date(2026, 11, 24) in cfg.calendar.as_hours().holidays
    with pytest.raises(Exception, match="calendar"):
        parse_hall_config({**cfg.model_dump(mode="json"), "calendar": {"weekday": []}}, "x")


def test_the_year_report_counts_on_the_legal_calendar() -> None:
    """A due date of 2/1/2026 (a swapped day off): the deadline is Monday 5/1, so a return on
    5/1 is on time; on opening hours (a 24/7 hall) it would have been late."""
    cfg = hall_config()
    cal = WorkCalendar(cfg.calendar.as_hours(), cfg.zone)
    assert cal.classify(at(date(2026, 1, 5), 9), date(2026, 1, 2))[0] == OnTime.on_time
    opening = WorkCalendar(cfg.hours, cfg.zone)
    assert opening.classify(at(date(2026, 1, 5), 9), date(2026, 1, 2))[0] == OnTime.late
    assert timedelta(0) <= cal.classify(at(date(2026, 1, 5), 9), date(2026, 1, 2))[1]


def test_the_provincial_sample_closes_on_every_2026_day_off_and_opens_on_make_up_days() -> None:
    from contracts.hall_config import load_hall_config

    cfg = load_hall_config("config/provincial.toml")
    off_2026 = {d for d in NATIONAL_DAYS_OFF if d.year == 2026}
    make_up_2026 = {d for d in NATIONAL_MAKE_UP_DAYS if d.year == 2026}
    assert off_2026 <= set(cfg.hours.holidays)
    assert make_up_2026 <= set(cfg.hours.working_days) and cfg.hours.compensatory
