"""The hot paths written as plain SQL (`server.db.database.Sql`) answer exactly what the ORM
queries they replaced answered, and their shortcuts keep the guarantees: a refused job in a
group commit undoes only itself, and a revoked token stops working in this process at once."""

from __future__ import annotations

import json
import random
import threading
from collections import Counter as Tally
from dataclasses import fields as dc_fields
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, or_
from sqlmodel import SQLModel, select

from contracts.api import DeviceKind, Outcome, Role
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server import auth
from server.clock import FakeClock
from server.db.database import Database, Sql, sql_only
from server.db.models import Counter, Event, HallState, NumberSeq, Rating, Ticket, Visit
from server.engine import estimate
from server.engine.errors import EngineError
from server.engine.states import QUEUED
from server.hall import Hall
from server.queue import counters as ct
from server.queue import day, views
from server.queue import ratings as rt
from server.queue import tickets as tk
from server.queue.lookups import CounterRow, TicketRow, VisitRow, service_cfg
from server.queue.views import counter_out
from tests.server import orm_reference as ref
from tests.server.hall_fixture import make_hall

START = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
QUEUED_VALUES = [s.value for s in QUEUED]


# The ORM forms the SQL replaced, kept here as the reference.
def _ahead_orm(tx, t) -> int:
    q = select(func.count()).select_from(Ticket).where(
        Ticket.day == t.day, Ticket.service == t.service,
        Ticket.state.in_(QUEUED_VALUES), Ticket.target_counter.is_(None), Ticket.id != t.id,
        or_(Ticket.priority_rank < t.priority_rank,
            (Ticket.priority_rank == t.priority_rank) & (Ticket.id < t.id)))
    return int(tx.s.exec(q).one())


def _waiting_orm(tx, services) -> dict[str, int]:
    rows = tx.s.exec(select(Ticket.service, func.count()).where(
        Ticket.day == tx.today, Ticket.service.in_(services),
        Ticket.state.in_(QUEUED_VALUES)).group_by(Ticket.service)).all()
    return {code: 0 for code in services} | {code: int(n) for code, n in rows}


def _estimate_orm(tx, service: str, ahead: int) -> int:
    local = tx.now.astimezone(tx.cfg.zone)
    since = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    rows = tx.s.exec(select(Visit.started_at, Visit.called_at, Visit.finished_at).where(
        Visit.service == service, Visit.status == "finished", Visit.finished_at.is_not(None),
        Visit.called_at >= since).order_by(Visit.finished_at.desc()).limit(20)).all()
    times = [(f - (s or c)).total_seconds() for s, c, f in rows]
    numbers = [c.number for c in tx.cfg.counters_for(service)]
    paused = tx.s.exec(select(func.count()).select_from(Counter).where(
        Counter.number.in_(numbers), Counter.paused.is_(True))).one() if numbers else 0
    open_ = max(1, len(numbers) - int(paused)) if numbers else 0
    mean = estimate.mean_service_s(times, service_cfg(tx, service).avg_service_s)
    return estimate.estimated_wait_s(ahead, mean, open_)


def _busy_hall(tmp_path, seed: int, db_url: str | None = None):
    """A morning of mixed traffic: priorities, calls, finishes, transfers to a service and
    to a counter, a paused counter."""
    rng = random.Random(seed)
    hall = make_hall(START, folder=tmp_path) if db_url is None else _pg_hall(db_url)
    services = [s.code for s in hall.cfg.services]
    groups = [None, None, None] + [g.code for g in hall.cfg.priority_groups]
    counters = [c.number for c in hall.cfg.counters]
    for _ in range(120):
        hall.clock.advance(rng.randint(5, 90))
        action = rng.random()
        number = rng.choice(counters)
        try:
            if action < 0.55:
                hall.write(lambda tx: tk.issue(tx, rng.choice(services), rng.choice(groups),
                                               "vi", None, None))
            elif action < 0.75:
                hall.write(lambda tx, n=number: ct.next_ticket(tx, n, None))
            elif action < 0.88:
                hall.write(lambda tx, n=number: ct.finish(tx, n, None, None, None))
            elif action < 0.93:
                hall.write(lambda tx, n=number: ct.transfer(
                    tx, n, rng.choice(services), None, None))
            elif action < 0.97:
                target = rng.choice([c for c in counters if c != number])
                hall.write(lambda tx, n=number, to=target: ct.transfer(tx, n, None, to, None))
            else:
                hall.write(lambda tx, n=number: ct.pause(tx, n, "nghỉ"))
        except EngineError:
            pass
    return hall


