"""The lanes a counter calls from, and the one order both `next` and the waiting list follow.

A counter draws from lanes: the tickets transferred to it, and for each of its services the
tickets transferred there and the others. Within a lane the order is (priority class, issue
order): `LANE_ORDER`, which the partial index `ix_ticket_lane` keeps, so `next` reads each
lane's head with one index probe (server/queue/counters.py). The engine (`pick_next`) then
chooses between the lane heads only. The counter's waiting list (server/queue/counter_reads.py)
is the same choice repeated: `next` calls `first_to_call` over the lane heads it read, and
`call_order` calls it again and again over whole lanes, so the list is, ticket for ticket, what
repeated Next presses would call. There is no second copy of the order to keep in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from server.engine.selection import Candidate, pick_next

# The order within a lane, as SQL (`ORDER BY`) and as a sort key; the two say the same.
LANE_ORDER = "priority_rank, id"


def lane_position(c: Candidate) -> tuple[int, int]:
    """A ticket's place within its lane: `LANE_ORDER` for a candidate."""
    return (c.priority_rank, c.order)


def lane_of(c: Candidate, counter: int) -> tuple[object, bool]:
    """The lane a ticket waits in, seen from `counter`: sent to it, or its service; each
    split by the transferred flag, as `next` probes them."""
    return ("here" if c.target_counter == counter else c.service, c.transferred)


def first_to_call(heads: Iterable[Candidate], counter: int, services: Sequence[str],
                  transferred_first: bool) -> Candidate | None:
    """The ticket Next calls: the engine's choice (`pick_next`) between the lane heads."""
    return pick_next(heads, counter, services, transferred_first)


def call_order(lanes: Iterable[Sequence[Candidate]], counter: int, services: Sequence[str],
               transferred_first: bool) -> Iterator[Candidate]:
    """The candidates in the order repeated Next presses would call them: each lane in lane
    order (`lane_position`), `first_to_call` between the heads, again and again."""
    queues = [list(reversed(lane)) for lane in lanes if lane]  # pop() from the end: the head
    while queues:
        choice = first_to_call([q[-1] for q in queues], counter, services, transferred_first)
        if choice is None:
            return
        for i, q in enumerate(queues):
            if q[-1] is choice:
                q.pop()
                if not q:
                    del queues[i]
                break
        yield choice
