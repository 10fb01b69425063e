"""Cost does not grow with history or with the queue, proved without a clock.

SQLite counts the virtual-machine instructions a statement runs (`set_progress_handler` with
a period of 1): a query that reads more rows runs more instructions, whatever the machine's
load. Every hot or periodic operation (ticket, next, recall, start, finish, snapshot, the
panel's queue, stats and rating window, the manager's live view, the minute's housekeeping,
the device manager's reload, the follow page) must run exactly as many instructions on a
hall with 40 days of history as on one with 10, and a ticket as many with 2,000 waiting as
with 10. The query plans of the statements that used to walk history must use a bounded
index range, with and without `ANALYZE` statistics. And `queue_count`, which triggers keep,
must equal a recount of the queue after any sequence of actions (hypothesis).
"""

from __future__ import annotations

import json
import random
import sqlite3
import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule
from sqlalchemy import text
from sqlmodel import select

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config, parse_hall_config
from server.db.migrate import upgrade
from server.db.models import QUEUED_STATE, Ticket, queue_count_ddl
from server.devices.state import HallShow
from server.hall import Hall
from server.queue import counter_reads as cv
from server.queue import counters as ct
from server.queue import day as hk
from server.queue import tickets as tk
from server.queue import views
from server.queue.context import Tx
from server.reports.live import live_view
from tests.server.hall_fixture import make_hall
from tests.server.test_engine_stateful import START, QueueDay

CFG = load_hall_config(DEFAULT_CONFIG)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 11, 24)
OPENING = datetime.combine(TODAY, time(9, 0), ZONE)
FMT = "%Y-%m-%d %H:%M:%S.%f"  # how the models store a timestamp in SQLite


# ---- counting what SQLite does ------------------------------------------------------------


def _dbapi(tx: Tx) -> sqlite3.Connection:
    return tx.s.connection().connection.dbapi_connection


def counted(fn: Callable[[Tx], object]) -> Callable[[Tx], int]:
    """`fn` as a job that returns the VM instructions its statements ran."""

    def job(tx: Tx) -> int:
        steps = [0]

        def tick() -> int:
            steps[0] += 1
            return 0

        con = _dbapi(tx)
        con.set_progress_handler(tick, 1)
        try:
            fn(tx)
        finally:
            con.set_progress_handler(None, 1)
        return steps[0]

    job.sql_only = getattr(fn, "sql_only", False)  # type: ignore[attr-defined]
    return job


# ---- history, written in bulk as the years before would have left it ---------------------


def _ts(t: datetime) -> str:
    return t.astimezone(UTC).strftime(FMT)


