"""Opening hours: is the hall taking tickets now, and if not, when does it open again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from contracts.hall_config import Hours, Interval
from server.engine.errors import AfterCutoff, HallClosed

_LOOKAHEAD_DAYS = 31


def _at(day: date, t: time, zone: ZoneInfo) -> datetime:
    if t == time.max:  # "24:00"
        return datetime.combine(day + timedelta(days=1), time.min, zone)
    return datetime.combine(day, t, zone)


@dataclass(frozen=True)
class Session:
    start: datetime
    end: datetime
    cutoff: datetime


def sessions(hours: Hours, day: date, zone: ZoneInfo) -> list[Session]:
    out = []
    for iv in hours.sessions_on(day):
        start, end = _at(day, iv.start, zone), _at(day, iv.end, zone)
        out.append(Session(start, end, end - timedelta(minutes=hours.cutoff_min)))
    return out




def local_day(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def current_session(hours: Hours, now: datetime, zone: ZoneInfo) -> Session | None:
    local = now.astimezone(zone)
    for day in (local.date() - timedelta(days=1), local.date()):
        for s in sessions(hours, day, zone):
            if s.start <= local < s.end:
                return s
    return None


def next_opening(hours: Hours, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The start of the next session after `now` (None if nothing in the next month)."""
    local = now.astimezone(zone)
    for offset in range(_LOOKAHEAD_DAYS):
        for s in sessions(hours, local.date() + timedelta(days=offset), zone):
            if s.start > local:
                return s.start
    return None


def is_open(hours: Hours, now: datetime, zone: ZoneInfo) -> bool:
    return current_session(hours, now, zone) is not None


def _when(dt: datetime | None, now: datetime, zone: ZoneInfo) -> tuple[str, str]:
    if dt is None:
        return "chưa có lịch mở cửa", "no opening is scheduled"
    local_now = now.astimezone(zone)
    if dt.date() == local_now.date():
        return f"lúc {dt:%H:%M} hôm nay", f"at {dt:%H:%M} today"
    if dt.date() == local_now.date() + timedelta(days=1):
        return f"lúc {dt:%H:%M} ngày mai", f"at {dt:%H:%M} tomorrow"
    return f"lúc {dt:%H:%M} ngày {dt:%d/%m/%Y}", f"at {dt:%H:%M} on {dt:%Y-%m-%d}"


def check_can_issue(hours: Hours, now: datetime, zone: ZoneInfo) -> Session:
    """The session a ticket issued now belongs to, or HallClosed / AfterCutoff saying when
    the hall takes tickets again."""
    s = current_session(hours, now, zone)
    if s is None:
        opens = next_opening(hours, now, zone)
        vi, en = _when(opens, now, zone)
        raise HallClosed(
            f"Ngoài giờ tiếp nhận. Trung tâm mở cửa {vi}. (The hall is closed; it opens "
            f"{en}.)", opens_at=opens.isoformat() if opens else None,
        )
    if now.astimezone(zone) >= s.cutoff:
        opens = next_opening(hours, s.end, zone)
        vi, en = _when(opens, now, zone)
        raise AfterCutoff(
            f"Đã hết giờ lấy số của buổi này (sau {s.cutoff:%H:%M}). Mời quay lại {vi}. "
            f"(No new tickets after {s.cutoff:%H:%M}; come back {en}.)",
            opens_at=opens.isoformat() if opens else None,
        )
    return s


def closing_of_day(hours: Hours, day: date, zone: ZoneInfo) -> datetime | None:
    """When the last session of `day` ends: what is left then expires."""
    items = sessions(hours, day, zone)
    return items[-1].end if items else None


__all__ = ["Interval", "Session", "check_can_issue", "closing_of_day", "current_session",
           "is_open", "local_day", "next_opening", "sessions"]
