"""The tables. Times are stored in UTC; a ticket's `day` is the hall's local date.

The event log is append-only: reports and crash recovery read it, nothing updates it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from server.db.types import UTCDateTime


def _ts(**kw) -> Field:
    return Field(sa_column=Column(UTCDateTime(), **kw))


class HallState(SQLModel, table=True):
    """One row per hall: the event sequence and the day's open/closed mark.

    Every writing transaction locks this row first, so queue decisions and event numbers
    are serialised across processes (PostgreSQL) as they are by SQLite's single writer."""

    __tablename__ = "hall_state"
    hall: str = Field(primary_key=True, max_length=32)
    seq: int = 0
    day: date | None = None
    day_open: bool = False


class Service(SQLModel, table=True):
    __tablename__ = "service"
    code: str = Field(primary_key=True, max_length=16)
    name: str
    name_en: str
    prefix: str = ""


class Counter(SQLModel, table=True):
    __tablename__ = "counter"
    number: int = Field(primary_key=True)
    label: str
    name: str
    paused: bool = False
    pause_reason: str | None = None
    paused_at: datetime | None = _ts(nullable=True)
    current_visit_id: int | None = None
    officer_id: int | None = None


class NumberSeq(SQLModel, table=True):
    """The last number handed out per service and day; bumped in the ticket's transaction."""

    __tablename__ = "number_seq"
    day: date = Field(primary_key=True)
    service: str = Field(primary_key=True, max_length=16)
    last: int


QUEUED_WHERE = "state IN ('waiting', 'transferred') AND target_counter IS NULL"


class Ticket(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("day", "service_seq_key", "seq", name="uq_ticket_number"),
        Index("ix_ticket_queue", "day", "service", "state", "priority_rank", "id"),
        Index("ix_ticket_target", "day", "target_counter", "state"),
        Index("ix_ticket_day_number", "day", "number"),
        Index("ix_ticket_issued", "issued_at"),
        Index("ix_ticket_dossier", "dossier_code"),
        UniqueConstraint("device_id", "request_key", name="uq_ticket_request"),
        # The head of each service's queue without a sort: `next` reads the first row of
        # this index per service (transferred and not).
        Index("ix_ticket_lane", "day", "service", "transferred", "priority_rank", "id",
              sqlite_where=text(QUEUED_WHERE), postgresql_where=text(QUEUED_WHERE)),
    )
    id: int | None = Field(default=None, primary_key=True)
    day: date
    service: str = Field(max_length=16, description="where it waits now (changes on transfer)")
    service_seq_key: str = Field(max_length=16, description="the service that numbered it")
    seq: int
    number: str = Field(max_length=16)
    state: str = Field(max_length=16)
    priority: str | None = Field(default=None, max_length=32)
    priority_rank: int = 99
    transferred: bool = False
    target_counter: int | None = None
    issued_at: datetime = _ts(nullable=False)
    queued_at: datetime = _ts(nullable=False)
    closed_at: datetime | None = _ts(nullable=True)
    lang: str = "vi"
    device_id: int | None = None
    printed: bool | None = None
    print_error: str | None = None
    dossier_code: str | None = Field(default=None, max_length=64)
    request_key: str | None = Field(default=None, max_length=64, description="the kiosk's "
                                    "Idempotency-Key: a retried request gets the same ticket")


class Visit(SQLModel, table=True):
    """One ticket at one counter with one officer, from call to finish (or skip/transfer)."""

    __tablename__ = "visit"
    __table_args__ = (
        # (ticket_id, id): a ticket's first call is the first entry (the reports; the same
        # size as (ticket_id) alone on PostgreSQL, where the id is not in the index by itself)
        Index("ix_visit_ticket", "ticket_id", "id"),
        Index("ix_visit_called", "called_at"),
        Index("ix_visit_counter_called", "counter", "called_at"),
        Index("ix_visit_service_finished", "service", "finished_at"),
        Index("ix_visit_dossier", "dossier_code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int
    counter: int
    service: str = Field(max_length=16)
    officer_id: int | None = None
    status: str = Field(max_length=16, description="called, serving, finished, skipped, "
                        "transferred, expired")
    called_at: datetime = _ts(nullable=False)
    started_at: datetime | None = _ts(nullable=True)
    finished_at: datetime | None = _ts(nullable=True)
    recalls: int = 0
    dossier_code: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=16)
    due_date: date | None = None
    rating_until: datetime | None = _ts(nullable=True)
    transfer_reason: str | None = None


class Rating(SQLModel, table=True):
    __tablename__ = "rating"
    __table_args__ = (UniqueConstraint("visit_id", name="uq_rating_visit"),
                      Index("ix_rating_at", "at"))
    id: int | None = Field(default=None, primary_key=True)
    visit_id: int
    counter: int
    score: int
    reason: str | None = None
    at: datetime = _ts(nullable=False)
    device_id: int | None = None


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, max_length=64)
    full_name: str = ""
    role: str = Field(max_length=16)
    password_hash: str
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts(nullable=False)


class Device(SQLModel, table=True):
    __tablename__ = "device"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    kind: str = Field(max_length=16)
    counter: int | None = None
    token_hash: str = Field(unique=True, max_length=64)
    active: bool = True
    created_at: datetime = _ts(nullable=False)


class AuthToken(SQLModel, table=True):
    """A user's login: stored as a hash, bound to a counter for officers, expiring."""

    __tablename__ = "auth_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int
    counter: int | None = None
    created_at: datetime = _ts(nullable=False)
    expires_at: datetime = _ts(nullable=False)
    revoked: bool = False


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (Index("ix_event_at", "at"), Index("ix_event_type_at", "type", "at"))
    seq: int = Field(primary_key=True)
    hall: str = Field(max_length=32)
    type: str = Field(max_length=32)
    at: datetime = _ts(nullable=False)
    payload: str = Field(sa_column=Column(Text, nullable=False))
