"""Tickets: issue (kiosks), print outcome, cancel, requeue."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field

from contracts.api import TicketIn, TicketOut
from server.api.audience import ticket_for
from server.api.deps import RowId, get_hall, principal, read, require, write
from server.api.errors import responses
from server.auth import Principal
from server.db.database import sql_only
from server.hall import Hall
from server.queue import tickets as tk
from server.queue.counters import brief
from server.queue.lookups import ticket_by_id
from server.queue.views import ticket_public

router = APIRouter(prefix="/api/v1", tags=["tickets"])


class PrintReport(BaseModel):
    reason: str | None = Field(default=None, max_length=200)


@router.post("/tickets", status_code=201, response_model=TicketOut,
             responses=responses(404, 409, 429))
async def issue_ticket(body: TicketIn, request: Request, hall: Hall = Depends(get_hall),
                       p: Principal = Depends(require("kiosk", "manager", "admin")),
                       idempotency_key: str | None = Header(
                           default=None, max_length=64, pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
                           description="a kiosk's retry of the same touch gets the same "
                           "ticket")) -> Response:
    verdict = (await request.app.state.kiosk_limiter.hit(p.device_id)
               if p.kind == "device" else None)
    if verdict is not None and not verdict.allowed:
        wait = verdict.retry_after
        raise HTTPException(429, f"Ki-ốt lấy số quá nhanh; vui lòng chờ {wait} giây. (Too many "
                            f"tickets from this kiosk; wait {wait} s.)",
                            headers={"Retry-After": str(wait)})
    # The number, the people ahead and the estimate in one transaction on the writer; then
    # the model is serialised once here (FastAPI would validate a returned model again).
    out = await write(hall, sql_only(lambda tx: tk.issue_out(
        tx, body.service, body.priority, body.lang, body.dossier_code, p.device_id,
        idempotency_key)))
    out = ticket_for(p, out)
    return Response(out.__pydantic_serializer__.to_json(out), status_code=201,
                    media_type="application/json")


@router.get("/tickets/{ticket_id}")
async def get_ticket(ticket_id: RowId, hall: Hall = Depends(get_hall),
                     _: Principal = Depends(principal)) -> dict:
    def q(tx):
        t = ticket_by_id(tx, ticket_id)
        return {**ticket_public(tx, ticket_id), "id": t.id, "printed": t.printed,
                "print_error": t.print_error}

    return await read(hall, q)


@router.post("/tickets/{ticket_id}/reprint", response_model=TicketOut,
             responses=responses(403, 404, 409))
async def reprint(ticket_id: RowId, hall: Hall = Depends(get_hall),
                  p: Principal = Depends(require("kiosk", "officer", "manager", "admin"))
                  ) -> TicketOut:
    """The same ticket again (same number, today's figures) for a print that failed: a
    kiosk its own tickets, staff any; only while the ticket is today's and still live."""
    kiosk = p.device_id if p.kind == "device" else None
    return ticket_for(p, await write(hall, lambda tx: tk.reprint(tx, ticket_id, kiosk)))


@router.post("/tickets/{ticket_id}/printed", responses=responses(409))
async def printed(ticket_id: RowId, hall: Hall = Depends(get_hall),
                  _: Principal = Depends(require("kiosk", "manager", "admin"))) -> dict:
    t = await write(hall, lambda tx: tk.mark_printed(tx, ticket_id, True, None))
    return {"id": t.id, "number": t.number, "printed": True}


@router.post("/tickets/{ticket_id}/print-failed", responses=responses(409))
async def print_failed(ticket_id: RowId, body: PrintReport = Body(default_factory=PrintReport),
                       hall: Hall = Depends(get_hall),
                       _: Principal = Depends(require("kiosk", "manager", "admin"))) -> dict:
    t = await write(hall, lambda tx: tk.mark_printed(tx, ticket_id, False, body.reason))
    return {"id": t.id, "number": t.number, "printed": False, "reason": t.print_error}


@router.post("/tickets/{ticket_id}/cancel", responses=responses(409))
async def cancel(ticket_id: RowId, hall: Hall = Depends(get_hall),
                 _: Principal = Depends(require("officer", "manager", "admin"))) -> dict:
    t = await write(hall, lambda tx: tk.cancel(tx, ticket_id))
    return brief(t).model_dump(mode="json")


@router.post("/tickets/{ticket_id}/requeue", responses=responses(409))
async def requeue(ticket_id: RowId, hall: Hall = Depends(get_hall),
                  _: Principal = Depends(require("officer", "manager", "admin"))) -> dict:
    t = await write(hall, lambda tx: tk.requeue(tx, ticket_id))
    return brief(t).model_dump(mode="json")
