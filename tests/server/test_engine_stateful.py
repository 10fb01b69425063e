"""Hypothesis drives the queue (engine + storage) through random days and checks every
invariant of DESIGN.md after every step."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func
from sqlmodel import select

from contracts.api import Outcome
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server.db.models import Counter, Rating, Ticket, Visit
from server.engine.errors import EngineError
from server.engine.selection import Candidate, pick_next
from server.engine.states import FINAL, QUEUED
from server.queue import counters as ct
from server.queue import ratings, tickets
from server.queue.context import Tx
from tests.server.hall_fixture import make_hall

CFG = load_hall_config(DEFAULT_CONFIG)
SERVICES = [s.code for s in CFG.services]
COUNTERS = [c.number for c in CFG.counters]
PRIORITIES = [None, None, None, *[p.code for p in CFG.priority_groups]]
START = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


class QueueDay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="layso-sm-"))
        self.hall = make_hall(START, CFG, self.folder)
        self.numbers: dict[tuple, set[str]] = {}
        self.touched: set[int] = set()  # tickets moved by an explicit officer action
        self.last_called: int | None = None

    def teardown(self) -> None:
        self.hall.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _do(self, fn):
        try:
            return self.hall.write(fn)
        except EngineError:
            return None

    @rule(service=st.sampled_from(SERVICES), priority=st.sampled_from(PRIORITIES))
    def issue(self, service, priority):
        out = self._do(lambda tx: tickets.issue(tx, service, priority, "vi", None, None))
        if out is not None:
            day = out.day
            seen = self.numbers.setdefault((day, service), set())
            assert out.number not in seen, f"number {out.number} reused on {day}"
            seen.add(out.number)

    @rule(counter=st.sampled_from(COUNTERS))
    def next_(self, counter):
        res = self._do(lambda tx: ct.next_ticket(tx, counter, None))
        self.last_called = res[1].id if res else None
        if res:
            self._check_order(res[1].id, counter)

    def _check_order(self, ticket_id: int, counter: int) -> None:
        """No older ticket of the same service and priority class, untouched by an officer,
        is still waiting once a younger one was called."""

        def q(tx: Tx):
            t = tx.s.get(Ticket, ticket_id)
            if t.id in self.touched or t.transferred or t.target_counter is not None:
                return []
            return list(tx.s.exec(select(Ticket.id).where(
                Ticket.day == t.day, Ticket.service == t.service,
                Ticket.priority_rank == t.priority_rank, Ticket.id < t.id,
                Ticket.state == "waiting", Ticket.transferred.is_(False),
                Ticket.target_counter.is_(None))).all())

        older = [i for i in self.hall.read(q) if i not in self.touched]
        assert not older, f"ticket {ticket_id} called before older {older}"
        self.hall.read(lambda tx: self._check_best(tx, ticket_id, counter))

    def _check_best(self, tx: Tx, ticket_id: int, counter: int) -> None:
        """The storage's lane-head shortcut agrees with the engine's order over every
        queued ticket the counter could take."""
        prefs = CFG.counter(counter).services
        rows = tx.s.exec(select(Ticket).where(
            Ticket.day == tx.today,
            (Ticket.state.in_([q.value for q in QUEUED])) | (Ticket.id == ticket_id))).all()
        pool = [Candidate(t.id, t.service, t.priority_rank, t.transferred, t.target_counter,
                          t.id) for t in rows]
        best = pick_next(pool, counter, prefs, CFG.queue.transferred_first)
        assert best is not None and best.ticket_id == ticket_id, (best, ticket_id)

    @rule(counter=st.sampled_from(COUNTERS))
    def recall(self, counter):
        self._do(lambda tx: ct.recall(tx, counter))

    @rule(counter=st.sampled_from(COUNTERS))
    def start(self, counter):
        self._do(lambda tx: ct.start(tx, counter))

    @rule(counter=st.sampled_from(COUNTERS))
    def skip(self, counter):
        self._do(lambda tx: ct.skip(tx, counter))

    @rule(counter=st.sampled_from(COUNTERS), code=st.booleans(),
          outcome=st.sampled_from([None, Outcome.received, Outcome.returned]))
    def finish(self, counter, code, outcome):
        dossier = "000.00.31.H12-251123-0001" if code else None
        self._do(lambda tx: ct.finish(tx, counter, dossier, outcome, None))

    @rule(counter=st.sampled_from(COUNTERS), to_service=st.sampled_from([None, *SERVICES]),
          to_counter=st.sampled_from(COUNTERS))
    def transfer(self, counter, to_service, to_counter):
        res = self._do(lambda tx: ct.transfer(tx, counter, to_service,
                                              None if to_service else to_counter, "test"))
        if res:
            self.touched.add(res[1].id)

    @rule(counter=st.sampled_from(COUNTERS))
    def pause(self, counter):
        self._do(lambda tx: ct.pause(tx, counter, "nghỉ giải lao"))

    @rule(counter=st.sampled_from(COUNTERS))
    def resume(self, counter):
        self._do(lambda tx: ct.resume(tx, counter))

    @rule(counter=st.sampled_from(COUNTERS), pick=st.integers(0, 30))
    def call_number(self, counter, pick):
        def run(tx: Tx):
            rows = tx.s.exec(select(Ticket.number).where(Ticket.day == tx.today)
                             .order_by(Ticket.id)).all()
            if not rows:
                return None
            return ct.call_number(tx, counter, rows[pick % len(rows)], None)

        res = self._do(run)
        if res:
            self.touched.add(res[1].id)

    @rule(pick=st.integers(0, 30))
    def requeue(self, pick):
        def run(tx: Tx):
            ids = tx.s.exec(select(Ticket.id).where(Ticket.state == "no_show")).all()
            return tickets.requeue(tx, ids[pick % len(ids)]) if ids else None

        res = self._do(run)
        if res:
            self.touched.add(res.id)

    @rule(score=st.integers(0, 4), pick=st.integers(0, 10))
    def rate(self, score, pick):
        def run(tx: Tx):
            vids = tx.s.exec(select(Visit.id).where(Visit.status == "finished")).all()
            if not vids:
                return None
            vid = vids[pick % len(vids)]
            counter = tx.s.get(Visit, vid).counter
            return ratings.rate(tx, vid, score, None, counter, None)

        self._do(run)

    @rule(minutes=st.sampled_from([1, 5, 30, 61, 240]))
    def time_passes(self, minutes):
        before = self.hall.clock.now().astimezone(CFG.zone).date()
        self.hall.clock.advance(minutes=minutes)
        if self.hall.clock.now().astimezone(CFG.zone).date() != before:
            self.hall.housekeeping()  # the scheduler's run on the minute after midnight

    @precondition(lambda self: True)
    @rule()
    def midnight(self):
        """The day ends: everything left expires and numbering starts again."""
        now = self.hall.clock.now().astimezone(CFG.zone)
        tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=30)
        self.hall.clock.set(tomorrow)
        self.hall.housekeeping()

    # ---- invariants, checked after every step ----

    @invariant()
    def invariants_hold(self):
        self.hall.read(self._check)

    def _check(self, tx: Tx) -> None:
        s = tx.s
        # Numbers unique per numbering service and day.
        dupes = s.exec(select(Ticket.day, Ticket.service_seq_key, Ticket.number, func.count())
                       .group_by(Ticket.day, Ticket.service_seq_key, Ticket.number)
                       .having(func.count() > 1)).all()
        assert not dupes, dupes
        # Earlier days: every ticket in exactly one final state.
        leftover = s.exec(select(Ticket).where(Ticket.day < tx.today,
                                               Ticket.state.not_in([f.value for f in FINAL]))
                          ).all()
        assert not leftover, [(t.number, t.state) for t in leftover]
        # One ticket per counter, one counter per ticket; states agree with visits.
        open_visits = s.exec(select(Visit).where(Visit.status.in_(["called", "serving"]))).all()
        per_counter: dict[int, int] = {}
        per_ticket: dict[int, int] = {}
        for v in open_visits:
            per_counter[v.counter] = per_counter.get(v.counter, 0) + 1
            per_ticket[v.ticket_id] = per_ticket.get(v.ticket_id, 0) + 1
            t = s.get(Ticket, v.ticket_id)
            assert t.state == v.status, (t.number, t.state, v.status)
        assert all(n == 1 for n in per_counter.values()), per_counter
        assert all(n == 1 for n in per_ticket.values()), per_ticket
        at_counter = s.exec(select(Ticket).where(Ticket.state.in_(["called", "serving"]))).all()
        assert {t.id for t in at_counter} == set(per_ticket), "ticket at counter without visit"
        for c in s.exec(select(Counter)).all():
            mine = [v.id for v in open_visits if v.counter == c.number]
            assert (c.current_visit_id in mine) if mine else True
            if c.paused:
                assert not mine, f"paused counter {c.number} has a visit"
        # Queued tickets have no open visit.
        for t in s.exec(select(Ticket).where(Ticket.state.in_([q.value for q in QUEUED]))):
            assert t.id not in per_ticket
        # One rating per visit, inside its window.
        for r in s.exec(select(Rating)).all():
            v = s.get(Visit, r.visit_id)
            assert v.status == "finished" and r.at <= v.rating_until
        n_r = s.exec(select(func.count(Rating.visit_id.distinct()))).one()
        assert n_r == s.exec(select(func.count()).select_from(Rating)).one()


QueueDay.TestCase.settings = settings(
    max_examples=40, stateful_step_count=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestQueueDay = QueueDay.TestCase
