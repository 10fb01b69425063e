"""The national portal's exchange (Cổng Dịch vụ công quốc gia, "DVCQG"), learned from how
OpenCPS talks to it (AGPL: nothing copied).

It is not REST: the client logs in (`POST {url}/mapi/login` `{username, password}` →
`{error_code: 0, session}`), then posts named services to one endpoint (`POST {url}/mapi/g`
`{session, madonvi, service: "TraCuuHoSo", mahoso}` → `{error_code, result: [...]}`), with
fields `MaHoSo, MaTTHC, TenTTHC, TenDonVi, NgayTiepNhan, NgayHenTra, NgayTra, TrangThaiHoSo`,
dates `yyyyMMddHHmmss` in the hall's zone. A session that has expired is answered with a
non-zero `error_code`; the client logs in again once and retries. The national status codes
(1–11) map as `STATUS` says; 10 is "đã trả kết quả" (returned), 9 "đã xử lý xong" (ready).
The whole exchange, login included, must end within `timeout_s`.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import anyio
import httpx

from contracts.hall_config import ESystem as ESystemConfig
from server.esystem.base import (
    DossierLookup,
    ESystemUnavailable,
    Procedure,
    Status,
    fetch_capped,
    safe_url,
)
from server.esystem.opencps import STATUS_TEXT

log = logging.getLogger("layso.esystem")

DATE_FORMAT = "%Y%m%d%H%M%S"
# 1 new, 2 received, 3 not received, 4 processing, 5 papers asked for, 6 fees due,
# 7 withdrawn by the citizen, 8 stopped, 9 done (result ready), 10 returned, 11 other.
STATUS: dict[str, Status] = {"1": "processing", "2": "processing", "3": "denied",
                             "4": "processing", "5": "supplement", "6": "processing",
                             "7": "cancelled", "8": "denied", "9": "ready", "10": "returned"}


def parse_date(value: object, zone: ZoneInfo) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str | int):
        raise ESystemUnavailable("garbage")
    try:
        return datetime.strptime(str(value).strip(), DATE_FORMAT).replace(tzinfo=zone)
    except ValueError:
        raise ESystemUnavailable("garbage") from None


def dossier_from(row: dict, zone: ZoneInfo) -> DossierLookup:
    """One `result` entry as the hall shows it; no applicant field is read."""
    raw = row.get("TrangThaiHoSo")
    if not isinstance(raw, str | int) or isinstance(raw, bool) or str(raw).strip() == "":
        raise ESystemUnavailable("garbage")
    status = STATUS.get(str(raw).strip(), "unknown")

    def text(key: str) -> str:
        value = row.get(key)
        if value is not None and not isinstance(value, str | int):
            raise ESystemUnavailable("garbage")
        return "" if value is None else str(value).strip()[:300]

    return DossierLookup(
        code=text("MaHoSo"), status=status, status_text=STATUS_TEXT[status],
        procedure=text("TenTTHC") or text("MaTTHC"), agency=text("TenDonVi"),
        received_at=parse_date(row.get("NgayTiepNhan"), zone),
        due_at=parse_date(row.get("NgayHenTra"), zone),
        released_at=parse_date(row.get("NgayTra"), zone))


class DVCQG:
    kind = "dvcqg"

    def __init__(self, cfg: ESystemConfig, zone: ZoneInfo,
                 catalog: list[Procedure] | None = None) -> None:
        self.cfg = cfg
        self.zone = zone
        self.base = cfg.url.rstrip("/")
        self._catalog = catalog or []
        self._session: str | None = None
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(cfg.timeout_s),
                                         headers={"Accept": "application/json"})
        self.last_error: str | None = None

    def _down(self, reason: str) -> ESystemUnavailable:
        if reason != self.last_error:
            log.warning("e-system %s at %s unavailable: %s", self.kind, safe_url(self.cfg.url),
                        reason)
        self.last_error = reason
        return ESystemUnavailable(reason)

    async def _post(self, path: str, body: dict) -> dict:
        try:
            status, raw = await fetch_capped(self._client, "POST", self.base + path, json=body)
        except ESystemUnavailable as exc:
            raise self._down(exc.reason) from None
        except httpx.TimeoutException:
            raise self._down("timeout") from None
        except httpx.HTTPError:
            raise self._down("down") from None
        if status in (401, 403):
            raise self._down("auth")
        if status != 200:
            raise self._down(f"http_{status}")
        try:
            data = json.loads(raw)
        except ValueError:
            raise self._down("garbage") from None
        if not isinstance(data, dict):
            raise self._down("garbage")
        return data

    async def _login(self) -> str:
        data = await self._post("/mapi/login", {"username": self.cfg.username,
                                                "password": self.cfg.secret()})
        session = data.get("session")
        if str(data.get("error_code", "")) not in ("0", "00") or not isinstance(session, str) \
                or not session:
            raise self._down("auth")
        self._session = session
        return session

    async def _lookup(self, code: str) -> DossierLookup | None:
        for attempt in (1, 2):
            session = self._session or await self._login()
            data = await self._post("/mapi/g", {"session": session, "madonvi":
                                                self.cfg.agency_code, "service": "TraCuuHoSo",
                                                "mahoso": code})
            if str(data.get("error_code", "0")) in ("0", "00"):
                break
            self._session = None  # expired or refused: log in again, once
            if attempt == 2:
                raise self._down("auth")
        rows = data.get("result") or []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise self._down("garbage")
        exact = [r for r in rows if str(r.get("MaHoSo", "")).strip().upper() == code]
        if not exact:
            return None
        try:
            found = dossier_from(exact[0], self.zone)
        except ESystemUnavailable as exc:
            raise self._down(exc.reason) from None
        self.last_error = None
        return found

    async def lookup(self, code: str) -> DossierLookup | None:
        try:
            with anyio.fail_after(self.cfg.timeout_s):
                return await self._lookup(code)
        except TimeoutError:
            raise self._down("timeout") from None

    async def procedures(self) -> list[Procedure]:
        """The exchange carries no catalog: the hall's file, or none."""
        return list(self._catalog)

    async def aclose(self) -> None:
        await self._client.aclose()
