"""Public reads: health, services, the hall snapshot, devices, a ticket's QR page."""

from __future__ import annotations

import os

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from contracts.api import DeviceHealth, ServiceOut
from contracts.events import Snapshot
from server import follow_page
from server.api.audience import snapshot_for
from server.api.deps import MAX_ID, get_hall, principal, read, require
from server.auth import Principal
from server.hall import Hall
from server.queue import views

router = APIRouter(tags=["hall"])


@router.get("/healthz")
async def healthz(request: Request, hall: Hall = Depends(get_hall)) -> dict:
    seq = await read(hall, views.last_seq)
    sched = request.app.state.scheduler
    fault = hall.db.health.fault
    # `pid` and `scheduler` tell the processes of a deployment apart (exactly one runs the
    # scheduler); `db_fault` is what refuses writes now (disk_full, unavailable) or null.
    return {"ok": True, "hall": hall.code, "seq": seq, "db": hall.db.dialect,
            "now": hall.clock.now().isoformat(),
            "scheduler": bool(sched is not None and sched.running), "pid": os.getpid(),
            "db_fault": fault.kind if fault is not None else None}


@router.get("/api/v1/services", response_model=list[ServiceOut])
async def services(hall: Hall = Depends(get_hall),
                   _: Principal = Depends(principal)) -> list[ServiceOut]:
    return await read(hall, views.services)


def device_health(request: Request) -> list[DeviceHealth]:
    """The devices the server drives, then those that report themselves (kiosk printers),
    then the link to the one-stop e-system when the hall has one."""
    manager = getattr(request.app.state, "devices", None)
    wired = manager.health() if manager is not None else []
    link = getattr(request.app.state, "esystem_health", None)  # server/api/dossiers.py
    return [*wired, *request.app.state.reported_health.values(), *([link] if link else [])]


@router.get("/api/v1/hall", response_model=Snapshot)
async def hall_snapshot(request: Request, hall: Hall = Depends(get_hall),
                        p: Principal = Depends(principal)) -> Snapshot:
    devices = device_health(request)
    return snapshot_for(p, await read(hall, lambda tx: views.snapshot(tx, devices)))


@router.get("/api/v1/devices", response_model=list[DeviceHealth])
async def devices(request: Request,
                  _: Principal = Depends(require("manager", "admin"))) -> list[DeviceHealth]:
    return device_health(request)


@router.get("/q/{ticket_id}", response_class=HTMLResponse, include_in_schema=False)
async def follow(ticket_id: int, hall: Hall = Depends(get_hall)) -> HTMLResponse:
    """The page a ticket's QR code opens: where the citizen's number stands. It shows the
    number and the queue, nothing personal, so it needs no sign-in (server/follow_page.py).
    It asks itself again every few seconds: no cache may keep it."""
    info = None
    if 1 <= ticket_id <= MAX_ID:  # a bigger number is no ticket, and no database INTEGER
        info = await read(hall, lambda tx: views.ticket_public(tx, ticket_id))
    return HTMLResponse(follow_page.page(hall.cfg, ticket_id, info),
                        status_code=404 if info is None else 200,
                        headers={"Cache-Control": "no-store"})