def _pg_hall(url: str) -> Hall:
    db = Database(url)
    SQLModel.metadata.create_all(db.engine)
    hall = Hall(load_hall_config(DEFAULT_CONFIG), db, FakeClock(START))
    hall.setup(migrate=False)
    return hall


def test_counts_and_estimates_match_the_orm_queries(tmp_path):
    _check_counts_and_estimates(tmp_path, seeds=range(3))


@pytest.mark.postgres
def test_counts_and_estimates_match_the_orm_queries_on_postgresql(tmp_path, pg_url):
    _check_counts_and_estimates(tmp_path, seeds=[7], db_url=pg_url)


def _check_counts_and_estimates(tmp_path, seeds, db_url: str | None = None):
    for seed in seeds:
        hall = _busy_hall(tmp_path / str(seed), seed, db_url)
        try:
            def check(tx):
                services = [s.code for s in tx.cfg.services]
                assert tk.waiting_in(tx, *services) == _waiting_orm(tx, services)
                for code in services:
                    assert tk.waiting_in(tx, code) == _waiting_orm(tx, [code])
                    for ahead in (0, 1, 7):
                        assert tk.estimate_wait(tx, code, ahead) == _estimate_orm(tx, code,
                                                                                  ahead)
                tickets = tx.s.exec(select(Ticket)).all()
                assert any(t.target_counter is not None for t in tickets)
                assert any(t.priority for t in tickets)
                for t in tickets:
                    assert tk.waiting_ahead(tx, t) == _ahead_orm(tx, t), t
                return len(tickets)

            assert hall.read(check) > 40

            def fresh(tx, code, group):
                out = tk.issue_out(tx, code, group, "vi", None, None)
                t = tx.s.get(Ticket, out.id)
                return (out.waiting_ahead, tx.events[-1]["waiting"],
                        out.estimated_wait_s), (_ahead_orm(tx, t), _waiting_orm(tx, [code])[code],
                                                _estimate_orm(tx, code, out.waiting_ahead))

            for code in [s.code for s in hall.cfg.services]:
                for group in (None, hall.cfg.priority_groups[0].code):
                    got, want = hall.write(lambda tx, c=code, g=group: fresh(tx, c, g))
                    assert got == want, (code, group)
        finally:
            hall.db.dispose()


def test_issue_out_is_the_ticket_as_read_back(tmp_path):
    hall = make_hall(START, folder=tmp_path)
    try:
        outs = [hall.write(lambda tx, i=i, p=p: tk.issue_out(tx, "HT", p, "en", None, 7,
                                                             f"k{i}"))
                for i, p in enumerate([None, None, "elderly", None])]
        assert [o.waiting_ahead for o in outs] == [0, 1, 0, 3]  # the elderly go first
        # a retry gets the same ticket with today's figures (the elderly came in ahead since)
        again = hall.write(lambda tx: tk.issue_out(tx, "HT", None, "en", None, 7, "k1"))
        assert (again.id, again.number, again.waiting_ahead) == (outs[1].id, "1002", 2)

        def read_back(tx):
            return [tk.ticket_out(tx, tx.s.get(Ticket, o.id)) for o in (outs[1], outs[3])]

        assert [o.model_dump() for o in hall.read(read_back)] == [again.model_dump(),
                                                                outs[3].model_dump()]
        row = hall.read(lambda tx: tx.s.get(Ticket, outs[2].id))
        assert (row.priority, row.priority_rank, row.lang, row.device_id, row.request_key,
                row.transferred, row.issued_at) == ("elderly", 1, "en", 7, "k2", False,
                                                    outs[2].issued_at)
    finally:
        hall.db.dispose()


