"""The stretch of days a report covers: a day, an ISO week, a calendar month or a range.

Days are the hall's local dates (a ticket's `day`), inclusive at both ends.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

MAX_DAYS = 366


class PeriodKind(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    range = "range"


class PeriodError(ValueError):
    """A period a person asked for that cannot be reported; the text says what to change."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    kind: PeriodKind = PeriodKind.range

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def label(self, lang: str = "vi") -> str:
        if lang == "vi":
            if self.start == self.end:
                return f"ngày {self.start:%d/%m/%Y}"
            return f"từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def slug(self) -> str:
        """For file names: `2026-04-28` or `2026-04-27_2026-05-03`."""
        if self.start == self.end:
            return self.start.isoformat()
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


def make_period(kind: str | PeriodKind = PeriodKind.day, on: date | None = None,
                start: date | None = None, end: date | None = None) -> Period:
    """`kind` day/week/month around the date `on`, or a range `start`…`end`."""
    try:
        kind = PeriodKind(kind)
    except ValueError:
        raise PeriodError(f"Kỳ báo cáo {kind!r} không hợp lệ: chọn ngày (`day`), tuần "
                          f"(`week`), tháng (`month`) hoặc khoảng ngày (`range`). "
                          f"(Unknown period {kind!r}; use day, week, month or range.)") from None
    if kind == PeriodKind.range or (start is not None and on is None):
        if start is None:
            raise PeriodError("Hãy chọn ngày bắt đầu (from). (Give the first day: from.)")
        end = end or start
        if end < start:
            raise PeriodError(f"Ngày kết thúc {end:%d/%m/%Y} trước ngày bắt đầu "
                              f"{start:%d/%m/%Y}. (The range ends before it starts.)")
        p = Period(start, end, PeriodKind.day if start == end else PeriodKind.range)
    else:
        if on is None:
            raise PeriodError("Hãy chọn ngày báo cáo (date). (Give the report's date.)")
        if kind == PeriodKind.day:
            p = Period(on, on, kind)
        elif kind == PeriodKind.week:
            monday = on - timedelta(days=on.weekday())
            p = Period(monday, monday + timedelta(days=6), kind)
        else:
            last = calendar.monthrange(on.year, on.month)[1]
            p = Period(on.replace(day=1), on.replace(day=last), kind)
    if p.days > MAX_DAYS:
        raise PeriodError(f"Khoảng {p.days} ngày quá dài; tối đa {MAX_DAYS} ngày mỗi báo cáo. "
                          f"(A report covers at most {MAX_DAYS} days; this range has "
                          f"{p.days}.)")
    return p
