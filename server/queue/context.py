"""One writing transaction of the hall: session, config, clock reading, events caused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from contracts.hall_config import HallConfig
from server.engine.hours import local_day


@dataclass
class Tx:
    s: Session
    cfg: HallConfig
    now: datetime
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def today(self) -> date:
        return local_day(self.now, self.cfg.zone)

    def emit(self, type_: str, **fields: Any) -> None:
        self.events.append({"type": type_, "at": self.now.isoformat(), **fields})


def day_start(tx: Tx) -> datetime:
    """The start of the hall's local day (`tx.today`), in UTC: the lower bound that keeps a
    query on today's rows, however much history the tables hold."""
    local = tx.now.astimezone(tx.cfg.zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
