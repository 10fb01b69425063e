"""What every e-system adapter answers, whatever its wire format.

A lookup gives a `DossierLookup` (or None for a code the e-system does not know); anything
else that goes wrong (no answer within the time limit, a refused connection, a 5xx, a wrong
password, bytes that are not the expected shape) is `ESystemUnavailable`, because for the hall
they all mean the same: the citizen still gets a normal number and the officer types the due
date. The result type holds no name and no ID number: adapters never copy them out of the
e-system's answer, so nothing downstream can leak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Status = Literal["processing", "ready", "returned", "supplement", "denied", "cancelled",
                 "unknown"]
READY_STATUSES: frozenset[str] = frozenset({"ready"})


@dataclass(frozen=True)
class DossierLookup:
    """One dossier as the hall may show it (DESIGN: `GET /api/v1/dossiers/{code}`)."""

    code: str
    status: Status
    status_text: str
    procedure: str
    agency: str
    received_at: datetime | None
    due_at: datetime | None
    released_at: datetime | None

    @property
    def ready(self) -> bool:
        """The result waits at the return counter (released but not handed over yet)."""
        return self.status in READY_STATUSES


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure of the catalog (`GET /api/v1/procedures`)."""

    code: str
    name: str
    field: str
    duration_text: str
    fee_text: str
    papers_text: str


class ESystemUnavailable(Exception):
    """The e-system could not answer usefully; `reason` is for logs and the device list
    (`down`, `timeout`, `http_500`, `auth`, `garbage`, `none`), never with credentials."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


MAX_ANSWER_BYTES = 4 * 2**20
"""A dossier answer is a few kB and a catalog a few MB at most: more is garbage, and is not
read into memory (a runaway export could otherwise take the server's memory)."""


async def fetch_capped(client: object, method: str, url: str, cap: int = MAX_ANSWER_BYTES,
                       **kw: object) -> tuple[int, bytes]:
    """(status, body) of one exchange, the body read up to `cap` bytes; more raises
    `ESystemUnavailable("too_large")`. Transport errors propagate (the caller names them)."""
    async with client.stream(method, url, **kw) as r:  # type: ignore[attr-defined]
        body = bytearray()
        async for chunk in r.aiter_bytes():
            body += chunk
            if len(body) > cap:
                raise ESystemUnavailable("too_large")
        return r.status_code, bytes(body)


def safe_url(url: str) -> str:
    """The URL for a log line: no `user:password@`, no query (credentials never in logs)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class ESystem(Protocol):
    kind: str

    async def lookup(self, code: str) -> DossierLookup | None:
        """The dossier with this (normalised, pattern-checked) code; None if unknown."""
        ...

    async def procedures(self) -> list[Procedure]:
        """The procedure catalog (a file's, when the hall gives one)."""
        ...

    async def aclose(self) -> None: ...


class NoESystem:
    """`kind = "none"`: no link; lookups are unavailable, the catalog is the file's or empty."""

    kind = "none"

    def __init__(self, catalog: list[Procedure] | None = None) -> None:
        self._catalog = catalog or []

    async def lookup(self, code: str) -> DossierLookup | None:
        raise ESystemUnavailable("none")

    async def procedures(self) -> list[Procedure]:
        return list(self._catalog)

    async def aclose(self) -> None:
        return None
