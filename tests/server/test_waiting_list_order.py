"""The counter's waiting list is, ticket for ticket, what repeated Next presses call.

Both follow `server.queue.lanes.call_order`: `next` over the lane heads it reads from the index,
the list over whole lanes. Hypothesis builds random queues (services, priority groups, tickets
transferred to a service or to a counter) under both settings of the hall's
`[queue] transferred_first`, reads the list of one counter, then presses Next (and Skip) there
until nothing waits. The list once kept its own copy of the order, which put a transferred ticket
first within its service even where the hall said `transferred_first = false`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config
from server.engine.errors import EngineError
from server.queue import counters as ct
from server.queue import tickets
from server.queue.counter_reads import call_order
from tests.server.hall_fixture import make_hall
from tests.server.test_engine_stateful import START

CFG = load_hall_config(DEFAULT_CONFIG)
SERVICES = [s.code for s in CFG.services]
COUNTERS = [c.number for c in CFG.counters]
PRIORITIES = [None, None, *[p.code for p in CFG.priority_groups]]

issue = st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from(PRIORITIES))
# Next at a counter, then send the called ticket on: to a service, or to another counter.
send_on = st.tuples(st.just("send"), st.sampled_from(COUNTERS),
                    st.sampled_from([*SERVICES, *COUNTERS]))
steps = st.lists(st.one_of(issue, issue, send_on), min_size=1, max_size=40)


def with_transferred_first(first: bool) -> HallConfig:
    return CFG.model_copy(update={"queue": CFG.queue.model_copy(
        update={"transferred_first": first})})


def build(tx, plan) -> None:
    for step in plan:
        try:
            if step[0] == "issue":
                tickets.issue(tx, step[1], step[2], "vi", None, None)
                continue
            _, counter, to = step
            if ct.next_ticket(tx, counter, None) is None:
                continue
        except EngineError:
            continue
        try:
            if isinstance(to, str):
                ct.transfer(tx, counter, to, None, "test")
            elif to != counter:
                ct.transfer(tx, counter, None, to, "test")
            else:
                ct.skip(tx, counter)
        except EngineError:
            ct.skip(tx, counter)  # the counter is free again for the next step


def called_by_next(tx, counter: int) -> list[int]:
    out = []
    while (res := ct.next_ticket(tx, counter, None)) is not None:
        out.append(res[1].id)
        ct.skip(tx, counter)
    return out


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(plan=steps, counter=st.sampled_from(COUNTERS), first=st.booleans())
# An older walk-in and a younger ticket sent on to the same service: with
# `transferred_first = false` the walk-in is called first, and so listed first.
@example(plan=[("issue", "HT", None), ("issue", "CT", None), ("send", 4, "HT")], counter=2,
         first=False)
def test_the_waiting_list_is_the_order_next_calls(plan, counter, first) -> None:
    folder = Path(tempfile.mkdtemp(prefix="layso-lanes-"))
    hall = make_hall(START, with_transferred_first(first), folder)
    try:
        hall.write(lambda tx: build(tx, plan))
        listed = hall.read(lambda tx: [t.id for t in call_order(tx, counter)])
        assert hall.write(lambda tx: called_by_next(tx, counter)) == listed
    finally:
        hall.db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
