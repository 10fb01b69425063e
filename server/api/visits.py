"""Ratings: the counter's rating device (tablet page or rating box) or its officer."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response

from contracts.api import RatingIn, RatingOut
from server.api.deps import RowId, get_hall, require, write
from server.api.errors import responses
from server.auth import Principal
from server.db.database import sql_only
from server.hall import Hall
from server.queue.ratings import rate

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])


@router.post("/{visit_id}/rating", status_code=201, response_model=RatingOut,
             responses=responses(409))
async def rating(visit_id: RowId, body: RatingIn, hall: Hall = Depends(get_hall),
                 p: Principal = Depends(require("rating", "officer"))) -> Response:
    if p.counter is None:
        raise HTTPException(403, "Thiết bị/tài khoản này không gắn với quầy nào. (This token "
                            "belongs to no counter.)")
    # `rate` changes rows only through `Sql` (server/queue/ratings.py); the answer is
    # serialised once (FastAPI would validate a returned model again).
    out = await write(hall, sql_only(lambda tx: rate(tx, visit_id, body.score, body.reason,
                                                     p.counter, p.device_id)))
    return Response(out.__pydantic_serializer__.to_json(out), status_code=201,
                    media_type="application/json")
