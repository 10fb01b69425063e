"""The simulator's HTTP server: OpenCPS's REST shape, and faults switched at run time.

    GET  /o/rest/v2/dossiers?dossierNo=…   header groupId, HTTP Basic → {total, data}
    GET  /o/rest/v2/serviceinfos           → {total, data} (no login, like OpenCPS)
    POST /_sim/fault {"fault": "down"|"slow"|"500"|"garbage"|"wrong-password"|"none",
                      "seconds": 10}       (the simulator's own control, not OpenCPS)
    GET  /_sim/dossiers                    → every dossier, for tests to pick codes from
    GET  /healthz                          → ok (for `wait_http`)

and the national portal's exchange (DVCQG) over the same dossiers:

    POST /mapi/login {username, password}  → {error_code: 0, session}
    POST /mapi/g {session, madonvi, service: "TraCuuHoSo", mahoso}
                                           → {error_code: 0, result: [...]}, dates
                                             yyyyMMddHHmmss, TrangThaiHoSo 1–10

Faults: `down` answers 503 with a proxy's HTML page (what a dead back end behind nginx
gives); `slow` waits `seconds` before answering; `500` is a Java stack trace; `garbage` is
a 200 whose JSON is cut off; `wrong-password` refuses every login with 401; `huge` streams a
200 of 64 MB (a runaway export).
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from simulators.esystem.data import SimDossier, generate, service_infos

FAULTS = ("none", "down", "slow", "500", "garbage", "wrong-password", "huge")


@dataclass
class SimState:
    dossiers: list[SimDossier]
    group_id: str = "35402"
    username: str = "layso"
    password: str = "layso-sim"
    fault: str = "none"
    slow_s: float = 10.0
    lookups: int = 0  # dossier requests that reached the simulator (a 422 must not add one)
    by_code: dict[str, dict] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    logins: int = 0
    catalog_fetches: int = 0

    def __post_init__(self) -> None:
        self.by_code = {d.row["dossierNo"]: d.row for d in self.dossiers}


def _authorised(request: Request, state: SimState) -> bool:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, _, password = base64.b64decode(value).decode("utf-8").partition(":")
    except ValueError:
        return False
    return user == state.username and password == state.password


async def _faulted(state: SimState) -> Response | None:
    if state.fault == "down":
        return Response("<html><body><h1>503 Service Temporarily Unavailable</h1></body>"
                        "</html>", 503, media_type="text/html")
    if state.fault == "slow":
        await asyncio.sleep(state.slow_s)
    elif state.fault == "500":
        return PlainTextResponse("java.lang.NullPointerException\n\tat org.opencps.api."
                                 "controller.impl.DossierManagementImpl.getDossiers", 500)
    elif state.fault == "huge":
        async def chunks():
            yield b'{"total": 1, "data": [{"dossierNo": "'
            for _ in range(1024):
                yield b"x" * 65536
        return StreamingResponse(chunks(), 200, media_type="application/json")
    elif state.fault == "garbage":
        return Response('{"total": 1, "data": [{"dossierNo": "000.00.31.H12-', 200,
                        media_type="application/json")
    return None


_NATIONAL = {"new": "1", "receiving": "2", "processing": "4", "waiting": "5", "paying": "6",
             "cancelled": "7", "unresolved": "8", "denied": "3", "releasing": "9",
             "posting": "9"}


def _national_date(text: str) -> str:
    if not text:
        return ""
    return datetime.strptime(text, "%d/%m/%Y %H:%M:%S").strftime("%Y%m%d%H%M%S")


def national(row: dict) -> dict:
    """An OpenCPS-shaped dossier as the national portal's exchange gives it."""
    status = row["dossierStatus"]
    code = _NATIONAL.get(status) or ("10" if row["finishDate"] else "9")
    return {"MaHoSo": row["dossierNo"], "MaTTHC": row["serviceCode"],
            "TenTTHC": row["serviceName"], "TenDonVi": row["govAgencyName"],
            "ChuHoSo": row["applicantName"], "SoCMND": row["applicantIdNo"],
            "NgayTiepNhan": _national_date(row["receiveDate"]),
            "NgayHenTra": _national_date(row["dueDate"]),
            "NgayTra": _national_date(row["finishDate"] or row["releaseDate"]),
            "TrangThaiHoSo": code}