def test_a_refused_job_in_a_group_commit_undoes_only_itself(tmp_path):
    hall = make_hall(START, folder=tmp_path)
    db = hall.db
    try:
        gate = threading.Event()
        blocker = db.submit(lambda s: gate.wait(10))  # holds the writer while the batch queues

        def refuse_after_writing(tx):
            tk.issue(tx, "HT", None, "vi", None, None)  # a number and an event, then refused
            raise EngineError("refused")

        def refuse_orm(tx):
            tx.s.add(NumberSeq(day=tx.today, service="ZZ", last=1))
            tx.s.flush()
            raise EngineError("refused too")

        jobs = [sql_only(lambda tx: tk.issue_out(tx, "HT", None, "vi", None, None)),
                sql_only(refuse_after_writing), refuse_orm,
                sql_only(lambda tx: tk.issue_out(tx, "HT", None, "vi", None, None)),
                lambda tx: ct.next_ticket(tx, 2, None)]
        futures = [db.submit(hall._job(fn)) for fn in jobs]
        gate.set()
        blocker.result(10)
        first, refused, refused_orm, second, called = (f.exception(10) or f.result(10)
                                                       for f in futures)
        assert isinstance(refused, EngineError) and isinstance(refused_orm, EngineError)
        assert (first[0].number, second[0].number) == ("1001", "1002")
        assert called[0][1].number == "1001"

        def state(tx):
            return (tx.s.exec(select(Ticket.number)).all(),
                    tx.s.exec(select(NumberSeq.service, NumberSeq.last)).all(),
                    tx.s.exec(select(Event.seq, Event.type).order_by(Event.seq)).all())

        numbers, seqs, events = hall.read(state)
        assert sorted(numbers) == ["1001", "1002"]
        assert seqs == [("HT", 2)]
        assert [seq for seq, _ in events] == list(range(1, len(events) + 1))  # no gap
        assert [t for _, t in events][-3:] == ["ticket_issued", "ticket_issued", "called"]
    finally:
        db.dispose()


def test_sql_values_are_stored_as_the_orm_stores_them(tmp_path):
    hall = make_hall(START, folder=tmp_path)
    try:
        t = hall.write(lambda tx: tk.issue(tx, "HT", None, "vi", None, None))
        raw = hall.read(lambda tx: Sql("SELECT day, issued_at, transferred FROM ticket")
                        .one(tx.s))
        assert raw == (t.day.isoformat(), t.issued_at.strftime("%Y-%m-%d %H:%M:%S.%f"), 0)
        orm = hall.read(lambda tx: tx.s.get(Ticket, t.id))
        assert (orm.day, orm.issued_at) == (t.day, t.issued_at)
        assert Sql.utc(raw[1]) == t.issued_at
    finally:
        hall.db.dispose()


def test_cached_tokens_are_forgotten_when_revoked_in_this_process(tmp_path):
    hall = make_hall(START, folder=tmp_path)
    db = hall.db
    now = START.astimezone(UTC)
    try:
        _, kiosk = db.write(lambda s: auth.add_device(s, "k1", DeviceKind.kiosk, None, now))
        db.write(lambda s: auth.add_user(s, "lan", Role.officer, "mat-khau-dai-1", now))
        _, token, tok = db.write(lambda s: auth.login(s, "lan", "mat-khau-dai-1", 1, now))
        cached = auth.TokenResolver(db.url, is_sqlite=False)  # the PostgreSQL way: a cache
        fresh = auth.TokenResolver(db.url, is_sqlite=True)
        for t in (kiosk, token):
            assert db.read(lambda s, t=t: cached.lookup_session(s, t, now)) is not None
            assert cached.cached(t, now) is not None
            assert fresh.lookup_inline(t, now) is not None
        assert cached.cached(kiosk, now).role == "kiosk"
        assert cached.cached(token, now + auth.TOKEN_TTL) is None  # expiry still applies

        db.write(lambda s: auth.logout(s, tok.id))
        assert cached.cached(token, now) is None
        assert fresh.lookup_inline(token, now) is None
        # every cached token was forgotten; the kiosk's is still good when read again
        assert cached.cached(kiosk, now) is None
        assert db.read(lambda s: cached.lookup_session(s, kiosk, now)) is not None
        assert cached.cached(kiosk, now) is not None
        db.write(lambda s: auth.revoke_device(s, "k1"))
        assert cached.cached(kiosk, now) is None
        assert fresh.lookup_inline(kiosk, now) is None
        assert db.read(lambda s: cached.lookup_session(s, kiosk, now)) is None
        assert cached.cached(kiosk, now) is None
        fresh.close()
    finally:
        db.dispose()


