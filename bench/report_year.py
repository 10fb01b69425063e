"""Benchmark: the manager's reports over a generated year of a large centre.

    .venv/bin/python bench/report_year.py [--db var/bench-year.sqlite3] [--days 365]
        [--per-day 1000] [--config config/provincial.toml] [--fresh] [--repeat 3]
        [--periods day week month year] [--reference] [--postgres URL]

Generates `days` × `per_day` tickets with their visits, ratings, dossiers (received with a due
date, returned later) and the event log (issue, call, finish, pauses) straight into a SQLite
file with bulk inserts (the schema comes from the project's migrations), then times each
report: the contract's daily report, the full report for a day, a week, a month and the
whole year, and the CSV, Excel and chart exports of each. Not run by the tests.

`--reference` also times the reports as they were computed before issue 7 (kept in
tests/manage/report_reference.py to prove the results identical), so the speed-up can be
measured again on any machine. `--postgres URL` copies the year into that PostgreSQL
database (once: a database that has tickets is left as it is) and times it there too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from contracts.hall_config import HallConfig, load_hall_config  # noqa: E402
from server.db.database import Database  # noqa: E402
from server.engine.worktime import WorkCalendar  # noqa: E402
from server.hall import Hall  # noqa: E402
from server.reports.chart import report_chart, to_png, to_svg  # noqa: E402
from server.reports.daily import from_summary  # noqa: E402
from server.reports.export_csv import to_csv  # noqa: E402
from server.reports.export_xlsx import to_xlsx  # noqa: E402
from server.reports.period import Period, PeriodKind, make_period  # noqa: E402
from server.reports.summary import build  # noqa: E402

FMT = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime in SQLite
PERIODS = ("day", "week", "month", "year")


def ts(t: datetime) -> str:
    return t.astimezone(UTC).strftime(FMT)


def generate(path: Path, cfg: HallConfig, first: date, days: int, per_day: int,
             seed: int) -> None:
    """Bulk-insert a year of plausible hall activity."""
    rng = random.Random(seed)
    zone = cfg.zone
    cal = WorkCalendar(cfg.calendar.as_hours(), zone)
    hall = Hall(cfg, Database(f"sqlite:///{path}"))
    hall.setup()
    hall.db.dispose()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    officers = []
    now = ts(datetime.now(UTC))
    for c in cfg.counters:
        cur = con.execute("INSERT INTO user_account (username, full_name, role, password_hash, "
                          "active, failed_logins, created_at) VALUES (?,?,?,?,?,?,?)",
                          (f"canbo{c.number:02d}", f"Cán bộ quầy {c.label}", "officer",
                           "x", 1, 0, now))
        officers.append(cur.lastrowid)
    services = cfg.services
    counters_for = {s.code: [c.number for c in cfg.counters_for(s.code)] for s in services}
    result_service = cfg.dossier.result_service or services[-1].code
    seq = con.execute("SELECT seq FROM hall_state").fetchone()[0]
    ticket_id = visit_id = 0
    pending: list[tuple[str, str]] = []  # (dossier code, due date) waiting to be returned
    dossier_no = 0
    # Arrivals peak mid-morning and early afternoon.
    hours = [(7.5, 1), (8, 3), (9, 4), (10, 3), (11, 1), (13, 2), (14, 3), (15, 2), (16, 1)]
    weights = [w for _, w in hours]
    for n in range(days):
        day = first + timedelta(days=n)
        tickets, visits, ratings, events, seqs = [], [], [], [], {}
        for _ in range(per_day):
            start_h = rng.choices(hours, weights)[0][0]
            local = datetime.combine(day, datetime.min.time(), zone) + timedelta(
                hours=start_h, seconds=rng.uniform(0, 3600 if start_h % 1 == 0 else 1800))
            svc = rng.choice(services)
            seqs[svc.code] = seqs.get(svc.code, svc.first - 1) + 1
            ticket_id += 1
            issued = local
            wait = min(rng.expovariate(1 / 540), 5400)
            called = issued + timedelta(seconds=wait)
            r = rng.random()
            state = ("served" if r < 0.88 else "no_show" if r < 0.94 else
                     "expired" if r < 0.97 else "cancelled" if r < 0.98 else "transferred")
            transferred = state == "transferred"
            final = "served" if transferred else state
            closed = None
            counter = rng.choice(counters_for[svc.code])
            officer = officers[counter - 1] if counter - 1 < len(officers) else None
            seq += 1
            events.append((seq, cfg.hall.code, "ticket_issued", ts(issued), json.dumps(
                {"type": "ticket_issued", "ticket_id": ticket_id, "service": svc.code})))
            if state in ("served", "no_show", "transferred"):
                visit_id += 1
                started = called + timedelta(seconds=rng.uniform(10, 60))
                finished = started + timedelta(seconds=rng.expovariate(1 / svc.avg_service_s))
                status = {"served": "finished", "no_show": "skipped",
                          "transferred": "transferred"}[state]
                code = due = outcome = None
                end = finished if state != "no_show" else called + timedelta(seconds=90)
                if status == "finished":
                    if svc.code == result_service and pending:
                        code, due = pending.pop(rng.randrange(len(pending)))
                        outcome = "returned"
                    elif rng.random() < 0.55:
                        dossier_no += 1
                        code = f"000.00.31.H12-{day:%y%m%d}-{dossier_no:06d}"
                        due = cal.add_working_days(day, rng.choice([1, 3, 5, 7, 10, 15]))
                        due = due.isoformat()
                        pending.append((code, due))
                        outcome = "received"
                    else:
                        outcome = "guidance"
                visits.append((visit_id, ticket_id, counter, officer, svc.code, status,
                               ts(called), ts(started) if status != "skipped" else None,
                               ts(end), 0, code, outcome,
                               due if outcome == "received" else None,
                               ts(end + timedelta(seconds=60)) if status == "finished"
                               else None))
                seq += 1
                events.append((seq, cfg.hall.code, "called", ts(called), json.dumps(
                    {"type": "called", "ticket_id": ticket_id, "counter": counter})))
                if status == "finished" and rng.random() < 0.7:
                    score = rng.choices([3, 2, 1], [70, 25, 5])[0]
                    reason = rng.choice(cfg.rating.low_reasons) if score == 1 else None
                    ratings.append((visit_id, counter, score, reason,
                                    ts(end + timedelta(seconds=rng.uniform(2, 40)))))
                if transferred:
                    visit_id += 1
                    other = rng.choice(services)
                    c2 = rng.choice(counters_for[other.code])
                    called2 = end + timedelta(seconds=rng.expovariate(1 / 300))
                    fin2 = called2 + timedelta(seconds=rng.expovariate(1 / other.avg_service_s))
                    visits.append((visit_id, ticket_id, c2, officers[c2 - 1], other.code,
                                   "finished", ts(called2), ts(called2), ts(fin2), 0, None,
                                   "guidance", None, ts(fin2 + timedelta(seconds=60))))
                    end = fin2
                seq += 1
                events.append((seq, cfg.hall.code, "finished", ts(end), json.dumps(
                    {"type": "finished", "ticket_id": ticket_id, "counter": counter})))
                closed = ts(end)
            else:
                closed = ts(issued + timedelta(hours=2))
            tickets.append((ticket_id, day.isoformat(), svc.code, svc.code, seqs[svc.code],
                            svc.format_number(seqs[svc.code] % 1000 or 1), final, None, 99,
                            int(transferred), None, ts(issued), ts(issued), closed, "vi", None,
                            1, None, None))
        for c in cfg.counters:  # a pause or two per counter and day
            for _ in range(rng.choice([0, 1, 1, 2])):
                at = datetime.combine(day, datetime.min.time(), zone) + timedelta(
                    hours=rng.uniform(8, 16))
                back = at + timedelta(minutes=rng.uniform(3, 25))
                for typ, when in (("counter_paused", at), ("counter_resumed", back)):
                    seq += 1
                    events.append((seq, cfg.hall.code, typ, ts(when), json.dumps(
                        {"type": typ, "counter": c.number, "reason": "Nghỉ giải lao"})))
        con.executemany("INSERT INTO ticket (id, day, service, service_seq_key, seq, number, "
                        "state, priority, priority_rank, transferred, target_counter, "
                        "issued_at, queued_at, closed_at, lang, device_id, printed, "
                        "print_error, dossier_code) VALUES "
                        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", tickets)
        con.executemany("INSERT INTO visit (id, ticket_id, counter, officer_id, service, "
                        "status, called_at, started_at, finished_at, recalls, dossier_code, "
                        "outcome, due_date, rating_until) VALUES "
                        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", visits)
        con.executemany("INSERT INTO rating (visit_id, counter, score, reason, at) VALUES "
                        "(?,?,?,?,?)", ratings)
        con.executemany("INSERT INTO event (seq, hall, type, at, payload) VALUES (?,?,?,?,?)",
                        events)
        con.commit()
    con.execute("UPDATE hall_state SET seq = ?", (seq,))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of `repeat` runs (and the last result)."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def cpu(fn: Callable[[], object]) -> float:
    """CPU seconds of one run: less sensitive than wall time to a busy machine."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def to_postgres(url: str, path: Path, cfg: HallConfig) -> None:
    """Copy the generated year into a PostgreSQL database (schema from the migrations), once:
    a database that already has tickets is left as it is."""
    import psycopg

    hall = Hall(cfg, Database(url))
    hall.setup()
    hall.db.dispose()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as pg:
        if pg.execute("SELECT count(*) FROM ticket").fetchone()[0]:  # type: ignore[index]
            return
        t0 = time.perf_counter()
        pg.execute("SET TIME ZONE 'UTC'")  # SQLite's timestamps are UTC without a zone
        pg.execute("DELETE FROM event")
        src = sqlite3.connect(path)
        for table in ("user_account", "ticket", "visit", "rating", "event"):
            cols = ", ".join(r[1] for r in src.execute(f"PRAGMA table_info({table})"))
            with pg.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in src.execute(f"SELECT {cols} FROM {table}"):
                    copy.write_row(row)
        for table in ("user_account", "ticket", "visit", "rating"):
            pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT max(id) FROM {table}))")
        pg.execute("UPDATE hall_state SET seq = (SELECT max(seq) FROM event)")
        src.close()
    with psycopg.connect(plain, autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    print(f"copied to PostgreSQL in {time.perf_counter() - t0:.1f} s")


def time_report(hall: Hall, fn: Callable, name: str, p: Period, repeat: int) -> None:
    """One line of the table: the report built by `fn`, then its exports."""
    s_build, report = timed(lambda: hall.read(lambda tx: fn(tx, p)), repeat)
    c_build = cpu(lambda: hall.read(lambda tx: fn(tx, p)))
    s_csv, _ = timed(lambda: to_csv(report), repeat)
    s_xlsx, _ = timed(lambda: to_xlsx(report), repeat)
    kind = "hours" if name in ("day", "year") else "days"
    s_svg, _ = timed(lambda: to_svg(report_chart(report, kind)), repeat)
    s_png, _ = timed(lambda: to_png(report_chart(report, kind)), repeat)
    print(f"{name:<8}{report['totals']['issued']:>9,}{s_build:>9.3f}{c_build:>8.3f}"
          f"{s_csv:>8.3f}{s_xlsx:>8.3f}{s_svg:>8.3f}{s_png:>8.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=ROOT / "var" / "bench-year.sqlite3")
    ap.add_argument("--config", type=Path, default=ROOT / "config" / "provincial.toml")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--per-day", type=int, default=1000)
    ap.add_argument("--first", type=date.fromisoformat, default=date(2025, 1, 1))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fresh", action="store_true", help="regenerate even if the file exists")
    ap.add_argument("--periods", nargs="+", choices=PERIODS, default=list(PERIODS),
                    help="which reports to time (all by default)")
    ap.add_argument("--reference", action="store_true",
                    help="also time the reports as computed before issue 7 "
                         "(tests/manage/report_reference.py), on the same data")
    ap.add_argument("--postgres", metavar="URL",
                    help="also time on this PostgreSQL database, after copying the year into "
                         "it if it has no tickets yet")
    args = ap.parse_args(argv)
    cfg = load_hall_config(args.config)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    if args.fresh or not args.db.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{args.db}{suffix}").unlink(missing_ok=True)
        t0 = time.perf_counter()
        generate(args.db, cfg, args.first, args.days, args.per_day, args.seed)
        print(f"generated {args.days} days × {args.per_day} tickets in "
              f"{time.perf_counter() - t0:.1f} s → {args.db} "
              f"({args.db.stat().st_size / 1e6:.0f} MB)")
    con = sqlite3.connect(args.db)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("ticket", "visit", "rating", "event")}
    con.close()
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    targets = [("SQLite", f"sqlite:///{args.db}")]
    if args.postgres:
        to_postgres(args.postgres, args.db, cfg)
        targets.append(("PostgreSQL", args.postgres))
    builds: list[tuple[str, Callable]] = [("", build)]
    if args.reference:
        from tests.manage.report_reference import build as reference_build

        builds.append(("before issue 7 (reference)", reference_build))
    mid = args.first + timedelta(days=args.days // 2)
    last = args.first + timedelta(days=args.days - 1)
    levels = [lv.model_dump() for lv in cfg.rating.levels]
    periods = {"day": make_period("day", on=mid), "week": make_period("week", on=mid),
               "month": make_period("month", on=mid),
               "year": make_period("range", start=args.first, end=last)}
    for target, url in targets:
        hall = Hall(cfg, Database(url))
        for label, fn in builds:
            print(f"\n{target}{', ' + label if label else ''}: load average "
                  f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            print(f"{'report':<8}{'tickets':>9}{'build':>9}{'cpu':>8}{'csv':>8}{'xlsx':>8}"
                  f"{'svg':>8}{'png':>8}   (seconds: wall, median of {args.repeat}; "
                  f"cpu of one run{', this process only' if target != 'SQLite' else ''})")
            s_daily, _ = timed(lambda h=hall, fn=fn: h.read(  # as daily_report does
                lambda tx: from_summary(fn(tx, Period(mid, mid, PeriodKind.day)), mid,
                                        levels)), args.repeat)
            print(f"{'daily*':<8}{'':>9}{s_daily:>9.3f}")
            for name in args.periods:
                time_report(hall, fn, name, periods[name], args.repeat)
        hall.db.dispose()
    print("\n* daily: GET /api/v1/reports/daily (the contract's report) for one day")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
