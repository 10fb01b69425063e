"""Reads for the counter's pages: the officer's call panel and the citizen's rating tablet.

The actions live in `server/api/counters.py`; these are the views a panel needs to draw itself
and to come back to the true state after a reload: the counter's waiting list in the order the
engine would call it, the counter's figures for today, the rating window still open, and the
parts of the hall file a counter page shows (rating scale, dossier pattern, outcomes). This
module keeps the routes, who may read which counter, and the labels the pages show; the reads
themselves are server/queue/counter_reads.py, their answers contracts/counter_views.py.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException, Response

from contracts.api import Outcome
from contracts.counter_views import CounterQueueOut, CounterStatsOut, RateableOut
from server.api.deps import get_hall, principal, read
from server.api.errors import responses
from server.auth import Principal
from server.hall import Hall
from server.queue.context import Tx
from server.queue.counter_reads import counter_queue, counter_stats, rateable
from server.queue.lookups import counter_cfg

router = APIRouter(tags=["counter_views"])

# Vietnamese first, as the panel shows them; values are contracts.api.Outcome.
OUTCOME_NAMES: dict[Outcome, tuple[str, str]] = {
    Outcome.received: ("Tiếp nhận hồ sơ", "Dossier received"),
    Outcome.returned: ("Trả kết quả", "Result returned"),
    Outcome.guidance: ("Hướng dẫn", "Guidance only"),
    Outcome.supplement: ("Yêu cầu bổ sung", "Documents requested"),
    Outcome.refused: ("Từ chối tiếp nhận", "Refused"),
}
# The paper the officer hands over with each outcome, by the names of the forms of Circular
# 01/2018/TT-VPCP (Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, Mẫu 02 Phiếu yêu cầu bổ
# sung, hoàn thiện hồ sơ, Mẫu 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ); the panel shows it
# under the outcome so the officer reads the word of the form. Guidance and a returned result
# have no form of their own. docs/counter-panel.md.
OUTCOME_FORMS: dict[Outcome, tuple[str, str]] = {
    Outcome.received: ("Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                       "Receipt and appointment for the result"),
    Outcome.supplement: ("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
                         "Request to complete the dossier"),
    Outcome.refused: ("Phiếu từ chối tiếp nhận giải quyết hồ sơ",
                      "Notice of refusal to accept the dossier"),
}
PAUSE_REASONS = [
    ("break", "Nghỉ giải lao", "Break"),
    ("meeting", "Họp", "Meeting"),
    ("lunch", "Nghỉ trưa", "Lunch"),
    ("technical", "Sự cố kỹ thuật", "Technical problem"),
    ("other", "Việc khác", "Other"),
]
TRANSFER_REASONS = [
    ("Sai lĩnh vực", "Wrong field"),
    ("Cần quầy chuyên môn", "Needs a specialist counter"),
    ("Quầy quá tải", "Counter overloaded"),
    ("Công dân yêu cầu", "At the citizen's request"),
]


def can_read(p: Principal, number: int) -> None:
    """People read any counter; a counter's own devices read only that counter."""
    if p.kind == "user" or (p.role in ("rating", "keypad") and p.counter == number):
        return
    raise HTTPException(403, f"Thiết bị này không xem được quầy {number}. (This device may not "
                        f"read counter {number}.)")


async def _counter_read(hall: Hall, p: Principal, number: int, fn: Callable[[Tx], object]):
    await read(hall, lambda tx: counter_cfg(tx, number))  # 404 before 403 for a bad number
    can_read(p, number)
    return await read(hall, fn)


# ---- what a counter page needs from the hall file -------------------------------------------


def public_config(tx: Tx) -> dict:
    """No secrets and nothing personal: names of things, the rating scale, the dossier rule."""
    cfg = tx.cfg
    return {
        "hall": {"code": cfg.hall.code, "name": cfg.hall.name, "name_en": cfg.hall.name_en,
                 "timezone": cfg.hall.timezone},
        "now": tx.now,
        "rating": {"window_s": cfg.rating.window_s,
                   "levels": [lv.model_dump() for lv in cfg.rating.levels],
                   "low_reasons": list(cfg.rating.low_reasons)},
        "dossier": {"pattern": cfg.dossier.pattern, "example": cfg.dossier.example},
        "outcomes": [{"value": o.value, "name": vi, "name_en": en,
                      "form": OUTCOME_FORMS.get(o, (None, None))[0],
                      "form_en": OUTCOME_FORMS.get(o, (None, None))[1]}
                     for o, (vi, en) in OUTCOME_NAMES.items()],
        "pause_reasons": [{"value": v, "name": vi, "name_en": en}
                          for v, vi, en in PAUSE_REASONS],
        "transfer_reasons": [{"name": vi, "name_en": en} for vi, en in TRANSFER_REASONS],
        "services": [{"code": s.code, "name": s.name, "name_en": s.name_en, "prefix": s.prefix}
                     for s in cfg.services],
        "counters": [{"number": c.number, "label": c.label, "name": c.name,
                      "services": list(c.services)} for c in cfg.counters],
        "priority_groups": [{"code": g.code, "name": g.name, "name_en": g.name_en}
                            for g in cfg.priority_groups],
        "max_recalls": cfg.queue.max_recalls,
    }


# ---- routes -------------------------------------------------------------------------------


@router.get("/api/v1/counters/{number}/queue", response_model=CounterQueueOut,
            responses=responses(403))
async def queue(number: int, hall: Hall = Depends(get_hall),
                p: Principal = Depends(principal)) -> CounterQueueOut:
    """The tickets this counter could call, in the order Next would call them."""
    return await _counter_read(hall, p, number, lambda tx: counter_queue(tx, number))


@router.get("/api/v1/counters/{number}/stats", response_model=CounterStatsOut,
            responses=responses(403))
async def stats(number: int, hall: Hall = Depends(get_hall),
                p: Principal = Depends(principal)) -> CounterStatsOut:
    """Today's figures of this counter (the hall's local day)."""
    return await _counter_read(hall, p, number, lambda tx: counter_stats(tx, number))


@router.get("/api/v1/counters/{number}/rating-open", response_model=RateableOut,
            responses={204: {"description": "no visit of this counter can be rated now"},
                       **responses(403)})
async def rating_open(number: int, hall: Hall = Depends(get_hall),
                      p: Principal = Depends(principal)) -> RateableOut | Response:
    """The visit a rating device may still rate, so a reloaded tablet offers it again."""
    out = await _counter_read(hall, p, number, lambda tx: rateable(tx, number))
    return out if out is not None else Response(status_code=204)


@router.get("/api/v1/hall/config-public")
async def config_public(hall: Hall = Depends(get_hall),
                        _: Principal = Depends(principal)) -> dict:
    """The parts of the hall file a counter page shows; any signed-in caller may read it."""
    return await read(hall, public_config)
