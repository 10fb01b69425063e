"""What the engine refuses, with messages a person at a counter or kiosk can act on.

Each error carries a stable `code` and the HTTP status the API answers with, so the mapping
lives with the rule and not in every endpoint.
"""

from __future__ import annotations

from server.engine.words import MOVE_EN, MOVE_VI, STATE_EN, state_vi


class EngineError(Exception):
    code = "refused"
    status = 409

    def __init__(self, message: str, **context: object) -> None:
        super().__init__(message)
        self.message = message
        self.context = context


class IllegalMove(EngineError):
    code = "illegal_move"

    def __init__(self, number: str, state: str, move: str) -> None:
        """`state` a TicketState value, `move` a Move value: each part names them in its
        own language (server/engine/words.py)."""
        super().__init__(
            f"Số thứ tự {number} đang ở trạng thái “{state_vi(state)}”, không thể "
            f"{MOVE_VI.get(move, move)}. (Ticket {number} is {STATE_EN.get(state, state)}; "
            f"cannot {MOVE_EN.get(move, move)} it.)",
            number=number,
            state=state,
            move=move,
        )


class CounterBusy(EngineError):
    code = "counter_busy"


class CallNeedsConfirm(EngineError):
    """A number called by hand that Next would not give this counter (server/engine/
    call_rules.py); sent again with `confirm: true` it is called."""

    code = "call_needs_confirm"


class CounterPaused(EngineError):
    code = "counter_paused"


class CounterIdle(EngineError):
    code = "counter_idle"


class HallClosed(EngineError):
    code = "hall_closed"


class AfterCutoff(EngineError):
    code = "after_cutoff"


class ServiceFull(EngineError):
    code = "service_full"


class NotFound(EngineError):
    code = "not_found"
    status = 404


class UnknownService(NotFound):
    code = "unknown_service"


class UnknownCounter(NotFound):
    code = "unknown_counter"


class UnknownTicket(NotFound):
    code = "unknown_ticket"


class UnknownVisit(NotFound):
    code = "unknown_visit"


class DossierNotFound(NotFound):
    code = "dossier_not_found"


class BadDossierCode(EngineError):
    code = "bad_dossier_code"
    status = 422


class BadInput(EngineError):
    code = "bad_input"
    status = 422


class RatingClosed(EngineError):
    code = "rating_closed"


class AlreadyRated(EngineError):
    code = "already_rated"


class Forbidden(EngineError):
    code = "forbidden"
    status = 403


class CounterHeld(EngineError):
    code = "counter_held"
