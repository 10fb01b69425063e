"""`layso simulate`: a hall day simulated against the real server, for planning.

Citizens arrive (a Poisson process by hour and service, or a past day replayed), take tickets
at kiosks, are called, served, sent on or rated; officers take breaks. All of it goes through
the server's HTTP API on a movable clock, and the report gives waiting-time percentiles per
service. `--counters` searches how many counters each service needs for a p90 wait target.

Library use (the demo, the benchmark): `session.build_plan`, `session.simulate_on` (a server
of yours) or `session.simulate_own`, `busy.run_busy_day`; see docs/simulate.md.
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from typing import Any

from contracts.hall_config import DEFAULT_CONFIG


def run_busy_day(config: Path | str, tickets: int, seed: int | str = 1, **kw: Any) -> dict:
    """See `layso.simulate.busy.run_busy_day` (imported on use: the CLI stays light)."""
    from layso.simulate.busy import run_busy_day as run_day

    return run_day(config, tickets, seed, **kw)


def _speed(value: str) -> float | None:
    if value == "fast":
        return None
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("give `fast` or a factor like 60 (a simulated "
                                         "minute each second)") from None
    if not speed > 0:
        raise argparse.ArgumentTypeError("the speed factor must be positive")
    return speed


def _probability(value: str) -> float:
    try:
        p = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= p <= 1:
        raise argparse.ArgumentTypeError("give a probability between 0 and 1")
    return p


def _positive(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not x > 0:
        raise argparse.ArgumentTypeError("give a positive number")
    return x


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-23") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = ("examples:\n"
                     "  layso simulate --config config/provincial.toml --arrivals-per-day 3000\n"
                     "  layso simulate --config config/provincial.toml --counters "
                     "--target-p90 20\n"
                     "  layso simulate --replay-db sqlite:///var/layso.sqlite3 "
                     "--replay-date 2026-11-20 --json day.json\n"
                     "docs/simulate.md explains the model and every option.")
    parser.add_argument("--config", type=Path,
                        default=Path(os.environ.get("LAYSO_CONFIG") or DEFAULT_CONFIG),
                        help="the hall's TOML file (env LAYSO_CONFIG; default: the demo hall)")
    parser.add_argument("--date", type=_day, help="the day to simulate (default: the next day "
                        "the hall opens; on --server, the server clock's day)")
    parser.add_argument("--seed", default="1", help="random seed: the same seed, the same "
                        "citizens (default: 1)")
    demand = parser.add_argument_group("demand (one of)")
    one = demand.add_mutually_exclusive_group()
    one.add_argument("--arrivals-per-day", type=float, metavar="N",
                     help="citizens expected in the day, shared by the services in proportion "
                     "to their counters' capacity (default: 85%% of that capacity)")
    one.add_argument("--profile", type=Path, metavar="FILE",
                     help="a TOML file of arrivals per service and hour (docs/simulate.md)")
    one.add_argument("--replay-db", metavar="URL",
                     help="replay the tickets of a past day from this database")
    demand.add_argument("--replay-date", type=_day, metavar="D",
                        help="the past day to replay (default: --date)")
    times = parser.add_argument_group("service times")
    times.add_argument("--service-times", choices=["config", "learned"],
                       help="config: lognormal around the hall file's avg_service_s; learned: "
                       "resampled from the replayed day's finished visits (default when "
                       "replaying)")
    times.add_argument("--cv", type=float, default=0.6,
                       help="coefficient of variation of the lognormal (default: 0.6)")
    people = parser.add_argument_group("people")
    people.add_argument("--no-show", type=_probability, default=0.05, metavar="P",
                        help="a citizen is gone when called (default: 0.05)")
    people.add_argument("--transfer", type=_probability, default=0.03, metavar="P",
                        help="a citizen is sent on to another service (default: 0.03)")
    people.add_argument("--rating", type=_probability, default=0.6, metavar="P",
                        help="a citizen rates the visit (default: 0.6)")
    people.add_argument("--breaks", type=float, default=2.0, metavar="N",
                        help="breaks per officer per day (default: 2)")
    people.add_argument("--break-min", type=float, default=10.0, metavar="M",
                        help="mean length of a break in minutes (default: 10)")
    people.add_argument("--absent", type=_probability, default=0.0, metavar="P",
                        help="an officer is away all day (default: 0)")
    people.add_argument("--no-drain", action="store_true",
                        help="officers stop calling when a morning session ends, instead of "
                        "serving whoever still holds a ticket")
    run = parser.add_argument_group("running")
    run.add_argument("--speed", type=_speed, default=None, metavar="fast|X",
                     help="fast (default): as fast as the server answers; X: X simulated "
                     "seconds per real second")
    run.add_argument("--tick", type=_positive, metavar="S",
                     help="simulated time step in seconds (default: 10 fast, 1 paced)")
    run.add_argument("--server", metavar="URL",
                     help="a running server (started with --fake-clock) instead of the "
                     "simulator's own")
    run.add_argument("--admin-token", metavar="T", help="an admin's login token for --server "
                     "(it expires 12 hours after the login on the server's clock)")
    run.add_argument("--admin", metavar="USER", help="or: an admin's username for --server, "
                     "with --password-stdin; the simulator signs in (again when needed)")
    run.add_argument("--password-stdin", action="store_true",
                     help="read --admin's password from standard input (first line)")
    run.add_argument("--accounts", type=Path, metavar="FILE",
                     help="JSON with the tokens of kiosks, counters' keypads and rating boxes "
                     "for --server (docs/simulate.md)")
    run.add_argument("--server-db", metavar="URL",
                     help="the database of --server: the simulator registers its own devices")
    run.add_argument("--poll", type=_positive, metavar="S",
                     help="idle counters also call every S simulated seconds (default: 60 on "
                     "--server, where others may issue tickets too)")
    run.add_argument("--workdir", type=Path, metavar="DIR",
                     help="where the own server's temporary database goes (default: /dev/shm "
                     "if present, else the system's temporary folder)")
    plan = parser.add_argument_group("planning")
    plan.add_argument("--counters", action="store_true",
                      help="find how many counters each service needs for --target-p90")
    plan.add_argument("--target-p90", type=_positive, metavar="MIN",
                      help="the 90th-percentile wait to stay under, in minutes (default: each "
                      "service's target_wait_s in the hall file)")
    plan.add_argument("--max-runs", type=int, default=8,
                      help="simulated days the search may use (default: 8)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args: argparse.Namespace) -> int:
    from layso.simulate.cli import main

    return main(args)
