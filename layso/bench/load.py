"""The load the benchmark puts on a running server: kiosks issuing tickets (boards: boards.py)."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

import httpx

from layso.bench.stats import summary_ms

SERVICES = ("HT", "DD", "CT")
CLIENTS = ("raw", "httpx")


class LeanHttp:
    """One kiosk's keep-alive HTTP/1.1 connection, written and read by hand.

    The load generator shares the two cores with the server; httpx spends 1.5–4 ms of CPU
    per request (more than the server it measures), so it capped the figure it was meant to
    take. This client does only what a kiosk's request needs: one POST with a JSON body, the
    status line, the headers (Content-Length or chunked), and the whole body; a closed
    connection is reopened for the next request."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post_json(self, path: str, body: dict, headers: dict[str, str]) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        data = json.dumps(body, separators=(",", ":")).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self._writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{head}"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
            .encode() + data)
        try:
            return await self._answer()
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise

    async def _answer(self) -> tuple[int, bytes]:
        reader = self._reader
        raw = await reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if fields.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._reader = None


async def issue_load(url: str, kiosk_tokens: list[str], total: int,
                     client: str = "raw") -> dict:
    """`len(kiosk_tokens)` kiosks issue `total` tickets between them as fast as they can, each
    on its own keep-alive connection (`client`: "raw", see LeanHttp, or "httpx")."""
    if client == "raw":
        return await _issue_load_raw(url, kiosk_tokens, total)
    latencies: list[float] = []
    remaining = total
    errors = 0
    limits = httpx.Limits(max_connections=len(kiosk_tokens) + 4)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        async def kiosk(token: str, k: int) -> None:
            nonlocal remaining, errors
            headers = {"Authorization": f"Bearer {token}"}
            i = 0
            while remaining > 0:
                remaining -= 1
                body = {"service": SERVICES[(k + i) % len(SERVICES)]}
                i += 1
                t0 = time.perf_counter()
                r = await client.post("/api/v1/tickets", json=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 201:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(kiosk(t, k) for k, t in enumerate(kiosk_tokens)))
        wall = time.perf_counter() - start
    return {"kiosks": len(kiosk_tokens), "tickets": total, "errors": errors, "client": "httpx",
            "wall_s": round(wall, 3), "tickets_per_s": round(total / wall, 1),
            **summary_ms(latencies)}


async def _issue_load_raw(url: str, kiosk_tokens: list[str], total: int) -> dict:
    latencies: list[float] = []
    remaining = total
    errors = 0

    async def kiosk(token: str, k: int) -> None:
        nonlocal remaining, errors
        conn = LeanHttp(url)
        headers = {"Authorization": f"Bearer {token}"}
        i = 0
        try:
            while remaining > 0:
                remaining -= 1
                body = {"service": SERVICES[(k + i) % len(SERVICES)]}
                i += 1
                t0 = time.perf_counter()
                try:
                    status, answer = await conn.post_json("/api/v1/tickets", body, headers)
                except (asyncio.IncompleteReadError, ConnectionError):
                    status, answer = 0, b""
                latencies.append(time.perf_counter() - t0)
                if status != 201 or "number" not in json.loads(answer or b"{}"):
                    errors += 1
        finally:
            await conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(kiosk(t, k) for k, t in enumerate(kiosk_tokens)))
    wall = time.perf_counter() - start
    return {"kiosks": len(kiosk_tokens), "tickets": total, "errors": errors, "client": "raw",
            "wall_s": round(wall, 3), "tickets_per_s": round(total / wall, 1),
            **summary_ms(latencies)}
