"""The citizen's public API (`/api/v1/public/*`): no token, limited per address and per phone
across every process (`server/ratelimit.py`). It answers what a phone needs and never who
took a number: no phone number leaves in an answer.

Behind a reverse proxy, the address is the proxy's unless uvicorn trusts its forwarded header
(`docs/deployment.md`).
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from server.api.deps import get_hall, read, write
from server.api.errors import responses
from server.citizens import otp, remote
from server.citizens.phones import normalise_phone
from server.hall import Hall
from server.queue import views
from server.ratelimit import SharedLimit

router = APIRouter(prefix="/api/v1/public", tags=["public"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OtpIn(_In):
    phone: str = Field(min_length=9, max_length=20, examples=["0912345678"])


class OtpOut(BaseModel):
    sent: bool = True
    expires_in_s: int


class RemoteIn(_In):
    service: str = Field(min_length=1, max_length=16)
    phone: str = Field(min_length=9, max_length=20)
    otp: str = Field(min_length=1, max_length=12)


class PublicService(BaseModel):
    code: str
    name: str
    name_en: str
    waiting: int
    estimated_wait_s: int
    remote: bool
    booking: bool


class RemoteOut(BaseModel):
    id: int
    number: str
    service: str
    issued_at: datetime
    waiting_ahead: int
    estimated_wait_s: int
    follow_url: str


class PublicLimits:
    """The public endpoints' limits, made once per app (`install_limits`)."""

    def __init__(self, request: Request) -> None:
        st = request.app.state
        self.address: SharedLimit = st.public_address_limiter
        self.reads: SharedLimit = st.public_read_limiter
        self.phone: SharedLimit = st.public_phone_limiter


def install_limits(app, limits, cfg) -> None:
    c = cfg.citizens
    app.state.public_address_limiter = SharedLimit(limits, "pub_addr",
                                                   c.per_address_per_minute, 60)
    app.state.public_read_limiter = SharedLimit(limits, "pub_read",
                                                max(120, 6 * c.per_address_per_minute), 60)
    app.state.public_phone_limiter = SharedLimit(limits, "otp_phone", c.otp_per_phone,
                                                 c.otp_lock_s)


async def _limit(limiter: SharedLimit, subject: str, what: str, what_en: str) -> None:
    verdict = await limiter.hit(subject)
    if not verdict.allowed:
        wait = verdict.retry_after
        raise HTTPException(429, f"{what} quá nhiều lần; thử lại sau {wait} giây. (Too many "
                            f"{what_en}; try again in {wait} s.)",
                            headers={"Retry-After": str(wait)})


def _address(request: Request) -> str:
    return request.client.host if request.client else "?"


def _wake(request: Request) -> None:
    sender = getattr(request.app.state, "outbox", None)
    if sender is not None:
        sender.wake()


@router.get("/services", response_model=list[PublicService], responses=responses(429))
async def services(request: Request, hall: Hall = Depends(get_hall)) -> list[PublicService]:
    """Today's queue per service, and what a phone may do there."""
    await _limit(request.app.state.public_read_limiter, _address(request), "Tải trang",
                 "requests")
    rows = await read(hall, views.services)
    out = []
    for s in rows:
        svc = hall.cfg.service(s.code)
        out.append(PublicService(code=s.code, name=s.name, name_en=s.name_en, waiting=s.waiting,
                                 estimated_wait_s=s.estimated_wait_s,
                                 remote=bool(svc and svc.remote), booking=False))
    return out


@router.post("/otp", status_code=202, response_model=OtpOut, responses=responses(422, 429))
async def send_otp(body: OtpIn, request: Request, hall: Hall = Depends(get_hall)) -> OtpOut:
    """A one-time code to the phone, through the hall's notification gateway (kind `otp`)."""
    await _limit(request.app.state.public_address_limiter, _address(request), "Yêu cầu",
                 "requests from this address")
    phone = normalise_phone(body.phone)
    await _limit(request.app.state.public_phone_limiter, phone, "Gửi mã cho số này",
                 "codes for this phone")
    ttl = await write(hall, lambda tx: otp.send_code(tx, phone))
    _wake(request)
    return OtpOut(expires_in_s=ttl)


@router.post("/remote-tickets", status_code=201, response_model=RemoteOut,
             responses=responses(401, 404, 409, 422, 429))
async def remote_ticket(body: RemoteIn, request: Request,
                        hall: Hall = Depends(get_hall)) -> Response:
    """A number for today in the kiosk's queue, for a phone confirmed by its code."""
    await _limit(request.app.state.public_address_limiter, _address(request), "Yêu cầu",
                 "requests from this address")
    phone = normalise_phone(body.phone)
    result = await write(hall, lambda tx: remote.take(tx, body.service, phone, body.otp))
    if isinstance(result, otp.CodeRejected | otp.PhoneLocked):
        raise result
    _wake(request)
    out = RemoteOut(id=result.id, number=result.number, service=result.service,
                    issued_at=result.issued_at, waiting_ahead=result.waiting_ahead,
                    estimated_wait_s=result.estimated_wait_s,
                    follow_url=f"{hall.cfg.hall.public_url.rstrip('/')}/q/{result.id}")
    return Response(out.model_dump_json(), status_code=201, media_type="application/json")