# ---- The counter actions, ratings and housekeeping as plain SQL -----------------------------
#
# The same scripted day runs on two halls: one through the plain-SQL functions, one through
# the ORM functions they replaced (tests/server/orm_reference.py, kept verbatim). Every answer
# and every refusal (type, words, context) must be the same, and so must every row of every
# table and every stored event (payload and seq), step by step.

PROVINCIAL = Path(__file__).resolve().parents[2] / "config" / "provincial.toml"
VALID_DOSSIER = "000.00.31.H12-251123-0001"
ALL_DAY_JUMPS = [0, 1800, 3 * 3600, 9 * 3600]  # housekeeping after these moves of the clock


def _fast_housekeeping(tx):
    return day.housekeeping(tx)


def _ref_housekeeping(tx):
    return ref.housekeeping(tx, tx.s.get(HallState, tx.cfg.hall.code))


ACTIONS = ["next_ticket", "call_number", "recall", "start", "skip", "finish", "transfer",
           "pause", "resume"]
FAST = SimpleNamespace(**{name: getattr(ct, name) for name in ACTIONS}, rate=rt.rate,
                       housekeeping=_fast_housekeeping)
REF = SimpleNamespace(**{name: getattr(ref, name) for name in ACTIONS}, rate=ref.rate,
                      housekeeping=_ref_housekeeping)


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name) for name in names}


def _normal(result):
    """An action's answer, comparable between the ORM objects and the plain rows."""
    if result is None:
        return None
    if isinstance(result, tuple):
        v, t = result
        return (_fields(v, [f.name for f in dc_fields(VisitRow)]),
                _fields(t, [f.name for f in dc_fields(TicketRow)]))
    if isinstance(result, (Counter, CounterRow)):
        return _fields(result, [f.name for f in dc_fields(CounterRow)])
    if isinstance(result, tk.IssuedTicket):
        return result
    return result.model_dump()  # RatingOut


def _outcome(hall: Hall, job, fast: bool):
    try:
        result = _normal(hall.write(sql_only(job) if fast else job))
        return ("ok" if result is not None else "none"), result
    except EngineError as exc:
        return type(exc).__name__, exc.status, exc.message, exc.context


def _dump(hall: Hall) -> dict:
    def q(tx):
        out = {}
        for model in (Ticket, Visit, Counter, Rating, HallState, NumberSeq):
            keys = list(model.__table__.primary_key.columns.keys())
            rows = [r.model_dump() for r in tx.s.exec(select(model)).all()]
            out[model.__tablename__] = sorted(rows, key=lambda r: [r[k] for k in keys])
        out["event"] = [(e.seq, e.type, e.at, json.loads(e.payload))
                        for e in tx.s.exec(select(Event).order_by(Event.seq)).all()]
        return out

    return hall.read(q)


def _hall_at(cfg, start: datetime, folder: Path | None = None, url: str | None = None) -> Hall:
    if url is None:
        hall = make_hall(start, cfg, folder)
    else:
        db = Database(url)
        SQLModel.metadata.create_all(db.engine)
        hall = Hall(cfg, db, FakeClock(start))
        hall.setup(migrate=False)
    for name in ("lan", "minh"):  # officers 1 and 2
        hall.db.write(lambda s, name=name: auth.add_user(s, name, Role.officer,
                                                         "mat-khau-dai-1", START))
    return hall


