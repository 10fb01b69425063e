"""`layso bench`, history part: do a ticket, a call and a snapshot cost the same after a year?

The same operations are timed on a hall with an empty database and on one holding a year of a
busy hall's history (`DAYS` × `PER_DAY` tickets, with their visits, ratings and event log),
and a ticket with `FEW` and with `MANY` people waiting in its service. Each figure is
printed as a ratio to its empty-database (or short-queue) twin, run turn by turn with it:
the target is within 1.2×.

The operations run in this process through the hall's own write pipeline (`Hall.write`:
group writer, savepoint, event numbering, commit) on SQLite, without HTTP, so that what is
compared is what the database does. Times are the process's CPU per operation (the writer
thread included), steadier than wall time on a shared machine; the wall median is printed
too. The history is written by SQL alone (recursive CTEs), so a year takes seconds.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from contracts.hall_config import HallConfig, load_hall_config
from server.clock import FakeClock
from server.db.database import Database
from server.hall import Hall
from server.queue import counters as ct
from server.queue import day as hk
from server.queue import tickets as tk
from server.queue import views

DAYS, PER_DAY = 365, 1000
FEW, MANY = 10, 5000
TODAY = date(2026, 11, 24)


def _fmt(expr: str) -> str:
    """An SQLite datetime expression as the models store a timestamp (microseconds)."""
    return f"strftime('%Y-%m-%d %H:%M:%f', {expr}) || '000'"


def write_history(path: Path, cfg: HallConfig, days: int, per_day: int) -> dict[str, int]:
    """`days` closed days before TODAY, `per_day` tickets each, straight into the SQLite file
    (schema from the migrations, made by `Hall.setup`): tickets in final states spread over
    the day and the services, a visit for each served or skipped one at a counter of its
    service, ratings for most finished visits, and the event log (issue, call, finish) with
    the payloads the server writes. Returns the rows per table."""
    services = [s.code for s in cfg.services]
    counters = [[c.number for c in cfg.counters_for(s)] or [cfg.counters[0].number]
                for s in services]
    svc_case = " ".join(f"WHEN {i} THEN '{code}'" for i, code in enumerate(services))
    # the visit's counter: one of its service's, changing every 7 tickets
    ctr_case = " ".join(
        f"WHEN {i} THEN CASE (id / 7) % {len(numbers)} "
        + " ".join(f"WHEN {k} THEN {c}" for k, c in enumerate(numbers)) + " END"
        for i, numbers in enumerate(counters))
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-200000")
    n = days * per_day
    day0 = (TODAY - timedelta(days=days)).isoformat()
    # local 08:00 in the hall's zone, in UTC, plus 30 s per ticket of the day
    offset = int(datetime.combine(TODAY, datetime.min.time(), cfg.zone).utcoffset()
                 .total_seconds())
    issued = f"datetime('{day0}', '+' || (i / {per_day}) || ' days', " \
             f"'+' || ({8 * 3600 - offset} + (i % {per_day}) * 30) || ' seconds')"
    con.execute(f"""
        WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i + 1 < {n})
        INSERT INTO ticket (id, day, service, service_seq_key, seq, number, state,
            priority_rank, transferred, issued_at, queued_at, closed_at, lang)
        SELECT i + 1, date('{day0}', '+' || (i / {per_day}) || ' days'),
            CASE i % {len(services)} {svc_case} END, CASE i % {len(services)} {svc_case} END,
            i % {per_day} + 1, printf('%04d', i % {per_day} + 1),
            CASE WHEN i % 50 = 7 THEN 'no_show' WHEN i % 50 = 9 THEN 'cancelled'
                 WHEN i % 100 = 11 THEN 'expired' ELSE 'served' END, 99, 0,
            {_fmt(issued)}, {_fmt(issued)}, {_fmt(f"{issued}, '+40 minutes'")}, 'vi'
        FROM k""")
    con.execute(f"""
        INSERT INTO visit (id, ticket_id, counter, service, status, called_at, started_at,
            finished_at, recalls, outcome, rating_until)
        SELECT id, id, CASE (id - 1) % {len(services)} {ctr_case} END,
            service, CASE state WHEN 'served' THEN 'finished' ELSE 'skipped' END,
            {_fmt("issued_at, '+10 minutes'")}, {_fmt("issued_at, '+11 minutes'")},
            {_fmt("issued_at, '+25 minutes'")}, 0,
            CASE state WHEN 'served' THEN 'guidance' END,
            CASE state WHEN 'served' THEN {_fmt("issued_at, '+26 minutes'")} END
        FROM ticket WHERE state IN ('served', 'no_show')""")
    con.execute("""
        INSERT INTO rating (visit_id, counter, score, at)
        SELECT id, counter, 1 + id % 3, finished_at FROM visit
        WHERE status = 'finished' AND id % 10 < 7""")
    hall = cfg.hall.code
    con.execute(f"""
        INSERT INTO event (seq, hall, type, at, payload)
        SELECT 3 * t.id - 2, '{hall}', 'ticket_issued', t.issued_at,
            json_object('type', 'ticket_issued', 'seq', 3 * t.id - 2, 'ticket_id', t.id,
                        'number', t.number, 'service', t.service, 'waiting', 1)
        FROM ticket t
        UNION ALL
        SELECT 3 * v.id - 1, '{hall}', 'called', v.called_at,
            json_object('type', 'called', 'seq', 3 * v.id - 1, 'number', t.number,
                        'counter', v.counter, 'counter_label', CAST(v.counter AS TEXT),
                        'service', v.service, 'ticket_id', t.id, 'visit_id', v.id)
        FROM visit v JOIN ticket t ON t.id = v.ticket_id
        UNION ALL
        SELECT 3 * v.id, '{hall}', 'finished', v.finished_at,
            json_object('type', 'finished', 'seq', 3 * v.id, 'counter', v.counter,
                        'ticket_id', v.ticket_id, 'visit_id', v.id)
        FROM visit v WHERE v.status = 'finished'""")
    con.execute("UPDATE hall_state SET seq = (SELECT max(seq) FROM event)")
    con.commit()
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("ticket", "visit", "rating", "event")}
    con.close()
    return rows


def _hall(path: Path, cfg: HallConfig) -> Hall:
    clock = FakeClock(datetime.combine(TODAY, datetime.min.time(), cfg.zone)
                      + timedelta(hours=9))
    hall = Hall(cfg, Database(f"sqlite:///{path}"), clock)
    hall.setup()
    hall.write(hk.housekeeping)
    return hall


def _time_pair(a: tuple, b: tuple, n: int, warm: int = 10) -> tuple[dict, dict]:
    """CPU ms per run (this process, all threads) and the wall median of two operations,
    each an (operation, untimed follow-up or None), run in turn `n` times after `warm` untimed
    runs each: turn by turn, so that the shared machine's load falls on both alike."""
    cpu, walls = [0.0, 0.0], [[], []]
    for i in range(warm + n):
        for k, (fn, after) in enumerate((a, b)):
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            if i >= warm:
                walls[k].append(time.perf_counter() - w0)
                cpu[k] += time.process_time() - c0
            if after is not None:
                after()
    return tuple({"cpu_ms": round(cpu[k] / n * 1000, 3),
                  "wall_p50_ms": round(statistics.median(walls[k]) * 1000, 3)}
                 for k in (0, 1))


