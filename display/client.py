"""The board's link to the server: `WS /ws/hall?token=…`, kept up by a background thread.

The link itself is common/hall_link.py, the one client the kiosk uses too, with its one gap
policy: a new connection starts with the snapshot; a gap in `seq` (or `reload()`, which the
board calls when its fold finds a message it cannot take) loads the snapshot over HTTP
(`GET /api/v1/hall`) while the socket goes on being read into a buffer, and the buffered events
after the snapshot's `seq` follow it in order, so the reload does not race the socket. It
reconnects by itself with the shared backoff (common/backoff.py: doubling, with jitter, so a
hall's boards do not all hammer a server that just restarted).

Messages land in `inbox` (a thread-safe queue the board drains once per frame), together with
"open" and "closed" notes so the board can show that it lost the server.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from websockets.exceptions import InvalidStatus

from common.backoff import Backoff
from common.hall_link import HallLink, LinkHandlers
from contracts.events import UNSEQUENCED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Note:
    kind: Literal["open", "message", "closed"]
    data: Any = None  # the message (dict) or the reason the link closed (str)


def hall_ws_url(server: str, token: str) -> str:
    """`http://host:8000` (or ws://…, or host:8000) → ws://host:8000/ws/hall?token=TOKEN."""
    text = server.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"{server!r} is not a server address like http://192.168.1.10:8000")
    path = parts.path.rstrip("/")
    if not path.endswith("/ws/hall"):
        path += "/ws/hall"
    return urlunsplit((scheme, parts.netloc, path, f"token={quote(token, safe='')}", ""))


def hall_http_url(ws_url: str) -> str:
    """The snapshot's address beside a hall socket: ws://h/ws/hall?… → http://h/api/v1/hall."""
    parts = urlsplit(ws_url)
    scheme = "https" if parts.scheme == "wss" else "http"
    path = parts.path.removesuffix("/ws/hall") + "/api/v1/hall"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        code = exc.response.status_code
        if code in (401, 403):
            return f"the server refused the token ({code}): check --token"
        return f"the server answered HTTP {code}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(exc, TimeoutError):
        return "no answer from the server"
    return str(exc) or type(exc).__name__


class HallClient:
    """The board's thread around common.hall_link.HallLink: notes into `inbox`."""

    def __init__(self, server: str, token: str, *, backoff_min: float = 0.5,
                 backoff_max: float = 15.0, ping_interval: float = 5.0,
                 open_timeout: float = 5.0) -> None:
        self.url = hall_ws_url(server, token)
        self.token = token
        self.inbox: queue.SimpleQueue[Note] = queue.SimpleQueue()
        self.connected = threading.Event()
        self.link = HallLink(
            self.url, self._load_snapshot,
            LinkHandlers(snapshot=lambda message, fresh: self._put(message),
                         event=self._put, unsequenced=self._put, opened=self._opened,
                         closed=self._closed),
            unsequenced=UNSEQUENCED, backoff=Backoff(first=backoff_min, cap=backoff_max),
            describe=_reason, ping_interval=ping_interval, open_timeout=open_timeout,
            max_size=8 * 2**20, log=log)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._thread_main, name="hall-client",
                                        daemon=True)

    @property
    def connections(self) -> int:
        """How many times a connection opened (for tests and logs)."""
        return self.link.connections

    @property
    def reloads(self) -> int:
        """How many snapshots were loaded over HTTP after a gap or a `reload()`."""
        return self.link.reloads

    # --- called from the board's thread ----------------------------------------------------
    def start(self) -> HallClient:
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self, timeout: float = 3.0) -> None:
        self._call(self.link.stop)
        self._thread.join(timeout)

    def reload(self) -> None:
        """Load the snapshot again, in order with the events (common.hall_link)."""
        self._call(self.link.reload)

    def _call(self, what) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(what)

    # --- the client's own thread -----------------------------------------------------------
    def _thread_main(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._ready.set()
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {self.token}",
                                              "User-Agent": "layso-display"},
                                     timeout=httpx.Timeout(10.0, connect=3.0)) as http:
            self._http = http
            await self.link.run()

    async def _load_snapshot(self) -> dict:
        response = await self._http.get(hall_http_url(self.url))
        response.raise_for_status()
        return response.json()

    def _put(self, message: dict) -> None:
        self.inbox.put(Note("message", message))

    def _opened(self) -> None:
        self.connected.set()
        self.inbox.put(Note("open"))

    def _closed(self, reason: str) -> None:
        self.connected.clear()
        self.inbox.put(Note("closed", reason))
