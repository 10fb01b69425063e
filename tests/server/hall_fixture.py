"""A hall over a fresh SQLite file with a fake clock, without HTTP: for engine-level tests."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

from sqlmodel import SQLModel

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config
from server.clock import FakeClock
from server.db.database import Database
from server.hall import Hall


def make_hall(start: datetime, cfg: HallConfig | None = None,
              folder: Path | None = None) -> Hall:
    folder = folder or Path(tempfile.mkdtemp(prefix="layso-hall-"))
    db = Database(f"sqlite:///{folder / 'hall.sqlite3'}")
    SQLModel.metadata.create_all(db.engine)
    hall = Hall(cfg or load_hall_config(DEFAULT_CONFIG), db, FakeClock(start))
    hall.setup(migrate=False)
    return hall
