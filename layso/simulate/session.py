"""A simulated day from start to end: the plan (demand, service times, behaviour), a server
(the simulator's own, or one given by URL), the drive, the summary. The demo and the
benchmark use these functions; the CLI is a thin layer over them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from contracts.hall_config import HallConfig
from layso.simulate.accounts import Accounts
from layso.simulate.api import HallAPI, ServerError
from layso.simulate.arrivals import poisson_arrivals, replay_arrivals
from layso.simulate.driver import (
    DayPlan,
    DayResult,
    HandoverHook,
    Pacing,
    Progress,
    TicketHook,
    drive,
)
from layso.simulate.officers import Behaviour
from layso.simulate.profile import (
    daily_capacity,
    load_profile,
    open_sessions,
    profile_per_day,
)
from layso.simulate.service_times import DEFAULT_CV, EmpiricalTimes, LognormalTimes

DEFAULT_LOAD = 0.85  # without a demand, a day at this share of the hall's capacity


@dataclass
class Demand:
    """Where the citizens come from: a total for the day, a profile file, or a past day."""

    per_day: float | None = None
    profile: Path | None = None
    replay_db: str | None = None
    replay_date: date | None = None


@dataclass
class BuiltPlan:
    plan: DayPlan
    notes: list[str] = field(default_factory=list)  # what was assumed, for the header


def next_open_day(cfg: HallConfig, start: date) -> date:
    for offset in range(366):
        day = start + timedelta(days=offset)
        if open_sessions(cfg, day):
            return day
    raise ValueError("the hall opens on no day in the coming year: check [hours]")


def closing(cfg: HallConfig, day: date) -> datetime:
    """When the hall's last session on `day` ends (an aware local time)."""
    last = open_sessions(cfg, day)[-1].end
    return datetime.combine(day, time.min, cfg.zone) + timedelta(seconds=last)


def current_or_next_day(cfg: HallConfig, now: datetime) -> date:
    """The hall's day going on at `now`, or the next one if today's has closed."""
    today = now.astimezone(cfg.zone).date()
    if open_sessions(cfg, today) and now < closing(cfg, today):
        return today
    return next_open_day(cfg, today + timedelta(days=1))


def opening(cfg: HallConfig, day: date) -> datetime:
    """When the hall opens on `day` (an aware local time)."""
    first = open_sessions(cfg, day)[0].start
    return datetime.combine(day, time.min, cfg.zone) + timedelta(seconds=first)


def build_plan(cfg: HallConfig, day: date, demand: Demand, *, seed: int | str = 0,
               behaviour: Behaviour | None = None, cv: float = DEFAULT_CV,
               learn_times: bool | None = None) -> BuiltPlan:
    """The day's citizens and service times. `learn_times` (default: when replaying) takes
    service times from the past day's finished visits instead of the hall file's means."""
    if not open_sessions(cfg, day):
        raise ValueError(f"{cfg.hall.code} is closed on {day} (weekend, holiday or no hours); "
                         f"the next open day is {next_open_day(cfg, day)}")
    notes: list[str] = []
    times = LognormalTimes.from_config(cfg, cv)
    times_note = f"service times: lognormal, the hall file's means, CV {cv}"
    if demand.replay_db:
        from layso.simulate.history import load_past_day

        past_day = demand.replay_date or day
        past = load_past_day(demand.replay_db, cfg, past_day)
        replayed = replay_arrivals(past.tickets, cfg, day)
        arrivals = replayed.arrivals
        notes.append(f"arrivals: {len(arrivals)} tickets replayed from {past_day}")
        if replayed.dropped_service or replayed.dropped_hours:
            notes.append(f"  left out: {replayed.dropped_service} of services no longer in "
                         f"the hall, {replayed.dropped_hours} outside {day}'s ticket hours")
        if learn_times is None or learn_times:
            learned = EmpiricalTimes.learn(past.service_times, times)
            times = learned
            times_note = (f"service times: resampled from {past_day}'s finished visits for "
                          f"{', '.join(sorted(learned.learned)) or 'no service'}; the hall "
                          "file's means elsewhere")
    else:
        if demand.profile is not None:
            profile = load_profile(demand.profile, cfg, day)
            source = f"profile {demand.profile}"
        else:
            per_day = demand.per_day
            if per_day is None:
                per_day = round(DEFAULT_LOAD * daily_capacity(cfg, day))
                source = (f"{per_day} expected ({DEFAULT_LOAD:.0%} of what the counters can "
                          "serve at the hall file's means)")
            else:
                source = f"{per_day:g} expected"
            profile = profile_per_day(cfg, day, per_day)
        arrivals = poisson_arrivals(profile, cfg, day, seed)
        notes.append(f"arrivals: Poisson, {source}; {len(arrivals)} drawn with seed {seed}")
    notes.append(times_note)
    plan = DayPlan(cfg, day, arrivals, times, behaviour or Behaviour(), seed)
    return BuiltPlan(plan, notes)


