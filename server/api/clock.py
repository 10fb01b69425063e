"""A movable clock for planning simulations and demos (`layso serve --fake-clock`).

Only a server started with a fake clock has this route; an admin moves time forward. Time
never moves backwards: the queue's rules (issue order, rating windows) assume it doesn't.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from server.api.deps import get_hall, require
from server.api.errors import responses
from server.auth import Principal
from server.clock import FakeClock
from server.hall import Hall
from server.queue.day import housekeeping

router = APIRouter(prefix="/api/v1/clock", tags=["clock"])


class ClockIn(BaseModel):
    at: datetime | None = Field(default=None, description="set the time (aware, not earlier)")
    advance_s: float | None = Field(default=None, ge=0, le=86400 * 31)


@router.get("")
async def get_clock(hall: Hall = Depends(get_hall),
                    _: Principal = Depends(require("admin", "manager"))) -> dict:
    return {"now": hall.clock.now().isoformat(), "fake": isinstance(hall.clock, FakeClock)}


@router.post("", responses=responses(409))
async def move_clock(body: ClockIn, hall: Hall = Depends(get_hall),
                     _: Principal = Depends(require("admin"))) -> dict:
    clock = hall.clock
    if not isinstance(clock, FakeClock):
        raise HTTPException(409, "Đồng hồ thật không thể chỉnh. (This server runs on the real "
                            "clock; start it with --fake-clock to move time.)")
    if body.at is not None:
        if body.at.tzinfo is None:
            raise HTTPException(422, "Thời điểm `at` phải có múi giờ, ví dụ "
                                "2026-11-23T08:00:00+07:00. (at: give a time with its zone, "
                                "e.g. 2026-11-23T08:00:00+07:00.)")
        if body.at < clock.now():
            raise HTTPException(409, "Thời gian không thể lùi. (Time cannot move backwards.)")
        clock.set(body.at)
    if body.advance_s:
        clock.advance(body.advance_s)
    # The scheduler runs each real minute; a jump across a closing must not wait for it.
    # (`Hall.housekeeping`, awaited on the loop: no worker thread between it and the writer.)
    await hall.write_async(housekeeping)
    return {"now": clock.now().isoformat(), "fake": True}
