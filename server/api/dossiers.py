"""Dossiers and procedures from the one-stop e-system (DESIGN.md, "The one-stop e-system").

The code is normalised and checked against the hall's pattern before anything goes out, so a
malformed or hostile code costs the e-system nothing (422). The adapter answers within the
hall's `timeout_s` (3 s at most) or raises `ESystemUnavailable`, which is 503
`esystem_unavailable`: the kiosk then issues a normal number and the officer types the date.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from contracts.api import DeviceHealth, DossierOut, ProcedureOut
from contracts.hall_config import HallConfig
from server.api.deps import get_hall, require
from server.api.errors import error_body, responses
from server.auth import Principal
from server.esystem import ESystem, ESystemUnavailable
from server.esystem.catalog import search
from server.hall import Hall
from server.queue.tickets import dossier_code_for

router = APIRouter(prefix="/api/v1", tags=["dossiers"])
LOOKERS = ("kiosk", "officer", "manager", "admin")

_UNAVAILABLE = ("Hệ thống một cửa điện tử đang không trả lời; vui lòng lấy số bình thường. "
                "(The one-stop e-system is not answering; take a normal number.)")


def initial_health(cfg: HallConfig) -> DeviceHealth | None:
    """The link's line in the manager's device list: unknown until the first exchange."""
    if cfg.esystem.kind == "none":
        return None
    return DeviceHealth(name="esystem", kind="esystem", online=None, status="unknown",
                        detail=cfg.esystem.kind)


def _note(request: Request, hall: Hall, reason: str | None) -> None:
    """Record how the last exchange went (`reason` None: it answered), for the device list;
    `since` moves only when the state changes. The reason never holds credentials."""
    last: DeviceHealth | None = request.app.state.esystem_health
    if last is None:
        return
    online = reason is None
    status = "ok" if online else "offline"
    detail = hall.cfg.esystem.kind if online else f"{hall.cfg.esystem.kind}: {reason}"
    if last.online is online and last.detail == detail:
        return
    request.app.state.esystem_health = DeviceHealth(
        name="esystem", kind="esystem", online=online, status=status, detail=detail,
        since=hall.clock.now())


def _esystem(request: Request) -> ESystem:
    return request.app.state.esystem


def _unavailable(exc: ESystemUnavailable) -> JSONResponse:
    return JSONResponse(error_body(_UNAVAILABLE, "esystem_unavailable", reason=exc.reason),
                        status_code=503, headers={"Retry-After": "30"})


@router.get("/dossiers/{code:path}", response_model=DossierOut, responses=responses(429, 503))
async def dossier(code: str, request: Request, hall: Hall = Depends(get_hall),
                  p: Principal = Depends(require(*LOOKERS))) -> object:
    code = dossier_code_for(hall.cfg, code)  # 422 before any call goes out
    if p.kind == "device":  # a kiosk; people at desks look up as they need
        verdict = await request.app.state.lookup_limiter.hit(p.device_id)
        if not verdict.allowed:
            wait = verdict.retry_after
            raise HTTPException(429, f"Ki-ốt tra cứu quá nhanh; vui lòng chờ {wait} giây. (Too "
                                f"many lookups from this kiosk; wait {wait} s.)",
                                headers={"Retry-After": str(wait)})
    try:
        found = await _esystem(request).lookup(code)
    except ESystemUnavailable as exc:
        _note(request, hall, exc.reason)
        return _unavailable(exc)
    _note(request, hall, None)
    if found is None:
        raise HTTPException(404, f"Không tìm thấy hồ sơ {code} trên hệ thống một cửa điện tử. "
                            f"(No dossier {code} in the one-stop e-system.)")
    zone = hall.cfg.zone
    out = {**asdict(found), "code": code, "ready": found.ready}
    for key in ("received_at", "due_at", "released_at"):
        if out[key] is not None:
            out[key] = out[key].astimezone(zone)
    return DossierOut(**out)


@router.get("/procedures", response_model=list[ProcedureOut], responses=responses(503))
async def procedures(request: Request,
                     q: str = Query("", max_length=200, description="words of the name or "
                                    "field; tone marks and case are ignored"),
                     _: Principal = Depends(require(*LOOKERS))) -> object:
    try:
        catalog = await _esystem(request).procedures()
    except ESystemUnavailable as exc:
        return _unavailable(exc)
    return [ProcedureOut(**asdict(p)) for p in search(catalog, q)]
