"""A citizen's rating of a finished visit: one per visit, only while its window is open."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from contracts.api import RatingOut
from server.db.database import Sql
from server.db.models import Rating, Visit
from server.engine.errors import AlreadyRated, BadInput, Forbidden, RatingClosed
from server.queue.context import Tx, day_start
from server.queue.lookups import unknown_visit

# The visit, and whether it has a rating already, in one statement; the new rating's row.
# Plain SQL (`Sql`): a rating is a write on the single writer, about one per finished visit.
_VISIT = Sql("SELECT counter, status, rating_until, "
             "(SELECT count(*) FROM rating WHERE visit_id = :id) FROM visit WHERE id = :id")
_INSERT = Sql("INSERT INTO rating (visit_id, counter, score, reason, at, device_id) "
              "VALUES (:visit_id, :counter, :score, :reason, :at, :device_id) RETURNING id")


def rate(tx: Tx, visit_id: int, score: int, reason: str | None, counter: int | None,
         device_id: int | None) -> RatingOut:
    row = _VISIT.run(tx.s, {"id": visit_id}).fetchone()
    if row is None:
        raise unknown_visit(visit_id)
    v_counter, status, rating_until, rated = row
    rating_until = Sql.utc(rating_until)
    if counter is not None and v_counter != counter:
        raise Forbidden(f"Lượt phục vụ này thuộc quầy {v_counter}, không phải quầy {counter}. "
                        f"(This visit was at counter {v_counter}, not {counter}.)",
                        visit_id=visit_id)
    level = tx.cfg.rating.level(score)
    if level is None:
        top = len(tx.cfg.rating.levels)
        raise BadInput(f"Điểm {score} không hợp lệ: từ 1 đến {top}. (Score {score} is not on "
                       f"the scale 1–{top}.)", score=score)
    if rated:
        raise AlreadyRated("Lượt phục vụ này đã được đánh giá. (This visit was already "
                           "rated.)", visit_id=visit_id)
    if status != "finished" or rating_until is None:
        raise RatingClosed("Lượt phục vụ này chưa kết thúc nên chưa thể đánh giá. (This "
                           "visit has not finished; it cannot be rated yet.)",
                           visit_id=visit_id)
    if tx.now > rating_until:
        raise RatingClosed("Đã hết thời gian đánh giá lượt phục vụ này. (The time to rate "
                           "this visit is over.)", visit_id=visit_id)
    (rating_id,) = _INSERT.one(tx.s, {"visit_id": visit_id, "counter": v_counter,
                                      "score": score, "reason": reason, "at": tx.now,
                                      "device_id": device_id})
    tx.emit("rated", visit_id=visit_id, counter=v_counter, score=score)
    return RatingOut(id=rating_id, visit_id=visit_id, score=score, label=level.name,
                     label_en=level.name_en)


def last_rateable_visit(tx: Tx, counter: int) -> Visit | None:
    """The counter's most recent finished visit whose window is still open and unrated: the
    one a rating box's key press is for.

    Only visits finished today or within the window are looked at, from the top of
    `ix_visit_counter_finished` (counter, finished_at): a visit finished earlier has no
    window left, and without the bound the newest finished visit was sought in a sort of the
    counter's whole history (the device manager does this for every counter)."""
    since = min(day_start(tx), tx.now - timedelta(seconds=tx.cfg.rating.window_s))
    v = tx.s.exec(select(Visit).where(Visit.counter == counter, Visit.status == "finished",
                                      Visit.finished_at >= since)
                  .order_by(Visit.finished_at.desc()).limit(1)).first()
    if v is None or v.rating_until is None or tx.now > v.rating_until:
        return None
    if tx.s.exec(select(Rating.id).where(Rating.visit_id == v.id)).first() is not None:
        return None
    return v