class _Script:
    """A random day of counter work, drawn once and played on both halls."""

    def __init__(self, cfg, seed: int, counters: list[int], jumps: list[int]) -> None:
        self.cfg, self.rng, self.counters, self.jumps = cfg, random.Random(seed), counters, jumps
        self.services = sorted({code for n in counters for code in cfg.counter(n).services})
        self.groups = [None, None, None] + [g.code for g in cfg.priority_groups]

    def step(self, state: dict):
        """(name, job maker: impl -> job, seconds to move the clock first)."""
        rng = self.rng
        n = rng.choice(self.counters)
        officer = rng.choice([None, None, 1, 2, 9])  # users 1 and 2 exist
        x = rng.random()
        dt = rng.choice([0, 2, 5, 10, 20, 60, 120])
        if x < 0.22:
            svc, group = rng.choice(self.services), rng.choice(self.groups)
            return "issue", lambda impl: (
                lambda tx: tk.issue(tx, svc, group, "vi", None, None)), dt
        if x < 0.40:
            return "next", lambda impl: lambda tx: impl.next_ticket(tx, n, officer), dt
        if x < 0.49:
            return "start", lambda impl: lambda tx: impl.start(tx, n), dt
        if x < 0.60:
            code = rng.choice([None, None, VALID_DOSSIER, " 000.00.31.h12-251123-0001 ", "XYZ"])
            outcome = rng.choice([None, *Outcome])
            due = rng.choice([None, date(2026, 12, 1)])
            return "finish", lambda impl: lambda tx: impl.finish(tx, n, code, outcome, due), dt
        if x < 0.65:
            return "recall", lambda impl: lambda tx: impl.recall(tx, n), dt
        if x < 0.68:
            return "skip", lambda impl: lambda tx: impl.skip(tx, n), dt
        if x < 0.74:
            mode = rng.choice(["service", "service", "counter", "counter", "both", "neither"])
            svc = rng.choice([*self.services, "NOPE"]) if mode in ("service", "both") else None
            to = rng.choice([n, 99, *self.counters]) if mode in ("counter", "both") else None
            reason = rng.choice([None, "Sai lĩnh vực"])
            return "transfer", lambda impl: lambda tx: impl.transfer(tx, n, svc, to, reason), dt
        if x < 0.76:
            reason = rng.choice([None, "Nghỉ giải lao"])
            return "pause", lambda impl: lambda tx: impl.pause(tx, n, reason), dt
        if x < 0.82:
            return "resume", lambda impl: lambda tx: impl.resume(tx, n), dt
        if x < 0.85:
            number = rng.choice(state["numbers"] or ["0000"]) if rng.random() < 0.9 else "x1"
            confirm = rng.random() < 0.5
            return "call", lambda impl: (
                lambda tx: impl.call_number(tx, n, f" {number.lower()} ", officer, confirm)), dt
        if x < 0.92:
            return self.rate(state, rng.randint(1, state["visits"] + 1), n, dt)
        if x < 0.95 and state["finished"]:  # a visit whose window may still be open
            return self.rate(state, state["finished"][-1], n, rng.choice([0, 5, 30, 70]))
        if x < 0.96:
            return "bad counter", lambda impl: lambda tx: impl.start(tx, 99), dt
        return "housekeeping", lambda impl: impl.housekeeping, rng.choice(self.jumps)

    def rate(self, state: dict, vid: int, n: int, dt: int):
        rng = self.rng
        top = len(self.cfg.rating.levels)
        score = rng.randint(1, top) if rng.random() < 0.8 else rng.choice([0, top + 1])
        by = rng.choice([None, "own", "own", "own", n])
        by = state["visit_counter"].get(vid) if by == "own" else by
        reason = rng.choice([None, "Rất nhanh"])
        return "rate", lambda impl: lambda tx: impl.rate(tx, vid, score, reason, by, 3), dt



def _known(hall: Hall) -> dict:
    def q(tx):
        return {"numbers": tx.s.exec(select(Ticket.number).where(Ticket.day == tx.today)
                                     .order_by(Ticket.id)).all(),
                "visits": tx.s.exec(select(func.count()).select_from(Visit)).one(),
                "visit_counter": dict(tx.s.exec(select(Visit.id, Visit.counter)).all()),
                "finished": tx.s.exec(select(Visit.id).where(Visit.status == "finished")
                                      .order_by(Visit.finished_at)).all()}

    return hall.read(q)


