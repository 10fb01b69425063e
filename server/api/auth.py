"""Sign in and out. An officer's token is bound to the counter given at login."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends, HTTPException, Request

from contracts.api import LoginIn, LoginOut, Role
from server import auth
from server.api.deps import get_hall, principal, read, write
from server.api.errors import responses
from server.hall import Hall
from server.queue.lookups import counter_cfg

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
HASHING_THREADS = 4


def _hashing(request: Request) -> anyio.CapacityLimiter:
    """At most HASHING_THREADS password checks at once, whatever the number of guessers."""
    state = request.app.state
    if getattr(state, "password_limiter", None) is None:
        state.password_limiter = anyio.CapacityLimiter(HASHING_THREADS)
    return state.password_limiter


@router.post("/login", response_model=LoginOut, responses=responses(401, 404, 409, 429))
async def login(body: LoginIn, request: Request, hall: Hall = Depends(get_hall)) -> LoginOut:
    client = request.client.host if request.client else "?"
    verdict = await request.app.state.login_limiter.hit(client)
    if not verdict.allowed:
        wait = verdict.retry_after
        raise HTTPException(429, f"Đăng nhập quá nhiều lần; thử lại sau {wait} giây. (Too many "
                            f"login attempts; try again in {wait} s.)",
                            headers={"Retry-After": str(wait)})

    def look_up(tx) -> auth.LoginCandidate | None:
        if body.counter is not None:
            counter_cfg(tx, body.counter)  # 404 for a counter the hall does not have
        return auth.find_login(tx.s, body.username)

    candidate = await read(hall, look_up)
    if candidate is not None:
        auth.check_lock(candidate.locked_until, hall.clock.now())
    # the slow Argon2 check (64 MiB each): in a few worker threads, outside any transaction
    ok = await anyio.to_thread.run_sync(auth.password_matches, candidate, body.password,
                                        limiter=_hashing(request))
    if candidate is None:
        raise auth.LoginFailed(auth.WRONG_LOGIN)

    def run(tx) -> LoginOut | auth.LoginFailed:
        label = counter_cfg(tx, body.counter).label if body.counter is not None else None
        try:
            user, token, tok = auth.finish_login(tx.s, candidate, ok, body.counter, tx.now,
                                                 label)
        except auth.LoginFailed as exc:
            return exc  # commit the failed-attempt count, then refuse
        return LoginOut(token=token, username=user.username, role=Role(user.role),
                        counter=tok.counter, expires_at=tok.expires_at)

    result = await write(hall, run)
    if isinstance(result, auth.LoginFailed):
        raise result
    return result


@router.post("/logout")
async def logout(hall: Hall = Depends(get_hall),
                 p: auth.Principal = Depends(principal)) -> dict:
    if p.token_id is not None:
        await write(hall, lambda tx: auth.logout(tx.s, p.token_id))
    return {"ok": True}


@router.get("/me")
async def me(p: auth.Principal = Depends(principal)) -> dict:
    return {"name": p.name, "role": p.role, "kind": p.kind, "counter": p.counter}
