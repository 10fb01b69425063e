"""A citizen's rating of a finished visit: one per visit, only while its window is open."""

from __future__ import annotations

from sqlmodel import select

from contracts.api import RatingOut
from server.db.models import Rating, Visit
from server.engine.errors import AlreadyRated, BadInput, Forbidden, RatingClosed
from server.queue.context import Tx
from server.queue.lookups import visit_by_id


def rate(tx: Tx, visit_id: int, score: int, reason: str | None, counter: int | None,
         device_id: int | None) -> RatingOut:
    v = visit_by_id(tx, visit_id)
    if counter is not None and v.counter != counter:
        raise Forbidden(f"Lượt {visit_id} thuộc quầy {v.counter}, không phải quầy {counter}. "
                        f"(Visit {visit_id} was at counter {v.counter}, not {counter}.)")
    level = tx.cfg.rating.level(score)
    if level is None:
        top = len(tx.cfg.rating.levels)
        raise BadInput(f"Điểm {score} không hợp lệ: từ 1 đến {top}. (Score {score} is not on "
                       f"the scale 1–{top}.)", score=score)
    if tx.s.exec(select(Rating.id).where(Rating.visit_id == visit_id)).first() is not None:
        raise AlreadyRated(f"Lượt phục vụ {visit_id} đã được đánh giá. (Visit {visit_id} was "
                           "already rated.)", visit_id=visit_id)
    if v.status != "finished" or v.rating_until is None:
        raise RatingClosed(f"Lượt {visit_id} chưa kết thúc nên chưa thể đánh giá. (Visit "
                           f"{visit_id} has not finished; it cannot be rated yet.)")
    if tx.now > v.rating_until:
        raise RatingClosed(f"Đã hết thời gian đánh giá lượt {visit_id}. (The rating window "
                           f"of visit {visit_id} closed at {v.rating_until:%H:%M:%S} UTC.)")
    r = Rating(visit_id=visit_id, counter=v.counter, score=score, reason=reason, at=tx.now,
               device_id=device_id)
    tx.s.add(r)
    tx.s.flush()
    tx.emit("rated", visit_id=visit_id, counter=v.counter, score=score)
    return RatingOut(id=r.id, visit_id=visit_id, score=score, label=level.name,
                     label_en=level.name_en)


def last_rateable_visit(tx: Tx, counter: int) -> Visit | None:
    """The counter's most recent finished visit whose window is still open and unrated: the
    one a rating box's key press is for."""
    v = tx.s.exec(select(Visit).where(Visit.counter == counter, Visit.status == "finished")
                  .order_by(Visit.finished_at.desc()).limit(1)).first()
    if v is None or v.rating_until is None or tx.now > v.rating_until:
        return None
    if tx.s.exec(select(Rating.id).where(Rating.visit_id == v.id)).first() is not None:
        return None
    return v