def _play(cfg, seed: int, steps: int, counters: list[int], jumps: list[int], fast: Hall,
          slow: Hall) -> Tally:
    script = _Script(cfg, seed, counters, jumps)
    seen = Tally()
    done = 0
    state = _known(slow)
    for i in range(steps):
        if state["finished"] and seen[("finish", "ok")] > done and script.rng.random() < 0.5:
            name, make, dt = script.rate(state, state["finished"][-1], counters[0],
                                         script.rng.choice([0, 5, 30, 70]))
        else:
            name, make, dt = script.step(state)
        done = seen[("finish", "ok")]
        for hall in (fast, slow):
            hall.clock.advance(dt)
        got = _outcome(fast, make(FAST), fast=True)
        want = _outcome(slow, make(REF), fast=False)
        assert got == want, (i, name)
        seen[(name, got[0])] += 1
        if name in ("issue", "next", "call", "finish", "housekeeping") or i % 10 == 0:
            state = _known(slow)
        if i % 25 == 0:
            assert _dump(fast) == _dump(slow), i
            # pause and resume answer with one counter read in their transaction: as the
            # list of all counters shows it
            assert fast.write(lambda tx: [counter_out(tx, c.number) for c in cfg.counters]
                              ) == fast.read(views.counters), i
    assert _dump(fast) == _dump(slow)
    return seen


