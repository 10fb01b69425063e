"""The notification gateways of `[notify]`: where a claimed message goes.

A gateway's `send` returns when the message is handed over and raises `SendFailed` when it
was not (the sender retries it later). Each call carries the message's dedupe key, which the
webhook sends as `Idempotency-Key`: the sender delivers at least once, the key lets the
gateway deliver once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

import httpx

from contracts.citizens_config import Notify
from server.outbox.store import Claimed

log = logging.getLogger("layso.notify")
TIMEOUT_S = 5.0  # DESIGN.md: no answer within 5 s is a failure, retried later


class SendFailed(Exception):
    pass


class Gateway(Protocol):
    async def send(self, msg: Claimed) -> None: ...

    async def close(self) -> None: ...


class LogGateway:
    """The default and the demo: each message a line of `log_file` (tab-separated: time,
    kind, to, dedupe key, text) and of the server log, where a person can read the code."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _append(self, line: str) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)
                f.flush()

    async def send(self, msg: Claimed) -> None:
        from datetime import UTC, datetime

        text = msg.text.replace("\n", " ").replace("\t", " ")
        line = f"{datetime.now(UTC).isoformat()}\t{msg.kind}\t{msg.to}\t{msg.dedupe_key}\t{text}\n"
        try:
            await asyncio.to_thread(self._append, line)
        except OSError as exc:
            raise SendFailed(f"log file {self.path}: {exc}") from exc
        log.info("message %s to %s: %s", msg.kind, msg.to, text)

    async def close(self) -> None:
        pass


class WebhookGateway:
    """`POST {url}` with `{"to", "text", "kind"}`; any answer but 2xx, or none in 5 s, fails."""

    def __init__(self, url: str, token: str | None = None,
                 timeout_s: float = TIMEOUT_S) -> None:
        self.url = url
        self.token = token
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def send(self, msg: Claimed) -> None:
        headers = {"Idempotency-Key": msg.dedupe_key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            r = await self._client.post(self.url, headers=headers,
                                        json={"to": msg.to, "text": msg.text, "kind": msg.kind})
        except httpx.HTTPError as exc:
            raise SendFailed(f"webhook: {type(exc).__name__}: {exc}") from exc
        if not 200 <= r.status_code < 300:
            raise SendFailed(f"webhook: HTTP {r.status_code} {r.text[:120]}")

    async def close(self) -> None:
        await self._client.aclose()


def make_gateway(cfg: Notify) -> Gateway:
    if cfg.kind == "webhook":
        token = cfg.token or (os.environ.get(cfg.token_env) if cfg.token_env else None)
        return WebhookGateway(cfg.url or "", token)
    return LogGateway(cfg.log_file)