def _operations(hall: Hall) -> dict[str, tuple[Callable[[], Any], Callable[[], Any] | None]]:
    """Ticket (round the services), next (followed, untimed, by a finish) and snapshot."""
    services = [s.code for s in hall.cfg.services]
    counter = max(hall.cfg.counters, key=lambda c: len(c.services)).number
    turn = iter(range(10**9))

    def ticket() -> None:
        hall.clock.advance(seconds=2)
        svc = services[next(turn) % len(services)]
        hall.write(lambda tx: tk.issue_out(tx, svc, None, "vi", None, None))

    return {
        "ticket": (ticket, None),
        "next": (lambda: hall.write(lambda tx: ct.next_ticket(tx, counter, None)),
                 lambda: hall.write(lambda tx: ct.finish(tx, counter, None, None, None))),
        "snapshot": (lambda: hall.read(views.snapshot), None),
    }


def _queue_hall(path: Path, cfg: HallConfig, waiting: int) -> tuple[Hall, tuple]:
    """A hall where `waiting` people already wait in its first service (written in bulk),
    and the operation of a ticket into that service (cancelled after, untimed, so that the
    queue stays that long)."""
    hall = _hall(path, cfg)
    svc = cfg.services[0].code
    if waiting:
        at = hall.clock.now().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        con = sqlite3.connect(path)
        con.execute(f"""
            WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k
                                    WHERE i + 1 < {waiting})
            INSERT INTO ticket (day, service, service_seq_key, seq, number, state,
                priority_rank, transferred, issued_at, queued_at, lang)
            SELECT '{TODAY.isoformat()}', '{svc}', '{svc}', 900000 + i, 'W' || i,
                'waiting', 99, 0, '{at}', '{at}', 'vi' FROM k""")
        con.commit()
        con.close()

    issued: list[int] = []

    def ticket() -> None:
        hall.clock.advance(seconds=2)
        issued.append(hall.write(lambda tx: tk.issue_out(tx, svc, None, "vi", None, None)).id)

    def cancel() -> None:  # untimed: the queue stays at `waiting`
        hall.write(lambda tx: tk.cancel(tx, issued.pop()))

    return hall, (ticket, cancel)


