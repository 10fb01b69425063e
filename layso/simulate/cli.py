"""The work behind `layso simulate`: read the options, build the day, run it, print."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from contracts.hall_config import HallConfig, HallConfigError, load_hall_config
from layso.simulate.accounts import (
    Accounts,
    AccountsError,
    Login,
    accounts_from_tokens,
    register,
)
from layso.simulate.api import HallAPI, ServerError
from layso.simulate.driver import DayPlan, DayResult, Pacing, Progress
from layso.simulate.history import HistoryError
from layso.simulate.officers import Behaviour
from layso.simulate.profile import ProfileError, open_sessions
from layso.simulate.report import format_footer, format_table, summarise
from layso.simulate.session import (
    Demand,
    build_plan,
    closing,
    current_or_next_day,
    next_open_day,
    run_async,
    simulate_on,
    simulate_own,
)


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _behaviour(args: argparse.Namespace) -> Behaviour:
    return Behaviour(no_show_p=args.no_show, transfer_p=args.transfer, rating_p=args.rating,
                     breaks_per_day=args.breaks, break_s=args.break_min * 60,
                     absent_p=args.absent, drain=not args.no_drain)


def _progress(quiet: bool):
    def show(p: Progress) -> None:
        if not quiet:
            _say(f"  {p.at:%H:%M}  {p.issued:6d} số/tickets  {p.served:6d} xong/served  "
                 f"{p.waiting:5d} chờ/waiting  {p.busy_counters:3d} quầy bận/busy  "
                 f"{p.wall_s:6.1f} s")
    return show


def main(args: argparse.Namespace) -> int:
    try:
        cfg = load_hall_config(args.config)
    except HallConfigError as exc:
        _say(f"layso simulate: config error in {exc}")
        return 2
    if args.server and not (args.admin_token or (args.admin and args.password_stdin)):
        _say("layso simulate: --server needs an admin to move the server's clock: "
             "--admin-token T, or --admin USER --password-stdin")
        return 2
    if args.admin and args.password_stdin:
        args.admin_login = Login(args.admin, sys.stdin.readline().rstrip("\r\n"))
    else:
        args.admin_login = None
    if args.replay_date and not args.replay_db:
        _say("layso simulate: --replay-date goes with --replay-db URL")
        return 2
    if args.service_times == "learned" and not args.replay_db:
        _say("layso simulate: --service-times learned needs a past day: give --replay-db URL")
        return 2
    if args.counters and args.server:
        _say("layso simulate: --counters runs its own servers (one per candidate hall); "
             "leave out --server")
        return 2
    try:
        return _main(args, cfg)
    except (ProfileError, HistoryError, AccountsError, ServerError, ValueError) as exc:
        _say(f"layso simulate: {exc}")
        return 1 if isinstance(exc, ServerError) else 2


def _main(args: argparse.Namespace, cfg: HallConfig) -> int:
    pacing = Pacing(speed=args.speed, tick_s=args.tick)
    behaviour = _behaviour(args)
    day = args.date
    if args.server:  # the server's clock decides which days are still ahead
        now = run_async(_server_now(args))
        day = day or current_or_next_day(cfg, now)
        if open_sessions(cfg, day) and closing(cfg, day) <= now:
            raise ServerError(f"the server's clock ({now.astimezone(cfg.zone):%Y-%m-%d %H:%M}) "
                              f"is past {day}'s closing and cannot go back: simulate a later "
                              "day")
    day = day or next_open_day(cfg, date.today())
    demand = Demand(per_day=args.arrivals_per_day, profile=args.profile,
                    replay_db=args.replay_db, replay_date=args.replay_date)
    learn = None if args.service_times is None else args.service_times == "learned"
    built = build_plan(cfg, day, demand, seed=args.seed, behaviour=behaviour, cv=args.cv,
                       learn_times=learn)
    speed = "fast" if pacing.speed is None else f"×{pacing.speed:g}"
    _say(f"{cfg.hall.name} ({cfg.hall.code}), {day}, {len(cfg.counters)} quầy/counters, "
         f"speed {speed}, step {pacing.tick:g} s")
    for note in built.notes:
        _say(f"  {note}")
    if args.counters:
        return _plan(args, cfg, built.plan, pacing)
    if args.server:
        result = _on_server(args, cfg, built.plan, pacing)
        extra: dict[str, Any] = {"server": args.server}
    else:
        result, extra = simulate_own(built.plan, pacing, folder=args.workdir,
                                     on_progress=_progress(args.quiet))
    summary = summarise(result, args.seed)
    summary["plan"] = built.notes
    summary.update(extra)
    print(format_table(summary))
    print(format_footer(summary))
    if args.json:
        _write_json(args.json, summary)
    return 0


def _admin(args: argparse.Namespace, accounts: Accounts) -> Accounts:
    """The admin's token, or a login the API signs in with (and again on expiry)."""
    if args.admin_login is not None:
        accounts.admin = ""  # refused at once, then signed in
        accounts.logins["admin"] = args.admin_login
    else:
        accounts.admin = args.admin_token
    return accounts


async def _server_now(args: argparse.Namespace) -> datetime:
    async with HallAPI(args.server, _admin(args, Accounts("", [], {}))) as api:
        now, _ = await api.clock()
    return now


def _server_accounts(args: argparse.Namespace, cfg: HallConfig) -> Accounts:
    if args.accounts:
        return _admin(args, Accounts.load(args.accounts))
    if args.server_db:
        tokens, _ = register(args.server_db, args.config, cfg, admin=False)
        return _admin(args, accounts_from_tokens(cfg, tokens, ""))
    raise AccountsError("--server needs the counters' tokens: give --accounts FILE, or "
                        "--server-db URL (the server's database) to register the simulator's "
                        "own kiosks, keypads and rating boxes")


def _on_server(args: argparse.Namespace, cfg: HallConfig, plan: DayPlan,
               pacing: Pacing) -> DayResult:
    accounts = _server_accounts(args, cfg)

    async def go() -> DayResult:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, stop.set)
        try:
            return await simulate_on(args.server, accounts, plan, pacing,
                                     poll_s=args.poll or 60.0,
                                     on_progress=_progress(args.quiet), stop=stop)
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    return run_async(go())


def _plan(args: argparse.Namespace, cfg: HallConfig, plan: DayPlan, pacing: Pacing) -> int:
    from layso.simulate.planner import PlanRun, format_plan, plan_counters

    if args.target_p90 is not None:
        targets = {s.code: args.target_p90 * 60 for s in cfg.services}
    else:
        missing = [s.code for s in cfg.services if s.target_wait_s is None]
        if missing:
            _say("layso simulate: --counters needs --target-p90 MIN (services "
                 f"{', '.join(missing)} have no target_wait_s in the hall file)")
            return 2
        targets = {s.code: float(s.target_wait_s or 0) for s in cfg.services}
    if args.max_runs < 1:
        _say("layso simulate: --max-runs must be 1 or more")
        return 2

    def show(run: PlanRun) -> None:
        if not args.quiet:
            tried = " ".join(f"{c}={n}" for c, n in run.counts.items())
            _say(f"  run {tried}: {run.wall_s:.1f} s")

    result = plan_counters(plan, targets, max_runs=args.max_runs, pacing=pacing,
                           folder=args.workdir, on_run=show)
    now = {s.code: len(cfg.counters_for(s.code)) for s in cfg.services}
    print(format_plan(result, now))
    if args.json:
        _write_json(args.json, {"hall": cfg.hall.code, "date": plan.day.isoformat(),
                                "seed": args.seed, **result.as_dict(now)})
    return 0 if result.converged else 1


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _say(f"  → {path}")
