"""The hall description (one TOML file), validated with pydantic.

Every process that needs to know the hall (server, kiosk screenshots, display samples,
simulators) reads the same file through `load_hall_config`, so it lives with the contracts.
Errors name the file, the key and what is wrong; `HallConfigError` carries them.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from contracts.citizens_config import Citizens, Notify
from contracts.vn_days_off import NATIONAL_DAYS_OFF, NATIONAL_MAKE_UP_DAYS

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# ASCII digits spelled out: `\d` would take any script's digits (contracts/dossier_code.py).
DEFAULT_DOSSIER_PATTERN = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3}-[0-9]{6}-[0-9]{4,}$"
DEFAULT_DOSSIER_EXAMPLE = "000.00.31.H12-250701-0001"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _parse_hhmm(value: str) -> time:
    if value == "24:00":
        return time.max
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
    if not m:
        raise ValueError(f"{value!r} is not a time of day like 07:30")
    return time(int(m.group(1)), int(m.group(2)))


class Interval(_Strict):
    """One opening session, e.g. 07:30–11:30. `24:00` closes at midnight."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise ValueError('an opening session is a pair like ["07:30", "11:30"]')
            return {"start": _parse_hhmm(str(value[0])), "end": _parse_hhmm(str(value[1]))}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.end <= self.start:
            raise ValueError(
                f"session ends ({self.end:%H:%M}) before it starts ({self.start:%H:%M})"
            )
        return self


class Hours(_Strict):
    """Opening hours per weekday; the gap between two sessions is the lunch break."""

    mon: list[Interval] = Field(default_factory=list)
    tue: list[Interval] = Field(default_factory=list)
    wed: list[Interval] = Field(default_factory=list)
    thu: list[Interval] = Field(default_factory=list)
    fri: list[Interval] = Field(default_factory=list)
    sat: list[Interval] = Field(default_factory=list)
    sun: list[Interval] = Field(default_factory=list)
    cutoff_min: int = Field(default=0, ge=0, le=240, description="no new tickets this many "
                            "minutes before each session closes")
    holidays: list[date] = Field(default_factory=list)
    working_days: list[date] = Field(default_factory=list, description="compensatory working "
                                     "days (a weekend day worked); they use `compensatory` hours")
    compensatory: list[Interval] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _every_day(cls, value: object) -> object:
        """`every_day = [...]` and `weekdays = [...]` are shorthands a technician expects."""
        if isinstance(value, dict):
            value = dict(value)
            every = value.pop("every_day", None)
            weekdays = value.pop("weekdays", None)
            for day in WEEKDAYS:
                if every is not None:
                    value.setdefault(day, every)
                if weekdays is not None and day not in ("sat", "sun"):
                    value.setdefault(day, weekdays)
            if "compensatory" not in value and weekdays is not None:
                value["compensatory"] = weekdays
        return value

    @model_validator(mode="after")
    def _no_overlap(self) -> Hours:
        for day in WEEKDAYS:
            sessions = getattr(self, day)
            for a, b in zip(sessions, sessions[1:], strict=False):
                if b.start < a.end:
                    raise ValueError(f"{day}: sessions overlap or are out of order")
        return self

    def sessions_on(self, day: date) -> list[Interval]:
        if day in self.holidays:
            return []
        if day in self.working_days:
            return list(self.compensatory)
        return list(getattr(self, WEEKDAYS[day.weekday()]))


def _legal_day() -> list[Interval]:
    return [Interval(start=time(7, 30), end=time(11, 30)),
            Interval(start=time(13, 0), end=time(17, 0))]


