"""Key presses as queue actions: the same functions, rules and refusals as the HTTP API.

A keypad belongs to the counter the hall file gives it, so it acts for that counter the way
`POST /api/v1/counters/{n}/…` does for an officer signed in there. Each action is a function
of one transaction (`Hall.write`); a refusal is an `EngineError` with the API's message, which
the manager logs and answers with the panel's error blink.
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.bus.protocol import Key
from server.engine.errors import EngineError
from server.queue import counters as ct
from server.queue.context import Tx
from server.queue.lookups import counter_row
from server.queue.ratings import last_rateable_visit, rate


class NobodyWaiting(EngineError):
    """NEXT with an empty queue: the API answers 204; a keypad has no screen, so it blinks."""

    code = "nobody_waiting"


class NoTransferTarget(EngineError):
    """A keypad's TRANSFER key cannot say where to: that needs the counter's web panel."""

    code = "no_transfer_target"
    status = 422


class NothingToRate(EngineError):
    """A rating press with no open, unrated visit at the counter (late, or a stray press)."""

    code = "nothing_to_rate"


Action = Callable[[Tx], str]


def keypad_action(key: Key, counter: int) -> Action:
    """The transaction a key runs at `counter`; it returns a line for the log."""
    if key is Key.TRANSFER:
        raise NoTransferTarget(
            f"Bàn phím quầy {counter} không chọn được nơi chuyển đến: hãy chuyển trên màn hình "
            f"quầy. (A keypad cannot choose where to transfer; use counter {counter}'s web "
            "panel.)", counter=counter)

    def next_(tx: Tx) -> str:
        res = ct.next_ticket(tx, counter, None)
        if res is None:
            label = counter_row(tx, counter).label
            raise NobodyWaiting(f"Không có công dân nào đang chờ quầy {label}. (Nobody is "
                                f"waiting for counter {label}.)", counter=counter)
        return f"called {res[1].number}"

    def recall(tx: Tx) -> str:
        v, t = ct.recall(tx, counter)
        return f"recalled {t.number}" if v.status == "called" else f"{t.number} became a no-show"

    def skip(tx: Tx) -> str:
        return f"skipped {ct.skip(tx, counter)[1].number}"

    def finish(tx: Tx) -> str:
        return f"finished {ct.finish(tx, counter, None, None, None)[1].number}"

    def pause(tx: Tx) -> str:
        if counter_row(tx, counter).paused:
            ct.resume(tx, counter)
            return "resumed"
        ct.pause(tx, counter, None)
        return "paused"

    return {Key.NEXT: next_, Key.RECALL: recall, Key.SKIP: skip, Key.FINISH: finish,
            Key.PAUSE: pause}[key]


def rating_action(counter: int, level: int, visit_id: int | None) -> Action:
    """Rate `visit_id` (the visit the box was armed for), or else the counter's last visit
    still open for rating; one rating per visit, only in its window, as `rate()` rules."""

    def run(tx: Tx) -> str:
        target = visit_id
        if target is None:
            v = last_rateable_visit(tx, counter)
            if v is None:
                raise NothingToRate(f"Quầy {counter} không có lượt nào đang chờ đánh giá. "
                                    f"(Counter {counter} has no visit open for rating.)",
                                    counter=counter)
            target = v.id
        out = rate(tx, target, level, None, counter, None)
        return f"visit {target} rated {level} ({out.label})"

    return run