def test_counter_actions_ratings_and_housekeeping_match_the_orm(tmp_path):
    cfg = load_hall_config(DEFAULT_CONFIG)  # open around the clock: midnight closes the day
    start = datetime(2026, 11, 23, 22, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    seen = Tally()
    for seed in (1, 2):
        fast = _hall_at(cfg, start, tmp_path / f"fast{seed}")
        slow = _hall_at(cfg, start, tmp_path / f"slow{seed}")
        for hall in (fast, slow):  # as if the hall file grew a counter since the rows were synced
            hall.db.write(lambda s: s.delete(s.get(Counter, 5)))
        try:
            seen += _play(cfg, seed, 500, [c.number for c in cfg.counters], ALL_DAY_JUMPS, fast,
                          slow)
            rows = _dump(fast)
        finally:
            fast.db.dispose()
            slow.db.dispose()
        events = Tally(e[1] for e in rows["event"])
        assert events["day_closed"] >= 2 and events["day_opened"] >= 2, events  # two midnights
    # the script reached the answers and refusals that matter
    for want in [("next", "ok"), ("next", "CounterBusy"), ("start", "ok"), ("start", "IllegalMove"),
                 ("finish", "ok"), ("finish", "BadDossierCode"), ("finish", "CounterIdle"),
                 ("transfer", "ok"), ("transfer", "BadInput"), ("pause", "ok"),
                 ("resume", "ok"), ("resume", "EngineError"), ("rate", "ok"),
                 ("rate", "AlreadyRated"), ("rate", "RatingClosed"), ("rate", "Forbidden"),
                 ("rate", "UnknownVisit"), ("call", "ok"), ("recall", "ok"),
                 ("bad counter", "UnknownCounter"), ("housekeeping", "none")]:
        assert seen[want], (want, sorted(seen.items()))


def test_counter_actions_match_the_orm_over_a_day_with_hours(tmp_path):
    """The provincial centre: a lunch break and a closing, so housekeeping opens and closes
    the day and expires what is left (also at counters)."""
    cfg = load_hall_config(PROVINCIAL)
    start = datetime(2026, 11, 23, 7, 25, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    fast = _hall_at(cfg, start, tmp_path / "fast")
    slow = _hall_at(cfg, start, tmp_path / "slow")
    try:
        seen = _play(cfg, 3, 500, [1, 2, 3, 4, 5, 6], [0, 600, 1800, 5400], fast, slow)
        # past closing (tickets left, some at counters, expire), then the next morning
        for at in (datetime(2026, 11, 23, 17, 1), datetime(2026, 11, 24, 7, 31)):
            for hall in (fast, slow):
                hall.clock.set(at.replace(tzinfo=cfg.zone))
            assert (_outcome(fast, FAST.housekeeping, fast=True)
                    == _outcome(slow, REF.housekeeping, fast=False))
            assert _dump(fast) == _dump(slow)
        rows = _dump(fast)
    finally:
        fast.db.dispose()
        slow.db.dispose()
    assert seen[("next", "ok")] and seen[("finish", "ok")]
    closed = [e[3] for e in rows["event"] if e[1] == "day_closed"]
    assert closed and closed[-1]["expired"] > 0, closed
    assert any(v["status"] == "expired" for v in rows["visit"])  # one was at a counter
    assert [e[1] for e in rows["event"]][-1] == "day_opened"


@pytest.mark.postgres
def test_counter_actions_match_the_orm_on_postgresql(tmp_path, pg_url):
    """The plain SQL on PostgreSQL against the ORM on SQLite: the same rows and events."""
    cfg = load_hall_config(DEFAULT_CONFIG)
    start = datetime(2026, 11, 23, 22, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    fast = _hall_at(cfg, start, url=pg_url)
    slow = _hall_at(cfg, start, tmp_path / "slow")
    try:
        seen = _play(cfg, 5, 300, [c.number for c in cfg.counters], ALL_DAY_JUMPS, fast, slow)
    finally:
        fast.db.dispose()
        slow.db.dispose()
    assert seen[("next", "ok")] and seen[("finish", "ok")] and seen[("rate", "ok")]


def test_sql_actions_keep_the_orm_objects_of_their_transaction_current(tmp_path):
    """In a group commit an ORM job may have loaded the rows a later plain-SQL job changes;
    a still later ORM job of the same transaction must read the new values, not stale ones
    (and a refused plain-SQL job leaves nothing of itself behind)."""
    hall = make_hall(START, folder=tmp_path)
    db = hall.db
    try:
        for _ in range(3):
            hall.write(lambda tx: tk.issue(tx, "HT", None, "vi", None, None))
        v1, t1 = hall.write(lambda tx: ct.next_ticket(tx, 2, None))
        v2, t2 = hall.write(lambda tx: ct.next_ticket(tx, 1, None))
        hall.write(lambda tx: ct.pause(tx, 3, "họp"))
        hall.clock.advance(30)

        def load(tx):  # an ORM job that reads (and keeps: its answer) the rows changed next
            return [tx.s.get(model, key) for model, key in (
                (Counter, 1), (Counter, 2), (Counter, 3), (Visit, v1.id), (Visit, v2.id),
                (Ticket, t1.id), (Ticket, t2.id))]

        def seen(tx):
            c1, c2, c3 = (tx.s.get(Counter, n) for n in (1, 2, 3))
            a, b = tx.s.get(Visit, v1.id), tx.s.get(Visit, v2.id)
            return ((c1.current_visit_id, c2.current_visit_id, c3.paused, c3.pause_reason,
                     c3.paused_at),
                    (a.status, a.started_at, a.finished_at, a.rating_until, a.dossier_code),
                    (b.status, b.outcome, b.finished_at),
                    (tx.s.get(Ticket, t1.id).state, tx.s.get(Ticket, t2.id).state,
                     tx.s.get(Ticket, t2.id).service, tx.s.get(Ticket, t2.id).transferred))

        def refused(tx):
            ct.resume(tx, 3)  # changes counter 3 (and its ORM object) ...
            raise EngineError("refused")  # ... and is undone

        gate = threading.Event()
        blocker = db.submit(lambda s: gate.wait(10))
        jobs = [load,
                sql_only(lambda tx: ct.start(tx, 2)),
                sql_only(lambda tx: ct.finish(tx, 2, VALID_DOSSIER, Outcome.received, None)),
                sql_only(lambda tx: ct.transfer(tx, 1, "CT", None, "sai")),
                seen,
                sql_only(refused),
                seen]
        futures = [db.submit(hall._job(fn)) for fn in jobs]
        gate.set()
        blocker.result(10)
        outcomes = [f.exception(10) or f.result(10)[0] for f in futures]
        assert isinstance(outcomes[5], EngineError)
        after = hall.read(seen)  # the committed rows, read afresh
        assert outcomes[4] == after
        assert outcomes[6] == after
        now = hall.clock.now()
        assert after[0][:3] == (None, None, True) and after[1][0] == "finished"
        assert after[1][1] == after[1][2] == now and after[1][4] == VALID_DOSSIER
        assert after[2] == ("transferred", "transferred", now)
        assert after[3] == ("served", "transferred", "CT", True)
    finally:
        db.dispose()