class LegalCalendar(_Strict):
    """The working-day calendar that dossier time limits count in (`[calendar]`).

    Independent of the opening hours: limits count Monday to Friday, minus the national days
    off, plus the official make-up Saturdays (`contracts/vn_days_off.py`, with their sources),
    whatever days the hall opens. A hall adds its own days (a year Layso does not carry yet, a
    provincial decision) with `days_off` and `make_up_days`.
    """

    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
        description="the legal working week")
    hours: list[Interval] = Field(default_factory=_legal_day, description="the hours of a "
                                  "working day, 8 hours in all, in which working time counts")
    national: bool = Field(default=True, description="count Vietnam's national days off and "
                           "make-up days that Layso carries")
    days_off: list[date] = Field(default_factory=list, description="more days off")
    make_up_days: list[date] = Field(default_factory=list, description="more official make-up "
                                     "working days (a weekend day worked)")

    @model_validator(mode="after")
    def _sane(self) -> LegalCalendar:
        if not self.weekdays:
            raise ValueError("weekdays: a legal week needs at least one working day")
        if not self.hours:
            raise ValueError("hours: a working day needs its hours")
        for a, b in zip(self.hours, self.hours[1:], strict=False):
            if b.start < a.end:
                raise ValueError("hours: sessions overlap or are out of order")
        both = sorted(set(self.days_off) & set(self.make_up_days))
        if both:
            raise ValueError(f"{both[0].isoformat()} is both a day off and a make-up day")
        return self

    def as_hours(self) -> Hours:
        """The calendar in the shape of opening hours, for the working-time arithmetic."""
        off = set(self.days_off) | (set(NATIONAL_DAYS_OFF) if self.national else set())
        make_up = set(self.make_up_days) | (set(NATIONAL_MAKE_UP_DAYS) if self.national
                                            else set())
        off -= set(self.make_up_days)  # the hall's own word wins over the national list
        make_up -= set(self.days_off)
        week = {day: list(self.hours) if day in self.weekdays else [] for day in WEEKDAYS}
        return Hours(**week, holidays=sorted(off), working_days=sorted(make_up),
                     compensatory=list(self.hours))


class Service(_Strict):
    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,16}$")]
    name: str = Field(min_length=1, description="Vietnamese name")
    name_en: str = Field(min_length=1)
    prefix: str = Field(default="", max_length=4, pattern=r"^[A-Z0-9]*$")
    first: int = Field(default=1, ge=0)
    last: int = Field(default=999, ge=1, le=999_999)
    daily_cap: int | None = Field(default=None, ge=1, description="tickets a day at most")
    avg_service_s: int = Field(default=300, ge=10, description="service time estimate before "
                               "the day has data")
    target_wait_s: int | None = Field(default=None, ge=60)
    remote: bool = Field(default=False, description="numbers taken from a phone")
    remote_daily_cap: int | None = Field(default=None, ge=1, description="remote numbers a day")

    @model_validator(mode="after")
    def _range(self) -> Service:
        if self.last < self.first:
            raise ValueError(f"number range {self.first}..{self.last} is empty")
        return self

    @property
    def width(self) -> int:
        return len(str(self.last))

    def format_number(self, seq: int) -> str:
        return f"{self.prefix}{seq:0{self.width}d}"


class Counter(_Strict):
    number: int = Field(ge=1)
    label: str = Field(default="", max_length=8, description="as shown and spoken, e.g. 5A")
    name: str = ""
    services: list[str] = Field(min_length=1, description="in order of preference")

    @model_validator(mode="after")
    def _defaults(self) -> Counter:
        if not self.label:
            object.__setattr__(self, "label", str(self.number))
        if not self.name:
            object.__setattr__(self, "name", f"Quầy {self.label}")
        return self


class PriorityGroup(_Strict):
    code: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]
    name: str
    name_en: str
    rank: int = Field(default=1, ge=1, description="1 is served first")


class RatingLevel(_Strict):
    score: int = Field(ge=1)
    name: str
    name_en: str
    low: bool = Field(default=False, description="ask for a reason")


DEFAULT_LOW_REASONS = (
    "Thái độ phục vụ chưa tốt",
    "Thời gian chờ đợi lâu",
    "Hướng dẫn chưa rõ ràng, đầy đủ",
    "Phải đi lại nhiều lần",
    "Trả kết quả chưa đúng hẹn",
)


