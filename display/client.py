"""The board's link to the server: `WS /ws/hall?token=…`, kept up by a background thread.

Messages land in `inbox` (a thread-safe queue the board drains once per frame), together with
"open" and "closed" notes so the board can show that it lost the server. The thread reconnects
by itself with exponential backoff and jitter (a hall's boards must not all hammer a server
that just restarted); every new connection starts with a snapshot, which is how the board
catches up. `reload()` drops the connection and reconnects at once: the board calls it when it
sees a gap in `seq` (a fresh connection's snapshot and events are consistent by construction,
which a separate `GET /api/v1/hall` racing the socket would not be).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import queue
import random
import threading
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI, WebSocketException

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
    def __init__(self, server: str, token: str, *, backoff_min: float = 0.5,
                 backoff_max: float = 15.0, ping_interval: float = 5.0,
                 open_timeout: float = 5.0) -> None:
        self.url = hall_ws_url(server, token)
        self.inbox: queue.SimpleQueue[Note] = queue.SimpleQueue()
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.ping_interval = ping_interval
        self.open_timeout = open_timeout
        self.connected = threading.Event()
        self.connections = 0  # how many times a connection opened (for tests and logs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ws: ClientConnection | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._thread_main, name="hall-client",
                                        daemon=True)

    # --- called from the board's thread ----------------------------------------------------
    def start(self) -> HallClient:
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self, timeout: float = 3.0) -> None:
        self._stopping = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._interrupt)
        self._thread.join(timeout)

    def reload(self) -> None:
        """Drop the connection and reconnect now: the new one starts with a snapshot."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._interrupt)

    # --- the client's own thread -----------------------------------------------------------
    def _interrupt(self) -> None:
        if self._wake is not None:
            self._wake.set()
        if self._ws is not None:
            asyncio.ensure_future(self._ws.close())

    def _thread_main(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._ready.set()
        delay = self.backoff_min
        while not self._stopping:
            self._wake.clear()
            try:
                async with connect(self.url, open_timeout=self.open_timeout,
                                   ping_interval=self.ping_interval,
                                   ping_timeout=self.ping_interval, max_size=8 * 2**20,
                                   close_timeout=1) as ws:
                    self._ws = ws
                    self.connections += 1
                    delay = self.backoff_min
                    self.connected.set()
                    self.inbox.put(Note("open"))
                    async for raw in ws:
                        self._deliver(raw)
                    reason = "the server closed the connection"
            except (OSError, InvalidURI, InvalidHandshake, WebSocketException,
                    TimeoutError) as exc:
                reason = _reason(exc)
            finally:
                self._ws = None
            if self.connected.is_set():
                self.connected.clear()
            self.inbox.put(Note("closed", reason))
            if self._stopping:
                break
            if self._wake.is_set():  # reload() asked for a fresh snapshot: no backoff
                continue
            log.info("hall link down (%s); retrying in %.1f s", reason, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay * random.uniform(0.8, 1.2))
            delay = min(self.backoff_max, delay * 2)

    def _deliver(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            log.warning("ignored a message that is not JSON: %.80r", raw)
            return
        if isinstance(message, dict):
            self.inbox.put(Note("message", message))
