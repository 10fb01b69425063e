"""The tables. Times are stored in UTC; a ticket's `day` is the hall's local date.

The event log is append-only: reports and crash recovery read it, nothing updates it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import DDL, Column, Index, Text, UniqueConstraint, event, text
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


def queued(row: str = "") -> str:
    """The one SQL spelling of "queued" (the engine's `QUEUED` states), for `row` ("NEW.",
    "OLD." in a trigger). Literal values: SQLite matches a partial index only against the
    same literal condition."""
    return f"{row}state IN ('waiting', 'transferred')"


QUEUED_STATE = queued()
QUEUED_WHERE = f"{QUEUED_STATE} AND target_counter IS NULL"
# Not in a final state (served, no_show, cancelled, expired): the tickets housekeeping closes.
OPEN_STATE = "state NOT IN ('served', 'no_show', 'cancelled', 'expired')"


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
        # Only the tickets not yet in a final state (today's, once housekeeping has run):
        # the minute's housekeeping finds what to expire here, not in a year of history.
        # (`state` makes it cover that query: SQLite prefers it even with no statistics.)
        Index("ix_ticket_open", "day", "state", sqlite_where=text(OPEN_STATE),
              postgresql_where=text(OPEN_STATE)),
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


class QueueCount(SQLModel, table=True):
    """How many tickets are queued, per day, service, priority class and whether sent to
    one counter: the waiting count and the people ahead of a new ticket read these few rows
    instead of counting the queue (a ticket costs the same with 10 or 5,000 waiting).

    Kept by triggers on `ticket` (`queue_count_ddl`), so every move in or out of the queue
    (issue, call, transfer, cancel, requeue, expiry, any path written later) keeps it in step,
    in the same transaction, undone with it; nothing in Python maintains it."""

    __tablename__ = "queue_count"
    day: date = Field(primary_key=True)
    service: str = Field(primary_key=True, max_length=16)
    priority_rank: int = Field(primary_key=True)
    targeted: bool = Field(primary_key=True, description="sent to one counter")
    n: int = 0


_KEY = ("day", "service", "priority_rank", "targeted")


def _key_of(row: str) -> str:
    return (f"{row}day, {row}service, {row}priority_rank, "
            f"{row}target_counter IS NOT NULL")


def _match(row: str) -> str:
    return (f"day = {row}day AND service = {row}service AND priority_rank = "
            f"{row}priority_rank AND targeted = ({row}target_counter IS NOT NULL)")


_ADD = (f"INSERT INTO queue_count ({', '.join(_KEY)}, n) SELECT {_key_of('NEW.')}, 1 "
        f"WHERE {queued('NEW.')} ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
        "n = queue_count.n + 1")
_TAKE = f"UPDATE queue_count SET n = n - 1 WHERE {queued('OLD.')} AND {_match('OLD.')}"
# The columns that decide whether, and where, a ticket is counted.
_MOVED = "state, day, service, priority_rank, target_counter"


def queue_count_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers keeping `queue_count` (SQLite or
    PostgreSQL). A row trigger costs a few microseconds, and only on a move in or out of
    the queue (the WHEN clauses)."""
    either = f"{queued('OLD.')} OR {queued('NEW.')}"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER ticket_queue_in AFTER INSERT ON ticket WHEN {queued('NEW.')} "
            f"BEGIN {_ADD}; END",
            f"CREATE TRIGGER ticket_queue_out AFTER DELETE ON ticket WHEN {queued('OLD.')} "
            f"BEGIN {_TAKE}; END",
            f"CREATE TRIGGER ticket_queue_move AFTER UPDATE OF {_MOVED} ON ticket "
            f"WHEN {either} BEGIN {_TAKE}; {_ADD}; END",
        ]
    if dialect == "postgresql":
        return [
            "CREATE FUNCTION ticket_queue_count() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN IF TG_OP <> 'INSERT' THEN {_TAKE}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {_ADD}; END IF; RETURN NULL; END $$",
            "CREATE TRIGGER ticket_queue_in AFTER INSERT ON ticket FOR EACH ROW "
            f"WHEN ({queued('NEW.')}) EXECUTE FUNCTION ticket_queue_count()",
            "CREATE TRIGGER ticket_queue_out AFTER DELETE ON ticket FOR EACH ROW "
            f"WHEN ({queued('OLD.')}) EXECUTE FUNCTION ticket_queue_count()",
            f"CREATE TRIGGER ticket_queue_move AFTER UPDATE OF {_MOVED} ON ticket FOR EACH "
            f"ROW WHEN ({either}) EXECUTE FUNCTION ticket_queue_count()",
        ]
    raise ValueError(f"no queue_count triggers for {dialect}")


