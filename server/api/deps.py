"""Request dependencies: the hall, the caller, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, HTTPException, Path, Request

from server.auth import Principal, TokenResolver
from server.engine.words import ROLE_VI
from server.hall import Hall
from server.queue.context import Tx

R = TypeVar("R")

MAX_ID = 2**31 - 1
"""The largest row id a database INTEGER holds (PostgreSQL int4): a bigger one in a path is
refused as 422 before it reaches the database, whose driver would fail on it."""
RowId = Annotated[int, Path(ge=1, le=MAX_ID, description="a row id")]

_UNAUTH = ("Cần đăng nhập trước. (Sign in first: send "
           "Authorization: Bearer TOKEN.)")


async def get_hall(request: Request) -> Hall:
    # async: FastAPI runs a plain `def` dependency in a worker thread (a hop per request)
    return request.app.state.hall


async def write(hall: Hall, fn: Callable[[Tx], R]) -> R:
    return await hall.write_async(fn)


async def read(hall: Hall, fn: Callable[[Tx], R]) -> R:
    return await anyio.to_thread.run_sync(hall.read, fn)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def token_resolver(hall: Hall) -> TokenResolver:
    """The hall's resolver (made on first use; closed with the database)."""
    r = hall.db.token_resolver
    if not isinstance(r, TokenResolver):
        r = TokenResolver(hall.db.url, is_sqlite=hall.db.is_sqlite)
        hall.db.token_resolver = r
        hall.db.on_dispose.append(r.close)
    return r


async def principal_for(hall: Hall, token: str | None) -> Principal | None:
    """Who sends `token`: on SQLite read on the event loop (one indexed lookup, always
    fresh); on PostgreSQL from a cache of at most a second, else in a worker thread."""
    if not token:
        return None
    r = token_resolver(hall)
    now = hall.clock.now()
    if r.inline:
        return r.lookup_inline(token, now)
    p = r.cached(token, now)
    if p is not None:
        return p
    return await anyio.to_thread.run_sync(
        lambda: hall.db.read(lambda s: r.lookup_session(s, token, hall.clock.now())))


async def principal(request: Request, hall: Hall = Depends(get_hall)) -> Principal:
    p = await principal_for(hall, bearer(request))
    if p is None:
        raise HTTPException(401, _UNAUTH, headers={"WWW-Authenticate": "Bearer"})
    return p


def require(*roles: str) -> Callable[..., Principal]:
    async def check(p: Principal = Depends(principal)) -> Principal:
        if p.role not in roles:
            raise HTTPException(403, f"Vai trò {ROLE_VI.get(p.role, p.role)} không được làm "
                                f"việc này. (A {p.role} "
                                f"may not do this; allowed: {', '.join(roles)}.)")
        return p

    check.roles = roles  # type: ignore[attr-defined]  # read by errors.document_errors (403)
    return check


def at_counter(p: Principal, number: int) -> None:
    """Officers and call keypads act only on their own counter. A rating device never does:
    it faces the citizen (a tablet on the desk), so its token must not call or finish."""
    if p.role in ("officer", "keypad") and p.counter == number:
        return
    if p.role == "officer" and p.counter is None:
        raise HTTPException(403, "Hãy đăng nhập vào một quầy. (Log in to a counter first.)")
    raise HTTPException(403, f"Chỉ cán bộ của quầy {number} được thao tác. (Only the officer "
                        f"of counter {number} may do this.)")
