"""A past day read back from a hall's database: when tickets were issued, and how long the
finished visits took. Read-only: the simulator never writes to a database it replays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from contracts.hall_config import HallConfig


class HistoryError(Exception):
    """The past day cannot be read; `str()` says why and what to try."""


@dataclass
class PastDay:
    day: date
    # (seconds after local midnight, the service that numbered it, priority group)
    tickets: list[tuple[float, str, str | None]] = field(default_factory=list)
    # finished visits' service time (finish minus start, or minus call), per service
    service_times: dict[str, list[float]] = field(default_factory=dict)


def load_past_day(db_url: str, cfg: HallConfig, day: date) -> PastDay:
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import select

    from server.db.database import Database
    from server.db.models import Ticket, Visit

    zone = cfg.zone
    midnight = datetime.combine(day, time.min, zone)
    lo = midnight.astimezone(UTC)
    hi = (midnight + timedelta(days=1)).astimezone(UTC)
    from sqlalchemy.engine import make_url

    from server.db.database import normalise_url

    try:
        url = make_url(normalise_url(db_url))
    except Exception as exc:  # not a URL at all
        raise HistoryError(f"{db_url!r} is not a database URL (sqlite:///FILE or "
                           f"postgresql://…): {exc}") from None
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise HistoryError(f"cannot read {db_url}: there is no such database file")
    try:
        db = Database(db_url)
    except Exception as exc:  # a missing driver
        raise HistoryError(f"cannot open the database {db_url!r}: {exc}") from None
    try:
        tickets = db.read(lambda s: s.exec(
            select(Ticket.issued_at, Ticket.service_seq_key, Ticket.priority)
            .where(Ticket.day == day).order_by(Ticket.id)).all())
        visits = db.read(lambda s: s.exec(
            select(Visit.service, Visit.called_at, Visit.started_at, Visit.finished_at)
            .where(Visit.status == "finished", Visit.called_at >= lo, Visit.called_at < hi,
                   Visit.finished_at.is_not(None))).all())
    except SQLAlchemyError as exc:
        first = str(exc).splitlines()[0]
        hint = " (is it a Layso database?)" if "table" in first or "relation" in first else ""
        raise HistoryError(f"cannot read tickets of {day} from {db_url}: {first}{hint}") \
            from None
    finally:
        db.dispose()
    past = PastDay(day)
    for issued_at, service, priority in tickets:
        local = issued_at.astimezone(zone)
        past.tickets.append(((local - midnight).total_seconds(), service, priority))
    for service, called, started, finished in visits:
        seconds = (finished - (started or called)).total_seconds()
        if seconds > 0:
            past.service_times.setdefault(service, []).append(seconds)
    if not past.tickets:
        raise HistoryError(f"no tickets on {day} in {db_url}: pick a day the hall was open "
                           "(`layso report --date D` shows a day's figures)")
    return past
