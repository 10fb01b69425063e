"""The load the benchmark puts on a running server: kiosks issuing, boards watching calls."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import websockets

from layso.bench.stats import summary_ms

SERVICES = ("HT", "DD", "CT")


async def issue_load(url: str, kiosk_tokens: list[str], total: int) -> dict:
    """`len(kiosk_tokens)` kiosks issue `total` tickets between them as fast as they can."""
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
    return {"kiosks": len(kiosk_tokens), "tickets": total, "errors": errors,
            "wall_s": round(wall, 3), "tickets_per_s": round(total / wall, 1),
            **summary_ms(latencies)}


async def call_to_board(url: str, ws_url: str, display_token: str, kiosk_token: str,
                        officer_token: str, counter: int, clients: int, calls: int) -> dict:
    """`clients` boards on the WebSocket; an officer calls `calls` tickets. For each call:
    the time from the `next` request's answer to the `called` event at every board (and from
    the request being sent, since the event may overtake the answer)."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        kh = {"Authorization": f"Bearer {kiosk_token}"}
        for _ in range(calls):
            (await client.post("/api/v1/tickets", json={"service": "HT"}, headers=kh)
             ).raise_for_status()
        boards = []
        for _ in range(clients):
            ws = await websockets.connect(f"{ws_url}?token={display_token}", max_queue=None,
                                          open_timeout=60)
            json.loads(await ws.recv())  # the snapshot
            boards.append(ws)
        arrivals: dict[int, list[float]] = {}

        async def watch(ws) -> None:
            async for raw in ws:
                ev = json.loads(raw)
                if ev.get("type") == "called":
                    arrivals.setdefault(ev["visit_id"], []).append(time.perf_counter())

        watchers = [asyncio.create_task(watch(ws)) for ws in boards]
        oh = {"Authorization": f"Bearer {officer_token}"}
        from_answer: list[float] = []
        from_send: list[float] = []
        for _ in range(calls):
            t_send = time.perf_counter()
            r = await client.post(f"/api/v1/counters/{counter}/next", headers=oh)
            t_answer = time.perf_counter()
            r.raise_for_status()
            vid = r.json()["visit_id"]
            deadline = time.perf_counter() + 10
            while len(arrivals.get(vid, ())) < clients and time.perf_counter() < deadline:
                await asyncio.sleep(0.0005)
            for t in arrivals.get(vid, ()):
                from_answer.append(max(0.0, t - t_answer))
                from_send.append(t - t_send)
            (await client.post(f"/api/v1/counters/{counter}/finish", headers=oh)
             ).raise_for_status()
        for w in watchers:
            w.cancel()
        await asyncio.gather(*(ws.close() for ws in boards), return_exceptions=True)
    delivered = len(from_send)
    return {"clients": clients, "calls": calls, "delivered": delivered,
            "expected": clients * calls,
            "from_answer": summary_ms(from_answer), "from_request": summary_ms(from_send)}
