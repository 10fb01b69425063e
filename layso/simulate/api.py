"""The server's HTTP API as the simulated people use it: one pool of kept-alive connections,
the right token for each caller, and replies kept as (status, JSON) for the driver to judge.
Nothing here knows the queue's rules.

aiohttp rather than httpx: a simulated day is tens of thousands of small requests, and on this
machine aiohttp spends about 0.2–0.3 ms of CPU on one where httpx spends 1.8–2.9 ms (more with
concurrent requests) — CPU the server, on the same cores, then lacks."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import aiohttp

from layso.simulate.accounts import Accounts


class ServerError(Exception):
    """The server cannot be reached or refuses the simulator itself; `str()` says what to do."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error(self) -> str:
        """The server's error code (`{"error": …}`), or the status."""
        if isinstance(self.body, dict) and self.body.get("error"):
            return str(self.body["error"])
        return str(self.status)

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict) and "detail" in self.body:
            return str(self.body["detail"])
        return ""


class HallAPI:
    """Use inside a running event loop: `async with HallAPI(url, accounts) as api: …`."""

    def __init__(self, url: str, accounts: Accounts, *, connections: int = 64,
                 timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.accounts = accounts
        self.connections = connections
        self.timeout = timeout
        self.requests = 0
        self.kiosk_throttled = 0
        self._kiosks = itertools.cycle(accounts.kiosks) if accounts.kiosks else None
        self._relogin_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HallAPI:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.connections),
            timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(self, method: str, path: str, token: str | None, body: Any,
                       params: dict | None) -> tuple[int, bytes, dict[str, str]]:
        if self._session is None:
            raise RuntimeError("HallAPI is used outside `async with`")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            async with self._session.request(method, self.url + path, json=body, params=params,
                                             headers=headers) as r:
                content = await r.read()
                return r.status, content, dict(r.headers)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise ServerError(f"the server at {self.url} did not answer {method} {path}: "
                              f"{exc!r}; is it running?") from None

    def _token(self, role: str) -> str:
        if role == "admin":
            return self.accounts.admin
        kind, _, n = role.partition(":")
        if kind == "counter":
            return self.accounts.counters[int(n)]
        if kind == "rating":
            return self.accounts.ratings.get(int(n)) or self.accounts.counters[int(n)]
        return role  # a raw token (kiosks)

    def _set_token(self, role: str, token: str) -> None:
        kind, _, n = role.partition(":")
        if role == "admin":
            self.accounts.admin = token
        elif kind == "counter":
            self.accounts.counters[int(n)] = token
        elif kind == "rating":
            self.accounts.ratings[int(n)] = token

    async def _send(self, method: str, path: str, role: str, body: Any = None,
                    params: dict | None = None) -> Reply:
        for attempt in (1, 2):
            token = self._token(role)
            status, content, _ = await self._request(method, path, token, body, params)
            self.requests += 1
            if status == 401 and attempt == 1 and role in self.accounts.logins:
                await self._login_again(role, token)
                continue
            break
        try:
            data = json.loads(content) if content else None
        except ValueError:
            data = content.decode("utf-8", "replace")
        return Reply(status, data)

    async def _login_again(self, role: str, stale: str) -> None:
        """A login token expired on the simulated clock (they last 12 hours): sign in again."""
        async with self._relogin_lock:
            if self._token(role) != stale:
                return  # another task already did
            login = self.accounts.logins[role]
            for _ in range(5):
                status, content, headers = await self._request(
                    "POST", "/api/v1/auth/login", None,
                    {"username": login.username, "password": login.password,
                     "counter": login.counter}, None)
                self.requests += 1
                if status == 429:
                    await asyncio.sleep(float(headers.get("Retry-After", "5")))
                    continue
                if status != 200:
                    raise ServerError(f"{login.username} cannot sign in again: "
                                      f"{content[:300].decode('utf-8', 'replace')}")
                self._set_token(role, json.loads(content)["token"])
                return
            raise ServerError(f"{login.username}: the server keeps refusing logins (429)")

    # The calls the simulated people make.

    async def clock(self) -> tuple[datetime, bool]:
        r = await self._send("GET", "/api/v1/clock", "admin")
        if r.status == 404:
            raise ServerError(f"{self.url} has no /api/v1/clock: is it a Layso server?")
        if r.status in (401, 403):
            raise ServerError(f"the server refused the admin token ({r.status}): {r.detail} — "
                              "give a current admin login (login tokens last 12 hours on the "
                              "server's clock), or --admin USER --password-stdin")
        if not r.ok:
            raise ServerError(f"reading the server's clock failed ({r.status}): {r.detail}")
        return datetime.fromisoformat(r.body["now"]), bool(r.body["fake"])

    async def set_clock(self, at: datetime) -> Reply:
        return await self._send("POST", "/api/v1/clock", "admin", {"at": at.isoformat()})

    async def issue(self, service: str, priority: str | None) -> Reply:
        body = {"service": service, "priority": priority} if priority else {"service": service}
        if self._kiosks is not None:
            r = await self._send("POST", "/api/v1/tickets", next(self._kiosks), body)
            if r.status != 429:
                return r
            self.kiosk_throttled += 1  # the kiosk's real-time limit: the admin may issue
        return await self._send("POST", "/api/v1/tickets", "admin", body)

    async def act(self, counter: int, action: str, body: dict | None = None) -> Reply:
        return await self._send("POST", f"/api/v1/counters/{counter}/{action}",
                                f"counter:{counter}", body)

    async def rate(self, counter: int, visit_id: int, score: int) -> Reply:
        return await self._send("POST", f"/api/v1/visits/{visit_id}/rating",
                                f"rating:{counter}", {"score": score})

    async def counters(self) -> Reply:
        return await self._send("GET", "/api/v1/counters", "admin")

    async def current(self, counter: int) -> Reply:
        return await self._send("GET", f"/api/v1/counters/{counter}/current", "admin")

    async def daily_report(self, day: date) -> Reply:
        return await self._send("GET", "/api/v1/reports/daily", "admin",
                                params={"date": day.isoformat()})
