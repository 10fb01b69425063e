"""Working time over the hall's legal calendar, for dossier deadlines (hẹn trả). Pure: no I/O.

The calendar is given in the shape of opening hours: a working day is a day with sessions
(days off have none, make-up working days have the `compensatory` sessions). Reports pass the
hall's legal calendar (`[calendar]`, `LegalCalendar.as_hours()`: Monday to Friday, national days
off and make-up days), never its opening hours: a Saturday morning opening is not a working day
for a time limit. One-stop systems count
a working day as 8 working hours; a hall whose sessions add up to 8 hours (07:30–11:30 and
13:00–17:00) counts wall-clock time inside its sessions. A day whose sessions are longer or
shorter (a hall open around the clock, a Saturday morning) still counts as one working day of
8 hours, spread evenly over its sessions, so "one working day" means the same everywhere.

Working durations are whole seconds (`worked` rounds down); positions are kept as exact
fractions, so `worked(t, add(t, d)) == d` for every whole-second `d`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from fractions import Fraction
from zoneinfo import ZoneInfo

from contracts.hall_config import Hours
from server.engine.hours import sessions

WORKING_DAY = timedelta(hours=8)
_US = 1_000_000
_SEARCH_DAYS = 3660  # ten years without a working day means the calendar is empty


class NoWorkingDays(ValueError):
    """The calendar has no working day where one is needed."""


class OnTime(StrEnum):
    """How a returned dossier stands against its due date."""

    early = "early"  # trước hạn: returned on a day before the due date
    on_time = "on_time"  # đúng hạn: on the due date, or up to the deadline it moves to
    late = "late"  # quá hạn: on a day after the deadline


@dataclass(frozen=True)
class _Day:
    spans: tuple[tuple[int, int], ...]  # sessions as UTC epoch microseconds [start, end)
    total: int  # microseconds of session time

    @property
    def working(self) -> bool:
        return self.total > 0


def _epoch_us(t: datetime) -> int:
    if t.tzinfo is None:
        raise ValueError("working time needs aware datetimes")
    delta = t.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * _US + delta.microseconds


def _from_us(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


class WorkCalendar:
    """Working-time arithmetic on one hall's calendar (`hours` in the hall's `zone`)."""

    def __init__(self, hours: Hours, zone: ZoneInfo, day: timedelta = WORKING_DAY) -> None:
        if day <= timedelta(0):
            raise ValueError("a working day must last more than zero")
        self.hours = hours
        self.zone = zone
        self.day_us = int(day / timedelta(microseconds=1))
        self._days: dict[date, _Day] = {}
        self._anchor: date | None = None
        self._before: list[int] = []  # working days in [anchor, anchor + i)

    # -- the calendar -------------------------------------------------------------------
    def _day(self, d: date) -> _Day:
        got = self._days.get(d)
        if got is None:
            spans = tuple((_epoch_us(s.start), _epoch_us(s.end))
                          for s in sessions(self.hours, d, self.zone))
            got = _Day(spans, sum(e - s for s, e in spans))
            self._days[d] = got
        return got

    def is_working_day(self, d: date) -> bool:
        return self._day(d).working

    def _index(self, d: date) -> int:
        """Working days in [anchor, d): only differences of two indexes are used."""
        if self._anchor is None or d < self._anchor:
            known = self._anchor + timedelta(days=len(self._before) - 1) if self._anchor else d
            self._anchor, self._before = d - timedelta(days=7), [0]
            self._extend(max(known, d))
        i = (d - self._anchor).days
        if i >= len(self._before):
            self._extend(d + timedelta(days=31))
        return self._before[i]

    def _extend(self, until: date) -> None:
        assert self._anchor is not None
        while len(self._before) <= (until - self._anchor).days:
            d = self._anchor + timedelta(days=len(self._before) - 1)
            self._before.append(self._before[-1] + (1 if self.is_working_day(d) else 0))

    def local_date(self, t: datetime) -> date:
        return t.astimezone(self.zone).date()

    def _pos(self, d: date, us: int) -> Fraction | int:
        """Working microseconds of day `d` done by the instant `us` (0 … day_us)."""
        day = self._day(d)
        if not day.working:
            return 0
        done = 0
        for start, end in day.spans:
            if us <= start:
                break
            done += min(us, end) - start
        if day.total == self.day_us:
            return done
        return Fraction(done * self.day_us, day.total)

    def _locate(self, d: date, pos: Fraction | int) -> int:
        """The earliest instant of working day `d` at which `pos` working µs are done."""
        day = self._day(d)
        need = pos if day.total == self.day_us else pos * day.total / self.day_us
        for start, end in day.spans:
            if need <= end - start:
                return start + math.ceil(need)
            need -= end - start
        return day.spans[-1][1]

    # -- arithmetic ---------------------------------------------------------------------
    def _worked_us(self, a: datetime, b: datetime) -> Fraction | int:
        da, db = self.local_date(a), self.local_date(b)
        ua, ub = _epoch_us(a), _epoch_us(b)
        if da == db:
            return self._pos(db, ub) - self._pos(da, ua)
        first = self._index(da)  # first: it may move the anchor back, never forward
        whole = self._index(db) - first
        return whole * self.day_us + self._pos(db, ub) - self._pos(da, ua)

    def worked(self, a: datetime, b: datetime) -> timedelta:
        """Working time from `a` to `b` in whole seconds (rounded towards zero); negative
        when `b` is before `a`."""
        if b < a:
            return -self.worked(b, a)
        seconds = math.floor(Fraction(self._worked_us(a, b), _US))
        return timedelta(seconds=seconds)

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The earliest instant by which `amount` of working time has passed since `start`
        (for `amount` of zero, `start` itself)."""
        if amount < timedelta(0):
            raise ValueError("add a positive amount of working time")
        remaining: Fraction | int = int(amount / timedelta(microseconds=1))
        if remaining == 0:
            return start
        d = self.local_date(start)
        here = self._pos(d, _epoch_us(start))
        for _ in range(_SEARCH_DAYS):
            if self.is_working_day(d):
                left = self.day_us - here
                if remaining <= left:
                    return _from_us(self._locate(d, here + remaining))
                remaining -= left
            d += timedelta(days=1)
            here = 0
        raise NoWorkingDays("the hall's calendar has no working day in the next ten years")

    def next_working_day(self, d: date) -> date:
        """`d` itself if it is a working day, else the first working day after it."""
        for i in range(_SEARCH_DAYS):
            if self.is_working_day(d + timedelta(days=i)):
                return d + timedelta(days=i)
        raise NoWorkingDays(f"no working day in the ten years after {d.isoformat()}")

    def add_working_days(self, d: date, n: int) -> date:
        """The working day `n` working days after `d` (a limit of n days received on `d`)."""
        if n < 0:
            raise ValueError("count forward: n must be zero or more")
        day = d
        for _ in range(n):
            day = self.next_working_day(day + timedelta(days=1))
        return day

    def deadline(self, due: date) -> datetime:
        """The end of the due date's working day. A due date that falls on a day off moves to
        the end of the next working day (Civil Code 2015, art. 148.5)."""
        day = self.next_working_day(due)
        return _from_us(self._day(day).spans[-1][1])

    def classify(self, returned_at: datetime, due: date) -> tuple[OnTime, timedelta]:
        """Before, on or after the due date, judged by the day of the return as one-stop
        systems class results (a return at 17:30 the day before is "trước hạn"), and the
        working-time margin (positive: before the deadline; negative: after it)."""
        margin = self.worked(returned_at, self.deadline(due))
        day = self.local_date(returned_at)
        if day > self.next_working_day(due):
            return OnTime.late, margin
        if day < due:
            return OnTime.early, margin
        return OnTime.on_time, margin
