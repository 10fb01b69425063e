"""The OpenCPS adapter: its REST API under `/o/rest/v2` (learned from OpenCPS's published
code, AGPL: nothing copied).

A lookup is `GET {url}/o/rest/v2/dossiers?dossierNo=CODE` with the header `groupId` and HTTP
Basic auth; the answer is `{"total": n, "data": [...]}`, dates `dd/MM/yyyy HH:mm:ss` in the
hall's zone. The whole exchange (connect, send, wait, read) must end within the hall's
`timeout_s` (3 s at most): httpx's own timeouts count per phase, so a slow drip of bytes
could last longer; `anyio.fail_after` bounds the total. Only the fields the hall may show are
read: the applicant's name and ID number, which OpenCPS sends too, are never copied.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
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
from server.esystem.catalog import procedure_from

log = logging.getLogger("layso.esystem")

DATE_FORMAT = "%d/%m/%Y %H:%M:%S"
CATALOG_TTL_S = 600.0

# OpenCPS `dossierStatus` → the hall's status. `waiting` is OpenCPS's "chờ bổ sung" (papers
# asked for); `unresolved` and `denied` are both a refusal for the citizen; `releasing` and
# `posting` mean the result is out (to pick up, or sent by post); `done` is handed over when
# it has a `finishDate`, else still waiting at the return counter.
_STATUS: dict[str, Status] = {
    "new": "processing", "receiving": "processing", "processing": "processing",
    "paying": "processing", "waiting": "supplement", "releasing": "ready", "posting": "ready",
    "denied": "denied", "unresolved": "denied", "cancelled": "cancelled",
}
STATUS_TEXT: dict[str, str] = {
    "processing": "Đang giải quyết",
    "ready": "Đã có kết quả, mời nhận tại quầy trả kết quả",
    "returned": "Đã trả kết quả",
    "supplement": "Cần bổ sung hồ sơ",
    "denied": "Từ chối giải quyết",
    "cancelled": "Đã hủy",
    "unknown": "Chưa rõ trạng thái",
}


def map_status(raw: str, finished: bool) -> Status:
    raw = raw.strip().lower()
    if raw == "done":
        return "returned" if finished else "ready"
    return _STATUS.get(raw, "unknown")


def parse_date(value: object, zone: ZoneInfo) -> datetime | None:
    """An OpenCPS date in the hall's zone; empty is None; anything else is garbage."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ESystemUnavailable("garbage")
    try:
        return datetime.strptime(value.strip(), DATE_FORMAT).replace(tzinfo=zone)
    except ValueError:
        raise ESystemUnavailable("garbage") from None


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ESystemUnavailable("garbage")
    return str(value).strip()[:300]


def dossier_from(row: dict, zone: ZoneInfo) -> DossierLookup:
    """One `data` entry as the hall shows it; no applicant field is read."""
    raw_status = row.get("dossierStatus")
    if not isinstance(raw_status, str) or not raw_status:
        raise ESystemUnavailable("garbage")
    finish = parse_date(row.get("finishDate"), zone)
    status = map_status(raw_status, finish is not None)
    return DossierLookup(
        code=_text(row, "dossierNo"), status=status, status_text=STATUS_TEXT[status],
        procedure=_text(row, "serviceName"), agency=_text(row, "govAgencyName"),
        received_at=parse_date(row.get("receiveDate"), zone),
        due_at=parse_date(row.get("dueDate"), zone),
        released_at=parse_date(row.get("releaseDate"), zone) or finish)


class OpenCPS:
    kind = "opencps"

    def __init__(self, cfg: ESystemConfig, zone: ZoneInfo,
                 catalog: list[Procedure] | None = None) -> None:
        self.cfg = cfg
        self.zone = zone
        self.base = cfg.url.rstrip("/") + "/o/rest/v2"
        self._file_catalog = catalog
        self._catalog: list[Procedure] | None = None
        self._catalog_at = 0.0
        self._catalog_lock = asyncio.Lock()
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(cfg.timeout_s), headers={"groupId": cfg.group_id,
                                                           "Accept": "application/json"},
            auth=httpx.BasicAuth(cfg.username, cfg.secret()) if cfg.username else None)
        self.last_error: str | None = None

    async def _get_json(self, path: str, params: dict | None = None) -> object:
        try:
            with anyio.fail_after(self.cfg.timeout_s):
                status, body = await fetch_capped(self._client, "GET", self.base + path,
                                                  params=params)
        except ESystemUnavailable as exc:
            raise self._down(exc.reason) from None
        except TimeoutError:
            raise self._down("timeout") from None
        except httpx.TimeoutException:
            raise self._down("timeout") from None
        except httpx.HTTPError:
            raise self._down("down") from None
        if status in (401, 403):
            raise self._down("auth")
        if status == 404 and path.startswith("/dossiers"):
            return {"total": 0, "data": []}
        if status != 200:
            raise self._down(f"http_{status}")
        try:
            data = json.loads(body)
        except ValueError:
            raise self._down("garbage") from None
        self.last_error = None
        return data

    def _down(self, reason: str) -> ESystemUnavailable:
        if reason != self.last_error:  # once per change, not once per lookup
            log.warning("e-system %s at %s unavailable: %s", self.kind, safe_url(self.cfg.url),
                        reason)
        self.last_error = reason
        return ESystemUnavailable(reason)

    async def lookup(self, code: str) -> DossierLookup | None:
        data = await self._get_json("/dossiers", {"dossierNo": code})
        if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
            raise self._down("garbage")
        rows = [r for r in data.get("data") or [] if isinstance(r, dict)]
        if len(rows) != len(data.get("data") or []):
            raise self._down("garbage")
        # a search may match more loosely than the exact number: take only the exact one
        exact = [r for r in rows if str(r.get("dossierNo", "")).strip().upper() == code]
        if not exact:
            return None
        try:
            return dossier_from(exact[0], self.zone)
        except ESystemUnavailable as exc:
            raise self._down(exc.reason) from None

    async def procedures(self) -> list[Procedure]:
        if self._file_catalog is not None:
            return list(self._file_catalog)
        async with self._catalog_lock:  # many kiosks at once: one fetch, not one each
            return await self._fresh_catalog()

    async def _fresh_catalog(self) -> list[Procedure]:
        now = time.monotonic()
        if self._catalog is not None and now - self._catalog_at < CATALOG_TTL_S:
            return list(self._catalog)
        try:
            data = await self._get_json("/serviceinfos", {"start": 0, "end": 10000})
            rows = data.get("data") if isinstance(data, dict) else data
            if not isinstance(rows, list):
                raise self._down("garbage")
        except ESystemUnavailable:
            if self._catalog is not None:  # yesterday's catalog beats none
                return list(self._catalog)
            raise
        self._catalog = [p for p in (procedure_from(r) for r in rows if isinstance(r, dict)) if p]
        self._catalog_at = now
        return list(self._catalog)

    async def aclose(self) -> None:
        await self._client.aclose()