def run_history(config: Path, quick: bool) -> dict:
    cfg = load_hall_config(config)
    n = 100 if quick else 400
    days = 60 if quick else DAYS
    out: dict = {"days": days, "per_day": PER_DAY, "runs": n}
    with tempfile.TemporaryDirectory(prefix="layso-bench-history-") as tmp:
        folder = Path(tmp)
        empty = _hall(folder / "empty.sqlite3", cfg)
        year_path = folder / "year.sqlite3"
        Hall(cfg, Database(f"sqlite:///{year_path}")).setup()
        t0 = time.perf_counter()
        out["rows"] = write_history(year_path, cfg, days, PER_DAY)
        out["generate_s"] = round(time.perf_counter() - t0, 1)
        print(f"  history: {days} days × {PER_DAY} tickets written in {out['generate_s']} s "
              f"({', '.join(f'{k} {v:,}' for k, v in out['rows'].items())})", flush=True)
        year = _hall(year_path, cfg)
        try:
            # the two halls in turn, figure by figure, so that the machine's load falls on both
            out["empty"], out["year"] = {}, {}
            ops_empty, ops_year = _operations(empty), _operations(year)
            for name in ("ticket", "next", "snapshot"):
                out["empty"][name], out["year"][name] = _time_pair(
                    ops_empty[name], ops_year[name], n)
        finally:
            empty.db.dispose()
            year.db.dispose()
        few, few_op = _queue_hall(folder / "few.sqlite3", cfg, FEW)
        many, many_op = _queue_hall(folder / "many.sqlite3", cfg, MANY)
        try:
            out["queue_few"], out["queue_many"] = _time_pair(few_op, many_op, n)
        finally:
            few.db.dispose()
            many.db.dispose()
    out["ratios"] = ratios(out)
    for name, r in out["ratios"].items():
        print(f"  {name:<34} {r['cpu']:>5}× CPU   {r['wall']:>5}× wall", flush=True)
    print(f"  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)", flush=True)
    return out


def ratios(res: dict) -> dict:
    def ratio(a: dict, b: dict) -> dict:
        return {"cpu": round(b["cpu_ms"] / a["cpu_ms"], 2) if a["cpu_ms"] else None,
                "wall": round(b["wall_p50_ms"] / a["wall_p50_ms"], 2)
                if a["wall_p50_ms"] else None, "base": a, "value": b}

    out = {f"{k} (year / empty)": ratio(res["empty"][k], res["year"][k])
           for k in ("ticket", "next", "snapshot")}
    out[f"ticket ({MANY:,} / {FEW} waiting)"] = ratio(res["queue_few"], res["queue_many"])
    return out