def add_history(hall: Hall, days: int, per_day: int = 60, seed: int = 5) -> None:
    """`days` closed days before TODAY: tickets in final states with their visits (finished,
    skipped, transferred), ratings, the event log with calls, and six pauses per counter and
    day (more than the reports' look-back of 50 per counter, so the live view's pause lookup
    reads its full, fixed window on either history)."""
    rng = random.Random(seed)
    services = [s.code for s in CFG.services]
    counters = {s: [c.number for c in CFG.counters_for(s)] for s in services}
    con = sqlite3.connect(hall.db.url.removeprefix("sqlite:///"))
    seq = con.execute("SELECT seq FROM hall_state").fetchone()[0]
    tid = con.execute("SELECT coalesce(max(id), 0) FROM ticket").fetchone()[0]
    vid = con.execute("SELECT coalesce(max(id), 0) FROM visit").fetchone()[0]
    tickets, visits, ratings, events = [], [], [], []

    def event(typ: str, at: datetime, **payload) -> None:
        nonlocal seq
        seq += 1
        events.append((seq, CFG.hall.code, typ, _ts(at),
                       json.dumps({"type": typ, "seq": seq, **payload})))

    for n in range(days, 0, -1):
        day = TODAY - timedelta(days=n)
        start = datetime.combine(day, time(8), ZONE)
        for k in range(per_day):
            tid += 1
            svc = rng.choice(services)
            issued = start + timedelta(seconds=k * 400 + rng.randrange(300))
            state = rng.choice(["served"] * 8 + ["no_show", "cancelled", "expired"])
            tickets.append((tid, day.isoformat(), svc, svc, k + 1, f"{k + 1:04d}", state, 99,
                            0, _ts(issued), _ts(issued), _ts(issued + timedelta(hours=1))))
            event("ticket_issued", issued, ticket_id=tid, number=f"{k + 1:04d}", service=svc)
            if state in ("served", "no_show"):
                vid += 1
                counter = rng.choice(counters[svc])
                called = issued + timedelta(seconds=rng.randrange(60, 900))
                done = called + timedelta(seconds=rng.randrange(60, 600))
                status = "finished" if state == "served" else "skipped"
                visits.append((vid, tid, counter, svc, status, _ts(called), _ts(called),
                               _ts(done), _ts(done + timedelta(seconds=60))))
                event("called", called, number=f"{k + 1:04d}", counter=counter,
                      counter_label=str(counter), service=svc, ticket_id=tid, visit_id=vid)
                if status == "finished" and rng.random() < 0.7:
                    ratings.append((vid, counter, rng.choice([1, 2, 3]), _ts(done)))
        for c in CFG.counters:
            for p in range(6):
                at = start + timedelta(minutes=30 + 70 * p)
                event("counter_paused", at, counter=c.number, reason="Họp")
                event("counter_resumed", at + timedelta(minutes=10), counter=c.number)
    con.executemany("INSERT INTO ticket (id, day, service, service_seq_key, seq, number, "
                    "state, priority_rank, transferred, issued_at, queued_at, closed_at, "
                    "lang) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'vi')", tickets)
    con.executemany("INSERT INTO visit (id, ticket_id, counter, service, status, called_at, "
                    "started_at, finished_at, rating_until, recalls) "
                    "VALUES (?,?,?,?,?,?,?,?,?,0)", visits)
    con.executemany("INSERT INTO rating (visit_id, counter, score, at) VALUES (?,?,?,?)",
                    ratings)
    con.executemany("INSERT INTO event (seq, hall, type, at, payload) VALUES (?,?,?,?,?)",
                    events)
    con.execute("UPDATE hall_state SET seq = ?", (seq,))
    con.commit()
    con.close()


def _hall(tmp_path: Path, name: str, days: int) -> Hall:
    folder = tmp_path / name
    folder.mkdir()
    hall = make_hall(OPENING, CFG, folder)
    add_history(hall, days)
    return hall


# ---- the hot and periodic operations, one scenario of today ------------------------------


def _ticket(service: str = "HT") -> Callable[[Tx], object]:
    return lambda tx: tk.issue_out(tx, service, None, "vi", None, None)


def today_steps(hall: Hall) -> dict[str, int]:
    """The instructions of each operation of a short morning, in the order a hall does
    them (the same on every hall, so the counts compare)."""
    w, r = hall.write, hall.read
    out: dict[str, int] = {"housekeeping (opens the day)": w(counted(hk.housekeeping))}
    for _ in range(4):
        hall.clock.advance(seconds=20)
        out["ticket"] = w(counted(_ticket()))
    hall.clock.advance(seconds=30)
    out["next"] = w(counted(lambda tx: ct.next_ticket(tx, 1, None)))
    out["recall"] = w(counted(lambda tx: ct.recall(tx, 1)))
    out["start"] = w(counted(lambda tx: ct.start(tx, 1)))
    hall.clock.advance(seconds=200)
    out["finish"] = w(counted(lambda tx: ct.finish(tx, 1, None, None, None)))
    hall.clock.advance(seconds=5)
    out["ticket, after a visit today"] = w(counted(_ticket()))
    out["next, after a visit today"] = w(counted(lambda tx: ct.next_ticket(tx, 2, None)))
    out["snapshot"] = r(counted(views.snapshot))
    out["services"] = r(counted(views.services))
    out["panel queue"] = r(counted(lambda tx: cv.counter_queue(tx, 1)))
    out["panel stats"] = r(counted(lambda tx: cv.counter_stats(tx, 1)))
    out["rating window"] = r(counted(lambda tx: cv.rateable(tx, 1)))
    out["manager live view"] = r(counted(lambda tx: live_view(tx, [])))
    out["device manager reload"] = r(counted(HallShow.from_db))
    ticket_id = r(lambda tx: tx.s.exec(select(Ticket.id).where(
        Ticket.day == TODAY, Ticket.state == "waiting").order_by(Ticket.id)).first())
    out["follow page"] = r(counted(lambda tx: views.ticket_public(tx, ticket_id)))
    hall.clock.advance(seconds=60)
    out["housekeeping (the minute)"] = w(counted(hk.housekeeping))
    return out