def build_app(state: SimState) -> Starlette:
    async def dossiers(request: Request) -> Response:
        state.lookups += 1
        if (faulted := await _faulted(state)) is not None:
            return faulted
        if state.fault == "wrong-password" or not _authorised(request, state):
            return JSONResponse({"message": "Unauthorized"}, 401,
                                headers={"WWW-Authenticate": 'Basic realm="OpenCPS"'})
        if request.headers.get("groupid") != state.group_id:
            return JSONResponse({"total": 0, "data": []})
        number = request.query_params.get("dossierNo", "").strip().upper()
        row = state.by_code.get(number)
        return JSONResponse({"total": 1 if row else 0, "data": [row] if row else []})

    async def serviceinfos(request: Request) -> Response:
        state.catalog_fetches += 1
        if (faulted := await _faulted(state)) is not None:
            return faulted
        infos = service_infos()
        return JSONResponse({"total": len(infos), "data": infos})

    async def set_fault(request: Request) -> Response:
        body = await request.json()
        fault = str(body.get("fault", "none"))
        if fault not in FAULTS:
            return JSONResponse({"error": f"fault is one of {', '.join(FAULTS)}"}, 422)
        state.fault = fault
        state.slow_s = float(body.get("seconds", state.slow_s))
        return JSONResponse({"fault": state.fault, "seconds": state.slow_s})

    async def listing(request: Request) -> Response:
        return JSONResponse([d.row for d in state.dossiers])

    async def dvcqg_login(request: Request) -> Response:
        state.logins += 1
        if (faulted := await _faulted(state)) is not None:
            return faulted
        body = await request.json()
        if state.fault == "wrong-password" or body.get("username") != state.username or \
                body.get("password") != state.password:
            return JSONResponse({"error_code": -1, "message": "Sai tên đăng nhập hoặc mật khẩu"})
        session = secrets.token_hex(16)
        state.sessions.add(session)
        return JSONResponse({"error_code": 0, "session": session})

    async def dvcqg_service(request: Request) -> Response:
        state.lookups += 1
        if (faulted := await _faulted(state)) is not None:
            return faulted
        body = await request.json()
        if body.get("session") not in state.sessions:
            return JSONResponse({"error_code": -1, "message": "Phiên làm việc hết hạn"})
        if body.get("service") != "TraCuuHoSo":
            return JSONResponse({"error_code": -1, "message": "Dịch vụ không hỗ trợ"})
        row = state.by_code.get(str(body.get("mahoso", "")).strip().upper())
        return JSONResponse({"error_code": 0, "result": [national(row)] if row else []})

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[
        Route("/healthz", healthz),
        Route("/o/rest/v2/dossiers", dossiers),
        Route("/o/rest/v2/serviceinfos", serviceinfos),
        Route("/mapi/login", dvcqg_login, methods=["POST"]),
        Route("/mapi/g", dvcqg_service, methods=["POST"]),
        Route("/_sim/fault", set_fault, methods=["POST"]),
        Route("/_sim/dossiers", listing),
    ])


def make_state(count: int = 330, seed: int = 15, **kw: object) -> SimState:
    return SimState(generate(count, seed=seed), **kw)  # type: ignore[arg-type]


def listen(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket (port 0: any free one), handed to uvicorn, so the address is known
    before it serves and no port is raced for."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


class SimThread:
    """The simulator under uvicorn in a thread of this process (the demo's e-system)."""

    def __init__(self, state: SimState, port: int = 0, host: str = "127.0.0.1") -> None:
        import threading

        import uvicorn

        self.state = state
        self.sock = listen(host, port)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(build_app(state), log_level="warning",
                                                    lifespan="off",
                                                    timeout_graceful_shutdown=1))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name="esystem-sim")

    def start(self, timeout: float = 10) -> SimThread:
        import time

        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            raise OSError(f"the e-system simulator did not start on port {self.port}")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.server.force_exit = True
        self.thread.join(timeout=5)
        self.sock.close()

    def sample(self, status: str = "releasing") -> str:
        """A dossier code in that status, for the banner's "try it"."""
        return next(d.row["dossierNo"] for d in self.state.dossiers
                    if d.row["dossierStatus"] == status)
