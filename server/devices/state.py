"""What the hall's devices should show, folded from the event log; no I/O.

`HallShow.from_db(tx)` reads it from the database (so a restarted server shows the right
numbers at once), and `apply(event)` folds each committed event in and says what changed,
so the manager sends only the frames an event calls for. A gap in sequence numbers, or a
day opening or closing, asks for a reload from the database instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from contracts.api import CounterState
from server.engine.hours import local_day
from server.queue.context import Tx

MAX_CALLS = 16
"""The most lines a hall board has (docs/serial-bus.md); older calls are forgotten."""
TAGS_KEPT = 8


def visit_tag(visit_id: int) -> int:
    """The rating box's one-byte tag for a visit: 1..255 (0 is what keypads send)."""
    return visit_id % 255 + 1


@dataclass(frozen=True)
class Call:
    """One line of the hall board: a number and the counter it was called to."""

    number: str
    counter: int
    label: str


@dataclass
class CounterShow:
    number: str | None = None
    """The ticket called or being served at the counter; None when idle."""
    paused: bool = False


@dataclass(frozen=True)
class Armed:
    """A counter's rating box waits for a press about this visit until `until`."""

    visit_id: int
    until: datetime

    @property
    def tag(self) -> int:
        return visit_tag(self.visit_id)


@dataclass
class Change:
    """What an event changed: which counters' panels, blinks and rating boxes, the board."""

    panels: set[int] = field(default_factory=set)
    calls: set[int] = field(default_factory=set)
    board: bool = False
    ratings: set[int] = field(default_factory=set)
    reload: bool = False

    def __bool__(self) -> bool:
        return bool(self.panels or self.calls or self.board or self.ratings or self.reload)


class HallShow:
    """The hall's displays as the event log says they should be."""

    def __init__(self, labels: dict[int, str], seq: int = 0) -> None:
        self.labels = dict(labels)
        self.counters: dict[int, CounterShow] = {n: CounterShow() for n in labels}
        self.calls: list[Call] = []
        self.armed: dict[int, Armed] = {}
        self._tags: dict[int, dict[int, int]] = {}
        self.seq = seq

    # -- reading ----------------------------------------------------------------------------
    @classmethod
    def from_db(cls, tx: Tx) -> HallShow:
        """Everything at once, as of the last committed event (`seq`)."""
        from server.queue.ratings import last_rateable_visit
        from server.queue.views import counters, last_seq, recent_calls

        show = cls({c.number: c.label for c in tx.cfg.counters}, last_seq(tx))
        for c in counters(tx):
            row = show.counters.setdefault(c.number, CounterShow())
            if c.state in (CounterState.called, CounterState.serving) and c.ticket is not None:
                row.number = c.ticket.number
            row.paused = c.state is CounterState.paused
        for rc in recent_calls(tx):  # newest first; only today's belong on the board
            if local_day(rc.at, tx.cfg.zone) == tx.today:
                show._board_add(Call(rc.number, rc.counter, rc.counter_label), newest=False)
        for number in show.labels:
            v = last_rateable_visit(tx, number)
            if v is not None and v.rating_until is not None:
                show._arm(number, Armed(v.id, v.rating_until))
        return show

    def panel(self, counter: int) -> tuple[str | None, bool]:
        """(number or None, paused) for a counter's panel."""
        c = self.counters.get(counter, CounterShow())
        return c.number, c.paused

    def visit_for_tag(self, counter: int, tag: int) -> int | None:
        """The visit a rating box press with `tag` is about, if this counter armed it lately."""
        return self._tags.get(counter, {}).get(tag)

    # -- folding events ---------------------------------------------------------------------
    # Every event type is folded here or left on purpose (tests/trust/test_event_contract.py)
    HANDLED_EVENTS = frozenset({
        "called", "recalled", "started", "skipped", "finished", "transferred",
        "counter_paused", "counter_resumed", "rated", "day_opened", "day_closed",
    })
    IGNORED_EVENTS = frozenset({
        "ticket_issued", "cancelled", "returned",  # panels show calls, not the queue
        "ticket_reprinted", "notice",  # nothing a counter device shows
    })

    def apply(self, ev: dict[str, Any]) -> Change:
        change = Change()
        seq = ev.get("seq")
        if isinstance(seq, int):
            if seq <= self.seq:
                return change  # already in the state (read from the database after it)
            if self.seq and seq > self.seq + 1:
                change.reload = True  # missed events: the database knows better
            self.seq = seq
        kind = ev.get("type")
        counter = ev.get("counter")
        if kind in ("called", "recalled"):
            self._set(counter, ev["number"], False, change)
            label = ev.get("counter_label") or self.labels.get(counter, str(counter))
            self._board_add(Call(ev["number"], counter, label))
            change.calls.add(counter)
            change.board = True
        elif kind == "started":
            self._set(counter, ev["number"], False, change)
        elif kind in ("skipped", "finished"):
            self._set(counter, None, False, change)
            if kind == "finished" and ev.get("rating_until"):
                until = datetime.fromisoformat(ev["rating_until"])
                self._arm(counter, Armed(int(ev["visit_id"]), until))
                change.ratings.add(counter)
        elif kind == "transferred":
            self._set(ev.get("from_counter"), None, False, change)
        elif kind == "counter_paused":
            self._set(counter, None, True, change)
        elif kind == "counter_resumed":
            self._set(counter, None, False, change)
        elif kind == "rated":
            armed = self.armed.get(counter)
            if armed is not None and armed.visit_id == ev.get("visit_id"):
                del self.armed[counter]
                change.ratings.add(counter)
        elif kind in ("day_opened", "day_closed"):
            change.reload = True  # the day's leftovers expired; read the new day afresh
        return change

    def _set(self, counter: Any, number: str | None, paused: bool, change: Change) -> None:
        if not isinstance(counter, int) or counter not in self.counters:
            return
        row = self.counters[counter]
        if (row.number, row.paused) != (number, paused):
            row.number, row.paused = number, paused
            change.panels.add(counter)

    def _board_add(self, call: Call, newest: bool = True) -> None:
        """A number appears once on the board, at its latest call (a recall moves it up)."""
        if any(c.number == call.number for c in self.calls):
            if not newest:
                return  # reading newest first: the one already listed is the latest
            self.calls = [c for c in self.calls if c.number != call.number]
        if newest:
            self.calls.insert(0, call)
        else:
            self.calls.append(call)
        del self.calls[MAX_CALLS:]

    def _arm(self, counter: int, armed: Armed) -> None:
        self.armed[counter] = armed
        tags = self._tags.setdefault(counter, {})
        tags.pop(armed.tag, None)
        tags[armed.tag] = armed.visit_id
        while len(tags) > TAGS_KEPT:
            tags.pop(next(iter(tags)))
