"""The FastAPI application: wiring of hall, routes, pages, scheduler and devices."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI

from contracts.hall_config import DEFAULT_CONFIG, HallConfig, load_hall_config
from server import pages
from server.api import (
    auth,
    counter_views,
    counters,
    device_reports,
    dossiers,
    errors,
    hall,
    manage,
    public,
    reports,
    schema,
    tickets,
    visits,
    ws,
)
from server.api import clock as clock_api
from server.api.dossiers import initial_health
from server.citizens.remote import upkeep as citizens_upkeep
from server.clock import Clock
from server.db.database import Database
from server.deadlines import BODY_TIMEOUT_S, BodyDeadline
from server.esystem import make_esystem
from server.hall import Hall
from server.outbox import OutboxStore
from server.outbox.gateways import make_gateway
from server.outbox.sender import OutboxSender
from server.overload import LoadShedder
from server.ratelimit import LOGIN_PER_MINUTE, LimitStore, SharedLimit
from server.security import SecurityHeaders

log = logging.getLogger("layso.server")


def create_app(cfg: HallConfig, db_url: str, clock: Clock | None = None, *,
               scheduler: bool = True, devices: bool = True,
               max_ws_clients: int = 2000, max_in_flight: int = 256,
               body_timeout_s: float = BODY_TIMEOUT_S) -> FastAPI:
    db = Database(db_url)
    the_hall = Hall(cfg, db, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        the_hall.bus.bind(asyncio.get_running_loop())
        await anyio.to_thread.run_sync(the_hall.setup)
        await anyio.to_thread.run_sync(the_hall.housekeeping)
        listener = None
        if not db.is_sqlite:
            from server.fanout import PgListener, notify_in_tx

            the_hall.in_tx_hooks.append(notify_in_tx)
            listener = PgListener(the_hall)
            listener.start()
        sched = None
        if scheduler:
            from server.scheduler import SchedulerLeader

            sched = SchedulerLeader(the_hall)
            await sched.start()
        app.state.scheduler = sched
        # The outbox's sender works where the scheduler runs: one per deployment.
        outbox.active = lambda: sched is not None and sched.running
        outbox.start()
        manager = None
        if devices and cfg.devices:
            from server.devices.manager import DeviceManager

            manager = DeviceManager(the_hall)
            app.state.devices = manager
            await manager.start()
        # Everything made so far (modules, models, schemas, routes) lives as long as the server:
        # keep it out of the cyclic collector's full passes, which otherwise stop every request
        # for ~0.1 s now and then (the issue benchmark's p99 at 32 kiosks: 159 → 64 ms).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            if manager is not None:
                await manager.stop()
            await outbox.stop()
            if sched is not None:
                await sched.stop()
            if listener is not None:
                await listener.stop()
            await app.state.esystem.aclose()
            db.dispose()

    app = FastAPI(title="Layso queue server", version="1", lifespan=lifespan,
                  description="Queue tickets and counter calling for a one-stop service hall.",
                  docs_url=None, redoc_url=None)  # served offline: server/docs_page.py
    app.state.hall = the_hall
    app.state.devices = None
    app.state.reported_health = {}
    app.state.scheduler = None
    app.state.esystem = make_esystem(cfg)
    app.state.esystem_health = initial_health(cfg)
    # Counted in the database, so every process and server on it shares them.
    limits = LimitStore(db)
    the_hall.limits = limits
    app.state.kiosk_limiter = SharedLimit(limits, "kiosk", cfg.queue.kiosk_per_minute, 60)
    app.state.login_limiter = SharedLimit(limits, "login", LOGIN_PER_MINUTE, 60)
    app.state.lookup_limiter = SharedLimit(limits, "esystem", cfg.esystem.kiosk_lookups_per_minute,
                                           60)
    outbox = OutboxSender(OutboxStore(db), make_gateway(cfg.notify), the_hall.clock)
    app.state.outbox = outbox
    outbox.maintenance.append(lambda _now: the_hall.write(citizens_upkeep))
    public.install_limits(app, limits, cfg)
    app.state.ws_clients = set()
    app.state.max_ws_clients = max_ws_clients
    # The last added is outermost: shed load first, so a 503 still carries the headers; the
    # first added is innermost: an unhandled error is answered there and the connection kept.
    # The body is read (under its deadline) before the shedder: an upload holds no slot.
    app.add_middleware(errors.ContainErrors)
    app.add_middleware(LoadShedder, max_in_flight=max_in_flight)
    app.add_middleware(BodyDeadline, timeout_s=body_timeout_s)
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    for module in (hall, tickets, counters, counter_views, visits, auth, reports, manage,
                   clock_api, device_reports, schema, dossiers, public, ws):
        app.include_router(module.router)
    pages.install(app)
    return app


def app_from_env() -> FastAPI:
    """For `uvicorn --factory server.app:app_from_env` (several worker processes)."""
    cfg = load_hall_config(Path(os.environ.get("LAYSO_CONFIG") or DEFAULT_CONFIG))
    db = os.environ.get("LAYSO_DB") or "sqlite:///var/layso.sqlite3"
    return create_app(cfg, db, scheduler=os.environ.get("LAYSO_SCHEDULER", "1") == "1")
