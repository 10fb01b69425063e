"""Public reads: health, services, the hall snapshot, devices, a ticket's QR page."""

from __future__ import annotations

import os
from html import escape

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from contracts.api import DeviceHealth, ServiceOut
from contracts.events import Snapshot
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
    number and the queue, nothing personal, so it needs no sign-in."""
    info = None
    if 1 <= ticket_id <= MAX_ID:  # a bigger number is no ticket, and no database INTEGER
        info = await read(hall, lambda tx: views.ticket_public(tx, ticket_id))
    if info is None:
        body = "<p>Không tìm thấy vé. (Ticket not found.)</p>"
        return HTMLResponse(_page(hall, body), status_code=404)
    states = {"waiting": "Đang chờ", "transferred": "Đang chờ (đã chuyển)",
              "called": "Đang được gọi", "serving": "Đang phục vụ", "served": "Đã phục vụ",
              "no_show": "Vắng mặt", "cancelled": "Đã huỷ", "expired": "Hết hạn"}
    parts = [f"<h1>{escape(info['number'])}</h1>",
             f"<p>{escape(states.get(info['state'], info['state']))}</p>"]
    if info["counter"]:
        parts.append(f"<p>Mời đến quầy số <b>{escape(str(info['counter']))}</b></p>")
    elif info["state"] in ("waiting", "transferred"):
        parts.append(f"<p>Trước bạn còn <b>{info['ahead']}</b> người — khoảng "
                     f"{-(-info['estimated_wait_s'] // 60)} phút.</p>")
    return HTMLResponse(_page(hall, "".join(parts)))


def _page(hall: Hall, body: str) -> str:
    return ("<!doctype html><html lang=vi><meta charset=utf-8><meta name=viewport "
            "content='width=device-width,initial-scale=1'><meta http-equiv=refresh content=15>"
            f"<title>{escape(hall.cfg.hall.name)}</title><body style='font-family:sans-serif;"
            f"text-align:center'><p>{escape(hall.cfg.hall.name)}</p>{body}</body></html>")
