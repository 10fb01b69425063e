"""Devices that are not wired to the server report their own health: a kiosk its printer
(paper out, cover open…), so the manager sees it beside the bus devices."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from contracts.api import DeviceHealth
from server.api.deps import get_hall, require
from server.auth import Principal
from server.hall import Hall

router = APIRouter(prefix="/api/v1/devices", tags=["devices"])
FINE = ("ok", "near_end")


class HealthReport(BaseModel):
    status: str = Field(pattern=r"^[a-z_]{1,32}$", description="ok, paper_out, near_end, "
                        "cover_open, offline, unknown, …")
    detail: str = Field(default="", max_length=300)


def reported(request: Request) -> dict[str, DeviceHealth]:
    return request.app.state.reported_health


@router.post("/report", response_model=DeviceHealth)
async def report(body: HealthReport, request: Request, hall: Hall = Depends(get_hall),
                 p: Principal = Depends(require("kiosk", "display", "rating", "keypad"))
                 ) -> DeviceHealth:
    store = reported(request)
    before = store.get(p.name)
    now = hall.clock.now()
    since = before.since if before is not None and before.status == body.status else now
    health = DeviceHealth(name=p.name, kind=p.role, counter=p.counter,
                          online=body.status != "offline" if body.status != "unknown" else None,
                          status=body.status, detail=body.detail, since=since)
    store[p.name] = health
    if before is None or (before.status, before.detail) != (body.status, body.detail):
        hall.bus.broadcast({"type": "device_health", "at": now.isoformat(),
                            **health.model_dump(mode="json")})
    return health
