"""The manager's live view: the hall snapshot with each service's target wait, the alerts
and today's running figures (the page `/manage` polls it after events it sees on
`WS /ws/hall`, and every 20 s). `store` is what keeps the database from saving now (disk
full, connection lost), or null: reads still work on a full disk, so the page can say so."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from server.api.deps import get_hall, read, require
from server.api.hall import device_health
from server.auth import Principal
from server.hall import Hall
from server.reports.live import live_view

router = APIRouter(prefix="/api/v1/manage", tags=["manage"])


@router.get("/live")
async def live(request: Request, hall: Hall = Depends(get_hall),
               _: Principal = Depends(require("manager", "admin"))) -> dict:
    devices = device_health(request)
    return await read(hall, lambda tx: live_view(tx, devices, hall.db.health.view()))