def test_no_operation_reads_more_with_more_history(tmp_path):
    short, long_ = _hall(tmp_path, "short", 10), _hall(tmp_path, "long", 40)
    try:
        a, b = today_steps(short), today_steps(long_)
    finally:
        short.db.dispose()
        long_.db.dispose()
    grown = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    assert not grown, f"instructions with 10 days → 40 days of history: {grown}"
    assert all(a.values())  # each operation did run statements (the counting works)


def _queue_steps(folder: Path, waiting: int) -> tuple[int, int, int]:
    """(instructions of a ticket, of a next, the people ahead of a last ticket) on a hall
    where `waiting` tickets of the service wait before ten more are issued."""
    hall = make_hall(OPENING, CFG, folder)
    try:
        hall.write(hk.housekeeping)
        t = _ts(OPENING)
        if waiting:  # written in bulk; the triggers count them
            hall.db.write(lambda s: s.execute(text(
                "INSERT INTO ticket (day, service, service_seq_key, seq, number, state, "
                "priority_rank, transferred, issued_at, queued_at, lang) VALUES (:d, 'HT', "
                "'HT', :seq, :num, 'waiting', 99, 0, :t, :t, 'vi')"),
                [{"d": TODAY.isoformat(), "seq": 5000 + i, "num": f"X{i}", "t": t}
                 for i in range(waiting)]))
        for _ in range(10):
            hall.write(_ticket())
        ticket = hall.write(counted(_ticket()))
        call = hall.write(counted(lambda tx: ct.next_ticket(tx, 2, None)))
        last = hall.write(_ticket())
    finally:
        hall.db.dispose()
    return ticket, call, last.waiting_ahead


def test_a_ticket_costs_the_same_with_ten_or_two_thousand_waiting(tmp_path):
    (tmp_path / "few").mkdir()
    (tmp_path / "many").mkdir()
    few_ticket, few_next, few_ahead = _queue_steps(tmp_path / "few", 0)
    many_ticket, many_next, many_ahead = _queue_steps(tmp_path / "many", 2000)
    assert many_ticket == few_ticket, (few_ticket, many_ticket)
    assert many_next == few_next, (few_next, many_next)
    # and the figures are right: 10 + 1 issued, 1 called; the last has those 10 ahead
    assert few_ahead == 10
    assert many_ahead == 2000 + 10


# ---- the plans of the statements that used to walk history -------------------------------


def _plan(con: sqlite3.Connection, sql: str, params: dict) -> str:
    return " | ".join(r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "ANALYZE"])
