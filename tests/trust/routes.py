"""The app's routes, listed from the app itself (so a route added anywhere is seen here)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from starlette.routing import Mount, WebSocketRoute

from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server.app import create_app


def _flat(routes: list[Any]) -> Iterator[Any]:
    try:  # FastAPI ≥ 0.16x keeps included routers as branches
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: app.routes is already flat
        yield from routes
        return
    yield from iter_route_contexts(routes)


def route_keys(app: FastAPI) -> set[tuple[str, str]]:
    """(METHOD, path) for every HTTP route, ("WS", path) for WebSockets, ("GET", path) for
    a mounted static folder."""
    keys: set[tuple[str, str]] = set()
    for route in _flat(app.routes):
        original = getattr(route, "original_route", route)
        path = getattr(route, "path_format", None) or route.path
        if isinstance(original, Mount):
            keys.add(("GET", original.path + "/{path}"))
        elif isinstance(original, WebSocketRoute) or getattr(route, "methods", None) is None:
            keys.add(("WS", path))
        else:
            keys |= {(m, path) for m in route.methods}
    return keys


def with_app(fn):
    """Call `fn(app)` on a throw-away app of the demo hall (nothing started, no socket)."""
    folder = tempfile.mkdtemp(prefix="layso-routes-")
    app = create_app(load_hall_config(DEFAULT_CONFIG), f"sqlite:///{folder}/h.sqlite3",
                     scheduler=False, devices=False)
    try:
        return fn(app)
    finally:
        app.state.hall.db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def schema_operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the OpenAPI schema."""
    return with_app(lambda app: sorted((m.upper(), p) for p, ops in app.openapi()["paths"].items()
                                       for m in ops))


def all_routes() -> list[tuple[str, str]]:
    return with_app(lambda app: sorted(route_keys(app)))
