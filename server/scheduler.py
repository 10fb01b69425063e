"""The hall's clockwork: APScheduler 3, one per deployment, started in the app's lifespan.

Every minute, on the minute in the hall's zone, `housekeeping` opens the day, expires what is
left at closing and so resets the numbering (numbers are keyed by the local day). It is
idempotent and catches up after downtime, so a missed run costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from server.hall import Hall

log = logging.getLogger("layso.scheduler")


def _tick(hall: Hall) -> None:
    try:
        hall.housekeeping()
    except Exception:  # next minute tries again
        log.exception("housekeeping failed")


def start_scheduler(hall: Hall) -> AsyncIOScheduler:
    sched = AsyncIOScheduler(timezone=hall.cfg.zone)
    # A thread-pool executor (the default) keeps database work off the event loop.
    sched.add_job(_tick, "cron", second=0, args=[hall], id="housekeeping",
                  max_instances=1, coalesce=True, misfire_grace_time=55)
    sched.start()
    return sched


class SchedulerLeader:
    """Exactly one scheduler per deployment. On SQLite there is one server process; on
    PostgreSQL the process holding the advisory lock runs it, and the others try again every
    `retry_s` seconds, so a dead leader is replaced within that time."""

    def __init__(self, hall: Hall, retry_s: float = 15.0) -> None:
        self.hall = hall
        self.retry_s = retry_s
        self.scheduler: AsyncIOScheduler | None = None
        self._task: asyncio.Task | None = None
        self._leader = None

    @property
    def running(self) -> bool:
        return self.scheduler is not None

    async def start(self) -> None:
        if self.hall.db.is_sqlite:
            self.scheduler = start_scheduler(self.hall)
            return
        from server.fanout import AdvisoryLeader, lock_key

        self._leader = AdvisoryLeader(self.hall.db.url, lock_key(f"scheduler:{self.hall.code}"),
                                      "scheduler")
        self._task = asyncio.create_task(self._campaign(), name="scheduler-leader")

    async def _campaign(self) -> None:
        while self.scheduler is None:
            try:
                if await self._leader.try_acquire():
                    log.info("this process runs the hall's scheduler")
                    self.scheduler = start_scheduler(self.hall)
                    return
            except Exception as exc:
                log.warning("scheduler lock: %s", exc)
            await asyncio.sleep(self.retry_s)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        if self._leader is not None:
            await self._leader.release()