def test_history_queries_use_a_bounded_index_range(tmp_path, analyzed):
    hall = _hall(tmp_path, "h", 20)
    path = hall.db.url.removeprefix("sqlite:///")
    hall.db.dispose()
    upgrade(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")  # the migration's indexes too
    con = sqlite3.connect(path)
    if analyzed:
        con.execute("ANALYZE")
    since = _ts(OPENING.replace(hour=0))
    p = {"s": "HT", "since": since, "n": 20, "d": TODAY.isoformat(), "c": 1}
    plans = {
        "service times": (_plan(con, tk._RECENT.sql, p),
                          "ix_visit_service_finished (service=? AND finished_at>?)"),
        "housekeeping": (_plan(con, hk._BEFORE.days.sql, p), "ix_ticket_open (day<?)"),
        "housekeeping at closing": (_plan(con, hk._UNTIL.days.sql, p),
                                    "ix_ticket_open (day<?)"),
        "rating window": (_plan(con, "SELECT id FROM visit WHERE counter = :c AND status = "
                                "'finished' AND finished_at >= :since ORDER BY finished_at "
                                "DESC LIMIT 1", p),
                          "ix_visit_counter_finished (counter=? AND finished_at>?)"),
    }
    con.close()
    for name, (plan, wanted) in plans.items():
        assert wanted in plan, f"{name}: {plan}"


def test_new_databases_get_the_migrations_triggers(tmp_path):
    """`create_all` (the tests' halls) and the migration create the same triggers."""
    made = make_hall(OPENING, CFG, tmp_path)
    made.db.dispose()
    migrated = tmp_path / "migrated.sqlite3"
    upgrade(f"sqlite:///{migrated}")

    def triggers(path: Path) -> dict[str, str]:
        con = sqlite3.connect(path)
        rows = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
        con.close()
        return rows

    assert triggers(tmp_path / "hall.sqlite3") == triggers(migrated)
    assert len(triggers(migrated)) == len(queue_count_ddl("sqlite")) == 3


# ---- the maintained counts equal a recount, whatever happens ------------------------------

_RECOUNT = (f"SELECT day, service, priority_rank, target_counter IS NOT NULL, count(*) "
            f"FROM ticket WHERE {QUEUED_STATE} "
            "GROUP BY day, service, priority_rank, target_counter IS NOT NULL")


def _closing_hall_config() -> HallConfig:
    """The demo hall with a closing time, so that housekeeping also expires today's queue."""
    data = tomllib.loads(Path(DEFAULT_CONFIG).read_text(encoding="utf-8"))
    data["hours"] = {"every_day": [["07:30", "11:30"], ["13:00", "17:00"]], "cutoff_min": 0}
    return parse_hall_config(data, DEFAULT_CONFIG)


class CountedQueue(QueueDay):
    """The queue machine of test_engine_stateful (its rules and invariants) on a hall that
    closes for lunch and at five, plus cancel and housekeeping at any hour, checking after
    every step that `queue_count` is the queue recounted."""

    def __init__(self) -> None:
        super().__init__()
        self.hall.db.dispose()
        self.hall = make_hall(START, CLOSING, self.folder / "closing")

    @rule(pick=st.integers(0, 30))
    def cancel(self, pick):
        def run(tx: Tx):
            ids = tx.s.exec(select(Ticket.id).where(
                Ticket.state.in_(["waiting", "transferred"])).order_by(Ticket.id)).all()
            return tk.cancel(tx, ids[pick % len(ids)]) if ids else None

        self._do(run)

    @rule(service=st.sampled_from([s.code for s in CFG.services]),
          priority=st.sampled_from([None, *[p.code for p in CFG.priority_groups]]))
    def issue_and_check_position(self, service, priority):
        """The waiting count and people ahead a new ticket gets (from `queue_count`) are
        what counting the queue gives, in the same transaction."""

        def run(tx: Tx):
            t, ahead = tk._issue(tx, service, priority, "vi", None, None, None)
            waiting = tk.waiting_in(tx, service)[service]
            queued = tx.s.exec(select(Ticket.id).where(
                Ticket.day == t.day, Ticket.service == service,
                Ticket.state.in_(["waiting", "transferred"]))).all()
            return ahead, tk.waiting_ahead(tx, t), waiting, len(queued), tx.events[-1]

        res = self._do(run)
        if res is not None:
            ahead, counted_ahead, waiting, queued, event = res
            assert ahead == counted_ahead
            assert waiting == queued == event["waiting"]

    @rule(counter=st.sampled_from([c.number for c in CFG.counters]),
          to=st.sampled_from([c.number for c in CFG.counters]), serve=st.booleans())
    def hand_over(self, counter, to, serve):
        """Call, send the citizen to another counter, and (maybe) have that counter call
        them at once: the moves of a ticket sent to one counter, rare in random steps."""
        self._do(lambda tx: ct.next_ticket(tx, counter, None))
        if self._do(lambda tx: ct.transfer(tx, counter, None, to, "test")) and serve:
            self._do(lambda tx: ct.skip(tx, to))
            self._do(lambda tx: ct.next_ticket(tx, to, None))

    @rule(minutes=st.sampled_from([30, 240, 600]))
    def closing_time(self, minutes):
        """Housekeeping at any hour: past closing it expires what is left of today."""
        self.hall.clock.advance(minutes=minutes)
        self.hall.housekeeping()

    @invariant()
    def queue_count_is_the_queue(self):
        def read(tx: Tx):
            kept = {(str(d), s, r, bool(t)): n for d, s, r, t, n in tx.s.execute(text(
                "SELECT day, service, priority_rank, targeted, n FROM queue_count")) if n}
            counted = {(str(d), s, r, bool(t)): n
                       for d, s, r, t, n in tx.s.execute(text(_RECOUNT))}
            negative = tx.s.execute(text("SELECT count(*) FROM queue_count WHERE n < 0"))
            return kept, counted, negative.scalar_one()

        kept, counted, negative = self.hall.read(read)
        assert kept == counted
        assert negative == 0


CLOSING = _closing_hall_config()
CountedQueue.TestCase.settings = settings(
    max_examples=25, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestCountedQueue = CountedQueue.TestCase


@pytest.mark.postgres
def test_queue_count_on_postgres(pg_url):
    """The PostgreSQL triggers (from the migration) keep the same counts through every kind
    of move, and the ticket's figures come from them."""
    from server.clock import FakeClock
    from server.db.database import Database

    hall = Hall(CFG, Database(pg_url), FakeClock(OPENING))
    hall.setup()
    try:
        hall.write(hk.housekeeping)
        issued = [hall.write(_ticket(svc)) for svc in ("HT", "HT", "CT", "HT", "DD")]
        assert [t.waiting_ahead for t in issued] == [0, 1, 0, 2, 0]
        hall.write(lambda tx: ct.next_ticket(tx, 2, None))  # HT 1 called
        hall.write(lambda tx: ct.transfer(tx, 2, None, 1, "test"))  # sent to counter 1
        hall.write(lambda tx: tk.cancel(tx, issued[2].id))  # CT cancelled
        hall.write(lambda tx: ct.next_ticket(tx, 3, None))  # DD called
        hall.write(lambda tx: ct.transfer(tx, 3, "HT", None, "test"))  # DD → HT queue
        after = hall.write(_ticket("HT"))
        # queued in HT: 2, 4, the DD ticket moved over, the new one; the one sent to
        # counter 1 waits in HT too but is not ahead of anyone in the service's line
        assert (after.waiting_ahead, hall.read(lambda tx: tk.waiting_in(tx, "HT"))) == \
            (3, {"HT": 5})

        def counts(tx: Tx):
            kept = {(str(d), s, r, bool(t)): n for d, s, r, t, n in tx.s.execute(text(
                "SELECT day, service, priority_rank, targeted, n FROM queue_count")) if n}
            return kept, {(str(d), s, r, bool(t)): n
                          for d, s, r, t, n in tx.s.execute(text(_RECOUNT))}

        kept, recount = hall.read(counts)
        assert kept == recount and sum(kept.values()) == 5
        hall.clock.set(OPENING + timedelta(days=1))
        hall.write(hk.housekeeping)  # yesterday's queue expires
        kept, recount = hall.read(counts)
        assert kept == recount == {}
    finally:
        hall.db.dispose()
