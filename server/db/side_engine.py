"""A small engine of its own beside a hall's `Database`, made on first use and disposed with it.

The rate limits and the outbox commit single statements off the hall's single writer; each
needs its own pool with its own settings, opened lazily and closed when the database is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.engine import Engine

from server.db.database import Database


class SideEngine:
    def __init__(self, db: Database, make: Callable[[], Engine]) -> None:
        self._make = make
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        db.on_dispose.append(self.dispose)

    def get(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = self._make()
            return self._engine

    def dispose(self) -> None:
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()