def _default_levels() -> list[RatingLevel]:
    return [
        RatingLevel(score=1, name="Không hài lòng", name_en="Dissatisfied", low=True),
        RatingLevel(score=2, name="Hài lòng", name_en="Satisfied"),
        RatingLevel(score=3, name="Rất hài lòng", name_en="Very satisfied"),
    ]


class Rating(_Strict):
    window_s: int = Field(default=60, ge=5, le=3600)
    levels: list[RatingLevel] = Field(default_factory=_default_levels)
    # In the words of the criteria a one-stop office is rated on (Decree 61/2018/NĐ-CP, chapter
    # V, carried on by Decree 118/2025/NĐ-CP; the satisfaction index of Decision 766/QĐ-TTg):
    # the officer's attitude, the time it took, clear and complete guidance, how many times the
    # citizen had to come, a result on the day promised. docs/counter-panel.md names them.
    low_reasons: list[str] = Field(default_factory=lambda: list(DEFAULT_LOW_REASONS))

    @model_validator(mode="after")
    def _scale(self) -> Rating:
        scores = [lv.score for lv in self.levels]
        if scores != list(range(1, len(scores) + 1)):
            raise ValueError("rating levels must have scores 1, 2, … in order, lowest first")
        return self

    def level(self, score: int) -> RatingLevel | None:
        return next((lv for lv in self.levels if lv.score == score), None)


class Dossier(_Strict):
    pattern: str = DEFAULT_DOSSIER_PATTERN
    example: str = DEFAULT_DOSSIER_EXAMPLE
    result_service: str | None = Field(default=None, description="where a scanned receipt goes "
                                       "when no visit received it here")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class ESystem(_Strict):
    """The link to the province's one-stop e-system (`[esystem]`), where dossiers live.

    `none` keeps the hall on its own: codes are typed and checked against the pattern only.
    The password is given inline or, better, as the name of an environment variable, so the
    hall file can be shared without the secret; it never appears in logs or pages.
    """

    kind: Literal["none", "opencps", "dvcqg"] = "none"
    url: str = Field(default="", description="the e-system's base URL, e.g. https://dvc.example.vn")
    group_id: str = Field(default="", description="OpenCPS site group (the `groupId` header)")
    username: str = ""
    password: str = Field(default="", repr=False)
    password_env: str = Field(default="", description="environment variable holding the password")
    agency_code: str = Field(default="", description="the national portal's unit code "
                             "(`madonvi`), for `dvcqg`")
    catalog: str = Field(default="", description="a CSV or JSON file of procedures, for halls "
                         "without a link or to replace the e-system's catalog")
    timeout_s: float = Field(default=3.0, gt=0, le=3.0, description="an answer later than this "
                             "is treated as the e-system being down")
    kiosk_lookups_per_minute: int = Field(default=60, ge=1, description="dossier lookups a "
                                          "minute one kiosk may send (a stuck scanner must "
                                          "not hammer the province's system)")

    @model_validator(mode="after")
    def _linked(self) -> ESystem:
        if self.kind != "none" and not self.url:
            raise ValueError(f"url: kind {self.kind!r} needs the e-system's url")
        if self.password and self.password_env:
            raise ValueError("give password or password_env, not both")
        return self

    def secret(self) -> str:
        """The password, read from the environment when `password_env` names a variable."""
        import os

        return os.environ.get(self.password_env, "") if self.password_env else self.password


class Queue(_Strict):
    max_recalls: int = Field(default=3, ge=0, description="recalls before skip is forced")
    transferred_first: bool = Field(default=True, description="a transferred citizen has "
                                    "waited once already")
    kiosk_per_minute: int = Field(default=30, ge=1, description="tickets a minute per kiosk")
    show_on_screen_when_no_paper: bool = True


