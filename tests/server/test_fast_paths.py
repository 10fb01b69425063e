"""The hot paths written as plain SQL (`server.db.database.Sql`) answer exactly what the ORM
queries they replaced answered, and their shortcuts keep the guarantees: a refused job in a
group commit undoes only itself, and a revoked token stops working in this process at once."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, or_
from sqlmodel import SQLModel, select

from contracts.api import DeviceKind, Role
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server import auth
from server.clock import FakeClock
from server.db.database import Database, Sql, sql_only
from server.db.models import Counter, Event, NumberSeq, Ticket, Visit
from server.engine import estimate
from server.engine.errors import EngineError
from server.engine.states import QUEUED
from server.hall import Hall
from server.queue import counters as ct
from server.queue import tickets as tk
from server.queue.lookups import service_cfg
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
