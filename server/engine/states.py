"""Ticket and counter state machines: the only moves allowed between states."""

from __future__ import annotations

from enum import StrEnum

from contracts.api import TicketState as T
from server.engine.errors import IllegalMove


class Move(StrEnum):
    call = "call"  # waiting/transferred/no_show → called (no_show: a late arrival called back)
    recall = "recall"
    start = "start"  # the citizen reached the counter
    skip = "skip"  # no-show
    finish = "finish"
    transfer = "transfer"
    requeue = "requeue"  # a no-show put back in the queue
    cancel = "cancel"
    expire = "expire"


MOVES: dict[Move, dict[T, T]] = {
    Move.call: {T.waiting: T.called, T.transferred: T.called, T.no_show: T.called},
    Move.recall: {T.called: T.called},
    Move.start: {T.called: T.serving},
    Move.skip: {T.called: T.no_show},
    Move.finish: {T.called: T.served, T.serving: T.served},
    Move.transfer: {T.called: T.transferred, T.serving: T.transferred},
    Move.requeue: {T.no_show: T.waiting},
    Move.cancel: {T.waiting: T.cancelled, T.transferred: T.cancelled},
    Move.expire: {T.waiting: T.expired, T.transferred: T.expired, T.called: T.expired,
                  T.serving: T.expired},
}

FINAL: frozenset[T] = frozenset({T.served, T.no_show, T.cancelled, T.expired})
QUEUED: frozenset[T] = frozenset({T.waiting, T.transferred})
AT_COUNTER: frozenset[T] = frozenset({T.called, T.serving})

def move(number: str, state: T | str, action: Move) -> T:
    """The state after `action`, or IllegalMove naming the ticket, its state and the move."""
    state = T(state)
    target = MOVES[action].get(state)
    if target is None:
        raise IllegalMove(number, state.value, action.value)
    return target