ProgressFn = Callable[[Progress], Awaitable[None] | None]
T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on uvloop when it is installed (less CPU per request), else asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


async def simulate_on(url: str, accounts: Accounts, plan: DayPlan, pacing: Pacing | None = None,
                      *, poll_s: float | None = None, on_progress: ProgressFn | None = None,
                      progress_every_s: float = 3600.0, stop: asyncio.Event | None = None,
                      close_day: bool = True, connections: int = 64,
                      watch_s: float | None = None, on_ticket: TicketHook | None = None,
                      on_handover: HandoverHook | None = None) -> DayResult:
    """Drive `plan` against the server at `url`. A server on a fake clock is moved forward
    from its present time (a day already begun starts where the clock is); a server on the
    real clock is followed at speed 1 from now."""
    pacing = pacing or Pacing()
    accounts.check(plan.cfg)
    async with HallAPI(url, accounts, connections=connections) as api:
        now, fake = await api.clock()
        midnight = datetime.combine(plan.day, time.min, plan.cfg.zone)
        if now >= closing(plan.cfg, plan.day):
            local = now.astimezone(plan.cfg.zone)
            raise ServerError(f"the server's clock ({local:%Y-%m-%d %H:%M}) is past "
                              f"{plan.day}'s closing and cannot go back: simulate a later day")
        if not fake and (pacing.speed != 1 or now.astimezone(plan.cfg.zone).date() != plan.day):
            raise ServerError("the server runs on the real clock: only today at speed 1 can "
                              "be simulated on it (start it with --fake-clock for more)")
        begin_s = max(0.0, (now - midnight).total_seconds())
        return await drive(plan, api, pacing, begin_s=begin_s or None, movable_clock=fake,
                           poll_s=poll_s, on_progress=on_progress,
                           progress_every_s=progress_every_s, stop=stop,
                           close_day=close_day and fake, watch_s=watch_s,
                           on_ticket=on_ticket, on_handover=on_handover)


def simulate_own(plan: DayPlan, pacing: Pacing | None = None, *, folder: Path | None = None,
                 wide_numbers: bool = False, on_progress: ProgressFn | None = None,
                 progress_every_s: float = 3600.0) -> tuple[DayResult, dict]:
    """Drive `plan` against a fresh server of the simulator's own; returns the result and
    facts about the server (setup time, memory at the end)."""
    import time as _time

    from layso.simulate.ownserver import own_server

    t0 = _time.perf_counter()
    with own_server(plan.cfg, opening(plan.cfg, plan.day), folder=folder,
                    wide_numbers=wide_numbers) as own:
        setup_s = _time.perf_counter() - t0
        served_plan = DayPlan(own.cfg, plan.day, plan.arrivals, plan.times, plan.behaviour,
                              plan.seed)
        result = run_async(simulate_on(own.url, own.accounts, served_plan, pacing,
                                         on_progress=on_progress,
                                         progress_every_s=progress_every_s))
        rss = own.server.rss_bytes()
    return result, {"setup_s": round(setup_s, 2), "server_rss_bytes": rss,
                    "database": own.db_url}