def _create_queue_count_triggers(target, connection, **kw) -> None:
    """`create_all` (the tests' halls) gets the triggers the migration creates."""
    for stmt in queue_count_ddl(connection.dialect.name):
        connection.execute(DDL(stmt.replace("%", "%%")))


class Visit(SQLModel, table=True):
    """One ticket at one counter with one officer, from call to finish (or skip/transfer)."""

    __tablename__ = "visit"
    __table_args__ = (
        # (ticket_id, id): a ticket's first call is the first entry (the reports; the same
        # size as (ticket_id) alone on PostgreSQL, where the id is not in the index by itself)
        Index("ix_visit_ticket", "ticket_id", "id"),
        Index("ix_visit_called", "called_at"),
        Index("ix_visit_counter_called", "counter", "called_at"),
        # a counter's latest finished visits (the one a rating box may still rate)
        Index("ix_visit_counter_finished", "counter", "finished_at"),
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


class RateLimit(SQLModel, table=True):
    """A limit's current window for one subject (a kiosk, a sign-in address), shared by every
    server process on the database (`server/ratelimit.py`). `window_start` is Unix time in
    seconds: the window opened at the subject's first hit after the previous one ended."""

    __tablename__ = "rate_limit"
    __table_args__ = (Index("ix_rate_limit_window", "window_start"),)
    name: str = Field(primary_key=True, max_length=16)
    subject: str = Field(primary_key=True, max_length=64)
    window_start: float
    hits: int


class Outbox(SQLModel, table=True):
    """A message to a citizen, written in the transaction of the fact that causes it (an OTP
    asked for, a remote ticket taken) and sent later by the one sender of the deployment
    (`server/outbox/`). `next_try_at` is also the claim's lease: a claimed row is due again
    only once its lease has run out (the sender died mid-send). Sent: `sent_at`; given up:
    neither `sent_at` nor `next_try_at`. `dedupe_key` makes a fact's message one row however
    often the fact's request is retried, and is the gateway's idempotency key."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "next_try_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16, description="otp, booking, reminder, turn_near, …")
    channel: str = Field(max_length=16, description="what `recipient` is: phone (E.164)")
    recipient: str = Field(max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _ts(nullable=False)
    attempts: int = 0
    next_try_at: datetime | None = _ts(nullable=True)
    sent_at: datetime | None = _ts(nullable=True)
    last_error: str | None = Field(default=None, max_length=300)
    dedupe_key: str = Field(unique=True, max_length=64)


class OtpCode(SQLModel, table=True):
    """The one-time code last sent to a phone (E.164), hashed with a salt of its own; removed
    when used, replaced by the next code. `tries` wrong answers lock the phone until
    `locked_until` (`server/citizens/otp.py`)."""

    __tablename__ = "otp_code"
    __table_args__ = (Index("ix_otp_code_expires", "expires_at"),)
    phone: str = Field(primary_key=True, max_length=16)
    salt: str = Field(max_length=32)
    code_hash: str | None = Field(default=None, max_length=64)
    expires_at: datetime = _ts(nullable=False)
    tries: int = 0
    locked_until: datetime | None = _ts(nullable=True)


class RemoteTicket(SQLModel, table=True):
    """A ticket taken from a phone: the per-phone and per-service limits count these rows.
    `phone` is erased once `citizens.keep_phone_days` have ended after `day`; nothing public
    reads this table."""

    __tablename__ = "remote_ticket"
    __table_args__ = (Index("ix_remote_ticket_day_phone", "day", "phone"),
                      Index("ix_remote_ticket_day_service", "day", "service"))
    ticket_id: int = Field(primary_key=True)
    day: date
    service: str = Field(max_length=16)
    phone: str | None = Field(default=None, max_length=16)
    created_at: datetime = _ts(nullable=False)


class Event(SQLModel, table=True):
    __tablename__ = "event"
    __table_args__ = (Index("ix_event_at", "at"), Index("ix_event_type_at", "type", "at"))
    seq: int = Field(primary_key=True)
    hall: str = Field(max_length=32)
    type: str = Field(max_length=32)
    at: datetime = _ts(nullable=False)
    payload: str = Field(sa_column=Column(Text, nullable=False))


event.listen(Ticket.__table__, "after_create", _create_queue_count_triggers)
