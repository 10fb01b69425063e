"""The kiosk's side of the server's HTTP API (contracts/api.py), over httpx.

Every failure comes back as one of two exceptions the state machine understands: a
`ServerRefusal` carries the server's own words (shown to the citizen as they are), a
`ServerUnreachable` means the kiosk shows its offline screen and reconnects.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx

from contracts.api import TicketOut

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def new_request_key() -> str:
    """A fresh Idempotency-Key for one ticket request."""
    return uuid.uuid4().hex


class ServerRefusal(Exception):
    """The server answered and said no: `detail` is its message, `error` its code."""

    def __init__(self, status: int, error: str, detail: str,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail
        self.extra = extra or {}

    @property
    def opens_at(self) -> datetime | None:
        """When the hall takes tickets again, if the refusal says (hall_closed, after_cutoff)."""
        raw = self.extra.get("opens_at")
        if not isinstance(raw, str):
            return None
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return when if when.tzinfo else None


class ServerUnreachable(Exception):
    """No usable answer: connection refused, time-out, or a token the server refuses."""


def check_server_url(url: str) -> str:
    """`url` without a trailing slash, or ValueError saying what a server URL looks like."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"server URL {url!r}: expected http://HOST:PORT or https://HOST")
    return url.strip().rstrip("/")


def websocket_url(server: str, token: str) -> str:
    """`WS /ws/hall?token=T` on the same host: ws:// for http, wss:// for https."""
    parts = urlsplit(server)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.rstrip("/") + "/ws/hall"
    return urlunsplit((scheme, parts.netloc, path, urlencode({"token": token}), ""))


def refusal_from(response: httpx.Response) -> ServerRefusal:
    """The server's error body (`{"detail", "error"}`) as an exception; any body is tolerated."""
    error, detail, extra = f"http_{response.status_code}", "", {}
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        extra = {k: v for k, v in body.items() if k not in ("detail", "error", "errors")}
        error = str(body.get("error") or error)
        raw = body.get("detail")
        if isinstance(raw, str):
            detail = raw
        elif isinstance(raw, list) and raw and isinstance(raw[0], dict):
            detail = str(raw[0].get("msg", ""))
    return ServerRefusal(response.status_code, error, detail, extra)


class ServerClient:
    """One kiosk's HTTP client: bearer token, short time-outs, errors turned into meaning."""

    def __init__(self, server: str, token: str, *, timeout: httpx.Timeout = TIMEOUT) -> None:
        self.server = check_server_url(server)
        self.token = token
        self._http = httpx.AsyncClient(
            base_url=self.server,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "layso-kiosk"},
            timeout=timeout,
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise ServerUnreachable(
                f"{self.server}: no answer in time ({type(exc).__name__})"
            ) from None
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"{self.server}: {exc or type(exc).__name__}") from None
        if response.status_code in (401, 403):
            raise ServerUnreachable(
                f"{self.server} refused this kiosk's token ({response.status_code}): "
                "add a kiosk device with `layso device add NAME --kind kiosk`"
            )
        if response.status_code >= 400:
            raise refusal_from(response)
        return response

    async def issue(self, body: dict[str, Any], key: str | None = None) -> TicketOut:
        """`POST /api/v1/tickets`; an idempotency key (`key`, or a new one) lets a server
        answer a repeated request with the ticket it already gave."""
        headers = {"Idempotency-Key": key or new_request_key()}
        response = await self._call("POST", "/api/v1/tickets", json=body, headers=headers)
        return TicketOut.model_validate(response.json())

    async def reprint(self, ticket_id: int) -> TicketOut:
        """`POST /api/v1/tickets/{id}/reprint`: the same ticket (same number) with today's
        figures, for a print that failed. Safe to repeat: it issues nothing."""
        response = await self._call("POST", f"/api/v1/tickets/{ticket_id}/reprint")
        return TicketOut.model_validate(response.json())

    async def ticket(self, ticket_id: int) -> dict[str, Any]:
        """`GET /api/v1/tickets/{id}`: its number, service, state and print outcome."""
        return (await self._call("GET", f"/api/v1/tickets/{ticket_id}")).json()

    async def report_printed(self, ticket_id: int) -> None:
        await self._call("POST", f"/api/v1/tickets/{ticket_id}/printed")

    async def report_print_failed(self, ticket_id: int, reason: str) -> None:
        await self._call("POST", f"/api/v1/tickets/{ticket_id}/print-failed",
                         json={"reason": reason})

    async def report_health(self, status: str, detail: str) -> None:
        """Tell the server how this kiosk's printer is (the manager's device list)."""
        await self._call("POST", "/api/v1/devices/report",
                         json={"status": status, "detail": detail[:300]})

    async def hall(self) -> dict[str, Any]:
        return (await self._call("GET", "/api/v1/hall")).json()

    async def services(self) -> list[dict[str, Any]]:
        return (await self._call("GET", "/api/v1/services")).json()