class Device(_Strict):
    """A device wired to the server (the hardware issue fills in the drivers)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str
    kind: Literal["led_panel", "led_board", "keypad", "rating_box", "modbus_display", "printer"]
    port: str = Field(description="serial path or URL (e.g. /dev/ttyUSB0, socket://h:p, tcp://…)")
    address: int = Field(default=1, ge=0, le=247)
    counter: int | None = Field(default=None, ge=1)
    baud: int = 9600


class HallSection(_Strict):
    code: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")] = "hall"
    name: str
    name_en: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    public_url: str = "http://127.0.0.1:8000"
    notices: list[str] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (try Asia/Ho_Chi_Minh)") from exc
        return value


class HallConfig(_Strict):
    hall: HallSection
    services: list[Service] = Field(min_length=1)
    counters: list[Counter] = Field(min_length=1)
    priority_groups: list[PriorityGroup] = Field(default_factory=list)
    hours: Hours
    calendar: LegalCalendar = Field(default_factory=LegalCalendar)
    rating: Rating = Field(default_factory=Rating)
    dossier: Dossier = Field(default_factory=Dossier)
    queue: Queue = Field(default_factory=Queue)
    esystem: ESystem = Field(default_factory=ESystem)
    devices: list[Device] = Field(default_factory=list)
    notify: Notify = Field(default_factory=Notify)
    citizens: Citizens = Field(default_factory=Citizens)

    @model_validator(mode="after")
    def _cross_refs(self) -> HallConfig:
        codes = [s.code for s in self.services]
        _unique("services", "code", codes)
        _unique("counters", "number", [c.number for c in self.counters])
        _unique("counters", "label", [c.label for c in self.counters])
        _unique("priority_groups", "code", [p.code for p in self.priority_groups])
        _unique("devices", "name", [d.name for d in self.devices])
        for i, counter in enumerate(self.counters):
            for code in counter.services:
                if code not in codes:
                    raise ValueError(
                        f"counters[{i}].services: counter {counter.number} serves unknown "
                        f"service {code!r} (known: {', '.join(codes)})"
                    )
        served = {code for c in self.counters for code in c.services}
        for i, service in enumerate(self.services):
            if service.code not in served:
                raise ValueError(f"services[{i}]: no counter serves {service.code!r}")
        numbers = {c.number for c in self.counters}
        for i, device in enumerate(self.devices):
            if device.counter is not None and device.counter not in numbers:
                raise ValueError(f"devices[{i}].counter: no counter {device.counter}")
        if self.dossier.result_service and self.dossier.result_service not in codes:
            raise ValueError(f"dossier.result_service: unknown service "
                             f"{self.dossier.result_service!r}")
        return self

    # Lookups used everywhere; small lists, so a scan is fine.
    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def counter(self, number: int) -> Counter | None:
        return next((c for c in self.counters if c.number == number), None)

    def priority_group(self, code: str) -> PriorityGroup | None:
        return next((p for p in self.priority_groups if p.code == code), None)

    def counters_for(self, service: str) -> list[Counter]:
        return [c for c in self.counters if service in c.services]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.hall.timezone)


def _unique(section: str, key: str, values: list) -> None:
    seen: set = set()
    for i, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{section}[{i}].{key}: {value!r} appears twice")
        seen.add(value)


class HallConfigError(Exception):
    """A hall file that cannot be used; `str()` is the message a technician reads."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems) if len(problems) == 1 else
                         f"{path}:\n" + "\n".join(f"  - {p}" for p in problems))


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def parse_hall_config(data: dict, path: Path | str = "<hall>") -> HallConfig:
    try:
        return HallConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = _loc(err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (a typo?)"
            elif err["type"] == "missing":
                msg = "required key is missing"
            problems.append(f"{key}: {msg}" if key else msg)
        raise HallConfigError(path, problems) from None


def load_hall_config(path: Path | str) -> HallConfig:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HallConfigError(path, [f"cannot read the file: {exc.strerror}"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise HallConfigError(path, ["the file is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise HallConfigError(path, [f"not valid TOML: {exc}"]) from None
    return parse_hall_config(data, path)


DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "demo.toml"
