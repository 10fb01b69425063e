"""The hall's clockwork: APScheduler 3, one per deployment, started in the app's lifespan.

Every minute, on the minute in the hall's zone, `housekeeping` opens the day, expires what is
left at closing and so resets the numbering (numbers are keyed by the local day). It is
idempotent and catches up after downtime, so a missed run costs nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from server.db.faults import StoreUnavailable
from server.hall import Hall

log = logging.getLogger("layso.scheduler")


def _housekeeping(hall: Hall) -> None:
    try:
        hall.housekeeping()
    except StoreUnavailable:  # logged (throttled) by the database; next minute tries again
        pass
    except Exception:  # next minute tries again
        log.exception("housekeeping failed")
    if hall.limits is not None:
        try:  # expired rate-limit windows, a bounded batch a minute, off the hall's writer
            hall.limits.prune()
        except StoreUnavailable:
            pass
        except Exception:
            log.exception("pruning rate limits failed")


async def _tick(hall: Hall) -> None:
    await asyncio.to_thread(_housekeeping, hall)


def start_scheduler(hall: Hall,
                    tick: Callable[[], Awaitable[None]] | None = None) -> AsyncIOScheduler:
    """The minute's housekeeping; `tick` (a coroutine function) replaces the plain run (the
    leader's, which checks it still holds its lock first). The database work runs in a worker
    thread, off the event loop."""
    sched = AsyncIOScheduler(timezone=hall.cfg.zone)
    job, args = (tick, []) if tick is not None else (_tick, [hall])
    sched.add_job(job, "cron", second=0, args=args, id="housekeeping",
                  max_instances=1, coalesce=True, misfire_grace_time=55)
    sched.start()
    return sched


class SchedulerLeader:
    """Exactly one scheduler per deployment. On SQLite there is one server process; on
    PostgreSQL the process holding the advisory lock runs it, and the others try again every
    `retry_s` seconds, so a dead leader is replaced within that time.

    The lock lives on a connection of its own, and that connection can die while the process
    lives (the database restarted, `pg_terminate_backend`): the lock is then free and another
    process takes it. So the leader checks every `check_s` seconds, and again before every
    run, that it still holds the lock; once it does not, it stops its scheduler at once and
    campaigns like the others. Whoever holds the lock runs the job; nobody else does."""

    def __init__(self, hall: Hall, retry_s: float = 15.0, check_s: float = 5.0) -> None:
        self.hall = hall
        self.retry_s = retry_s
        self.check_s = check_s
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
        while True:
            try:
                if self.scheduler is None:
                    if await self._leader.try_acquire():
                        log.info("this process runs the hall's scheduler")
                        self.scheduler = start_scheduler(self.hall, self.tick)
                elif not await self._leader.held():
                    self._lost()
                    continue  # campaign again at once: the lock may be free
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("scheduler lock: %s", exc)
            await asyncio.sleep(self.check_s if self.scheduler is not None else self.retry_s)

    async def tick(self) -> None:
        """The leader's run: only while it still holds the lock."""
        if not await self._leader.held():
            self._lost()
            return
        await _tick(self.hall)

    def _lost(self) -> None:
        if self.scheduler is None:
            return
        sched, self.scheduler = self.scheduler, None
        sched.shutdown(wait=False)
        log.warning("lost the scheduler's lock (its connection to PostgreSQL ended); this "
                    "process no longer runs the hall's scheduler")

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
