"""HTTP request and response bodies of `/api/v1` (see docs/design.md, "Contracts")."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from contracts.ticket_view import TicketView


class Role(StrEnum):
    officer = "officer"
    manager = "manager"
    admin = "admin"


class DeviceKind(StrEnum):
    kiosk = "kiosk"
    display = "display"
    rating = "rating"
    keypad = "keypad"


class TicketState(StrEnum):
    waiting = "waiting"
    called = "called"
    serving = "serving"
    served = "served"
    no_show = "no_show"
    transferred = "transferred"
    cancelled = "cancelled"
    expired = "expired"


class CounterState(StrEnum):
    idle = "idle"
    called = "called"
    serving = "serving"
    paused = "paused"


class Outcome(StrEnum):
    """What became of the citizen's business at the counter."""

    received = "received"  # tiếp nhận hồ sơ
    returned = "returned"  # trả kết quả
    guidance = "guidance"  # hướng dẫn
    supplement = "supplement"  # yêu cầu bổ sung
    refused = "refused"  # từ chối
    transferred = "transferred"  # sent on to another service or counter


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorOut(BaseModel):
    detail: str = Field(description="what went wrong, in words a person can act on")
    error: str = Field(description="a stable machine-readable code")
    errors: list[dict] | None = None


class ServiceOut(BaseModel):
    code: str
    name: str
    name_en: str
    prefix: str
    waiting: int
    estimated_wait_s: int
    longest_wait_s: int = 0
    counters: list[int]
    open: bool = True
    result: bool = Field(default=False, description="the hall's dossier.result_service: the "
                         "kiosk reaches it by its 'Nhận kết quả hồ sơ' button, not as a service")


class TicketBrief(BaseModel):
    id: int
    number: str
    service: str
    priority: str | None = None
    state: TicketState
    issued_at: datetime


class CounterOut(BaseModel):
    number: int
    label: str
    name: str
    services: list[str]
    state: CounterState
    ticket: TicketBrief | None = None
    visit_id: int | None = None
    since: datetime | None = None
    pause_reason: str | None = None
    officer: str | None = None


class TicketIn(_In):
    service: str | None = Field(
        default=None, min_length=1, max_length=32, description="service code; may be left out "
        "when dossier_code is given, to collect a result"
    )
    priority: str | None = Field(default=None, max_length=32, description="priority group code")
    lang: str = Field(default="vi", pattern="^(vi|en)$")
    dossier_code: str | None = Field(
        default=None, max_length=64, description="a dossier receipt's code: routes the ticket "
        "to the service holding that dossier (trả kết quả)"
    )


class TicketOut(BaseModel):
    id: int
    number: str
    service: str
    issued_at: datetime
    waiting_ahead: int
    estimated_wait_s: int
    priority: str | None = None
    state: TicketState = TicketState.waiting
    view: TicketView


class LoginIn(_In):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)  # spaces count
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    counter: int | None = Field(default=None, ge=1)


class LoginOut(BaseModel):
    token: str
    username: str
    role: Role
    counter: int | None
    expires_at: datetime


class ReleaseOut(BaseModel):
    """A counter freed by a manager: who held it (None if nobody) and how many of their
    sessions bound to it were ended."""

    counter: int
    label: str
    officer: str | None
    sessions: int


class VisitOut(BaseModel):
    visit_id: int
    counter: int
    ticket: TicketBrief
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0


class FinishIn(_In):
    dossier_code: str | None = Field(default=None, max_length=64)
    outcome: Outcome | None = None
    due_date: date | None = Field(default=None, description="hẹn trả: when the result is due")


class FinishOut(BaseModel):
    visit_id: int
    ticket: TicketBrief
    dossier_code: str | None
    outcome: Outcome | None
    rating_open_until: datetime


class TransferIn(_In):
    service: str | None = Field(default=None, max_length=32)
    counter: int | None = Field(default=None, ge=1)
    reason: str | None = Field(default=None, max_length=200)


class PauseIn(_In):
    reason: str | None = Field(default=None, max_length=200)


class CallNumberIn(_In):
    number: str = Field(min_length=1, max_length=16)
    confirm: bool = Field(default=False, description="call it even though it is of a service "
                          "this counter does not serve, or was transferred to another counter "
                          "(without it: 409 `call_needs_confirm` saying which)")


class RatingIn(_In):
    score: int = Field(description="1 = lowest … top of the hall's scale")
    reason: str | None = Field(default=None, max_length=200)


class RatingOut(BaseModel):
    id: int
    visit_id: int
    score: int
    label: str
    label_en: str


class DeviceHealth(BaseModel):
    name: str
    kind: str
    counter: int | None = None
    online: bool | None = Field(description="None while the state is unknown")
    status: str = Field(description="ok, offline, paper_out, near_end, cover_open, unknown, …")
    detail: str = ""
    since: datetime | None = None


class DossierOut(BaseModel):
    """A dossier as the one-stop e-system reports it; never a name or an ID number."""

    code: str
    status: str = Field(description="processing, ready, returned, supplement, denied, "
                        "cancelled or unknown")
    status_text: str = Field(description="the status in plain Vietnamese")
    ready: bool = Field(description="the result waits at the return counter")
    procedure: str
    agency: str
    received_at: datetime | None
    due_at: datetime | None
    released_at: datetime | None


class ProcedureOut(BaseModel):
    code: str
    name: str
    field: str
    duration_text: str
    fee_text: str
    papers_text: str
