"""`WS /ws/hall`: the snapshot first, then every event in sequence order.

Each client has its own queue and sender, so a slow or dead one never delays the others;
one that falls too far behind is closed (code 4000) and reconnects to a fresh snapshot.
The token is checked again every TOKEN_RECHECK_S: a revoked device or a signed-out officer
is closed with 4401 instead of listening to the hall until it happens to reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from server.api.audience import event_text_for, snapshot_for
from server.api.deps import principal_for, read
from server.api.hall import device_health
from server.auth import Principal
from server.queue import views

router = APIRouter()
log = logging.getLogger("layso.ws")
SEND_TIMEOUT_S = 10.0
TOKEN_RECHECK_S = 30.0


@router.websocket("/ws/hall")
async def ws_hall(ws: WebSocket, token: str = "") -> None:
    hall = ws.app.state.hall
    p = await principal_for(hall, token)
    if p is None:
        await ws.close(code=4401, reason="unauthorized: add ?token=TOKEN")
        return
    hub = ws.app.state.ws_clients
    if len(hub) >= ws.app.state.max_ws_clients:
        await ws.accept()  # so the client reads why: 1013 "try again later"
        await ws.close(code=1013, reason="too many clients; retry later")
        log.warning("refused a WebSocket client (%s): %d connected", p.name, len(hub))
        return
    await ws.accept()
    sub = hall.bus.subscribe(f"ws:{p.name}")
    hub.add(ws)
    try:
        devices = device_health(ws)
        snap = await read(hall, lambda tx: views.snapshot(tx, devices))
        await ws.send_text(snapshot_for(p, snap).model_dump_json())
        receiver = asyncio.create_task(_drain_incoming(ws))
        guard = asyncio.create_task(_until_token_invalid(hall, token))
        try:
            await _forward(ws, sub, p, snap.seq, {receiver, guard})
            if guard.done() and not receiver.done():
                log.info("closing the WebSocket of %s: its token was revoked or expired",
                         p.name)
                await ws.close(code=4401, reason="unauthorized: token revoked or expired")
        finally:
            receiver.cancel()
            guard.cancel()
    except (WebSocketDisconnect, RuntimeError, ConnectionError):
        pass
    finally:
        hub.discard(ws)
        hall.bus.unsubscribe(sub)


async def _until_token_invalid(hall, token: str) -> None:
    """Returns once the token no longer resolves (revoked, expired, device disabled). The
    first check is spread over the period so reconnecting boards do not check in step."""
    await asyncio.sleep(random.uniform(0.5, 1.0) * TOKEN_RECHECK_S)
    while True:
        try:
            if await principal_for(hall, token) is None:
                return
        except Exception:  # a busy or restarting database is no reason to drop a board
            log.warning("could not re-check a WebSocket token; keeping the client",
                        exc_info=True)
        await asyncio.sleep(TOKEN_RECHECK_S)


_WAKE = ({}, "")  # put in a client's queue when its reader or token guard ends


async def _forward(ws: WebSocket, sub, p: Principal, after_seq: int,
                   stoppers: set[asyncio.Task]) -> None:
    """Sends the subscription's events until one of `stoppers` ends (the client left, or
    its token stopped being valid).

    This runs once per event per client (500 boards: 500 times a call), so it waits on the
    queue alone: a stopper that ends puts `_WAKE` in the queue (a full queue wakes the loop
    anyway), rather than a future and an `asyncio.wait` over three per event; and the send's
    deadline is an `asyncio.timeout` scope, not `wait_for`'s extra task per send."""
    def wake(_: asyncio.Task) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            sub.queue.put_nowait(_WAKE)

    for t in stoppers:
        t.add_done_callback(wake)
    while True:
        ev, text = await sub.queue.get()
        if any(t.done() for t in stoppers):
            return
        if ev.get("seq") is not None and ev["seq"] <= after_seq:
            continue
        if sub.overflowed:
            await ws.close(code=4000, reason="too slow: reload the snapshot")
            return
        try:
            async with asyncio.timeout(SEND_TIMEOUT_S):
                await ws.send_text(event_text_for(p, ev, text))
        except TimeoutError:
            log.warning("closing a WebSocket client that stopped reading")
            with contextlib.suppress(Exception):
                await ws.close(code=4000, reason="too slow")
            return


async def _drain_incoming(ws: WebSocket) -> None:
    """Clients may send pings; anything they send, text or binary, is read and ignored
    (`receive_text` would fail on a binary frame and drop a healthy client)."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
