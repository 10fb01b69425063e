"""The kiosk's hall link: common.hall_link (one client and one gap policy for the kiosk and
the board) delivering to the state machine, and the waiting counts reloaded after events.

A new connection's snapshot is `LinkUp`, a reload's (a gap in `seq`, or asked for by the
state machine) is `HallReloaded`, each event in order is `HallEvent`, a lost connection is
`LinkDown`. Device health (unsequenced) is not shown by the kiosk and is dropped here.
"""

from __future__ import annotations

import asyncio
import logging

from websockets.exceptions import InvalidStatus

from common.backoff import Backoff
from common.hall_link import HallLink, LinkHandlers
from contracts.events import UNSEQUENCED
from kiosk import machine as m
from kiosk.client import ServerRefusal, ServerUnreachable, websocket_url
from kiosk.io_context import IOContext

log = logging.getLogger(__name__)


class KioskLink:
    def __init__(self, ctx: IOContext, server: str, token: str) -> None:
        self.ctx = ctx
        self.url = websocket_url(server, token)
        self.link = HallLink(
            self.url, self._load, LinkHandlers(snapshot=self._snapshot, event=self._event,
                                               closed=self._closed),
            unsequenced=UNSEQUENCED, backoff=Backoff(first=0.5, cap=10.0),
            describe=self._describe, ping_interval=10.0, max_size=2**22, log=log)
        self._refresh = asyncio.Event()  # binds to the loop that first waits on it

    # ---- the link's deliveries -----------------------------------------------------------

    async def _load(self) -> dict:
        return await self.ctx.server().hall()

    def _snapshot(self, snapshot: dict, fresh: bool) -> None:
        self.ctx.post(m.LinkUp(snapshot) if fresh else m.HallReloaded(snapshot))

    def _event(self, event: dict) -> None:
        self.ctx.post(m.HallEvent(event))

    def _closed(self, reason: str) -> None:
        self.ctx.post(m.LinkDown(reason or "connection closed"))

    def _describe(self, exc: BaseException) -> str:
        where = self.url.split("?")[0]
        if isinstance(exc, InvalidStatus):
            code = exc.response.status_code
            detail = f"{where} answered {code}"
            if code in (401, 403):
                detail += ": the server refused this kiosk's token"
            return detail
        return f"{where}: {exc or type(exc).__name__}"

    # ---- effects -----------------------------------------------------------------------------

    async def reload_hall(self) -> None:
        """The state machine wants the hall afresh: in order with the events when the link is
        up (common.hall_link), else a plain `GET /api/v1/hall`."""
        if self.link.up:
            self.link.reload()
            return
        try:
            self.ctx.post(m.HallReloaded(await self.ctx.server().hall()))
        except (ServerUnreachable, ServerRefusal) as exc:
            log.info("hall reload failed: %s", exc)

    def refresh_services(self) -> None:
        self._refresh.set()

    async def refresher(self) -> None:
        """Reload waiting counts after events, at most a few times a second."""
        while True:
            await self._refresh.wait()
            await asyncio.sleep(0.25)
            self._refresh.clear()
            try:
                self.ctx.post(m.ServicesLoaded(await self.ctx.server().services()))
            except (ServerUnreachable, ServerRefusal) as exc:
                log.info("services reload failed: %s", exc)
