"""One writing transaction of the hall: session, config, clock reading, events caused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
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
