"""Counter actions: next, call a number, recall, start, skip, finish, transfer, pause, resume."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Body, Depends, Response
from pydantic import BaseModel

from contracts.api import (
    CallNumberIn,
    CounterOut,
    FinishIn,
    FinishOut,
    PauseIn,
    ReleaseOut,
    TransferIn,
    VisitOut,
)
from server import auth
from server.api.audience import counters_for, visit_for
from server.api.deps import at_counter, get_hall, principal, read, require, write
from server.api.errors import responses
from server.auth import Principal
from server.db.database import sql_only
from server.hall import Hall
from server.queue import counters as ct
from server.queue.context import Tx
from server.queue.lookups import counter_cfg, counter_in
from server.queue.views import counter_out, current_visit_out, visit_out
from server.queue.views import counters as counters_view

router = APIRouter(prefix="/api/v1/counters", tags=["counters"])
# Only the officer or call keypad of the counter (403); refused in the wrong state (409).
ACTION_ERRORS = responses(403, 409)


async def _act(hall: Hall, p: Principal, number: int, fn: Callable[[Tx], object]):
    counter_in(hall.cfg, number)  # 404 before 403 for a bad number (the file: no thread hop)
    at_counter(p, number)
    # Every counter action changes rows only through `Sql` (server/queue/counters.py).
    return await write(hall, sql_only(fn))


@router.get("", response_model=list[CounterOut])
async def list_counters(hall: Hall = Depends(get_hall),
                        p: Principal = Depends(principal)) -> list[CounterOut]:
    return counters_for(p, await read(hall, counters_view))


@router.get("/{number}/current", response_model=VisitOut,
            responses={204: {"description": "nothing at the counter"}})
async def current(number: int, hall: Hall = Depends(get_hall),
                  p: Principal = Depends(principal)) -> VisitOut | Response:
    def q(tx):
        counter_cfg(tx, number)
        return current_visit_out(tx, number)

    v = await read(hall, q)
    return visit_for(p, v) if v is not None else Response(status_code=204)


def _answer(model: BaseModel) -> Response:
    """The answer serialised once: FastAPI would validate a returned model again (the
    decorator's `response_model` still documents it)."""
    return Response(model.__pydantic_serializer__.to_json(model), media_type="application/json")


def _visit_answer(res: tuple) -> Response:
    return _answer(visit_out(*res))


@router.post("/{number}/next", response_model=VisitOut,
             responses={204: {"description": "nobody is waiting"}, **ACTION_ERRORS})
async def next_(number: int, hall: Hall = Depends(get_hall),
                p: Principal = Depends(principal)) -> Response:
    res = await _act(hall, p, number, lambda tx: ct.next_ticket(tx, number, p.user_id))
    if res is None:
        return Response(status_code=204)
    return _visit_answer(res)


@router.post("/{number}/call", response_model=VisitOut, responses=ACTION_ERRORS)
async def call(number: int, body: CallNumberIn, hall: Hall = Depends(get_hall),
               p: Principal = Depends(principal)) -> Response:
    return _visit_answer(await _act(
        hall, p, number,
        lambda tx: ct.call_number(tx, number, body.number, p.user_id, body.confirm)))


@router.post("/{number}/recall", response_model=VisitOut, responses=ACTION_ERRORS)
async def recall(number: int, hall: Hall = Depends(get_hall),
                 p: Principal = Depends(principal)) -> Response:
    return _visit_answer(await _act(hall, p, number, lambda tx: ct.recall(tx, number)))


@router.post("/{number}/start", response_model=VisitOut, responses=ACTION_ERRORS)
async def start(number: int, hall: Hall = Depends(get_hall),
                p: Principal = Depends(principal)) -> Response:
    return _visit_answer(await _act(hall, p, number, lambda tx: ct.start(tx, number)))


@router.post("/{number}/skip", response_model=VisitOut, responses=ACTION_ERRORS)
async def skip(number: int, hall: Hall = Depends(get_hall),
               p: Principal = Depends(principal)) -> Response:
    return _visit_answer(await _act(hall, p, number, lambda tx: ct.skip(tx, number)))


@router.post("/{number}/finish", response_model=FinishOut, responses=ACTION_ERRORS)
async def finish(number: int, body: FinishIn = Body(default_factory=FinishIn),
                 hall: Hall = Depends(get_hall), p: Principal = Depends(principal)) -> Response:
    v, t = await _act(hall, p, number, lambda tx: ct.finish(
        tx, number, body.dossier_code, body.outcome, body.due_date))
    return _answer(FinishOut(visit_id=v.id, ticket=ct.brief(t), dossier_code=v.dossier_code,
                             outcome=v.outcome, rating_open_until=v.rating_until))


@router.post("/{number}/transfer", response_model=VisitOut, responses=ACTION_ERRORS)
async def transfer(number: int, body: TransferIn, hall: Hall = Depends(get_hall),
                   p: Principal = Depends(principal)) -> Response:
    return _visit_answer(await _act(hall, p, number, lambda tx: ct.transfer(
        tx, number, body.service, body.counter, body.reason)))


@router.post("/{number}/pause", response_model=CounterOut, responses=ACTION_ERRORS)
async def pause(number: int, body: PauseIn = Body(default_factory=PauseIn),
                hall: Hall = Depends(get_hall), p: Principal = Depends(principal)) -> Response:
    def run(tx: Tx) -> CounterOut:
        ct.pause(tx, number, body.reason)
        return counter_out(tx, number)  # as the pause left it, in the same transaction

    return _answer(await _act(hall, p, number, run))


@router.post("/{number}/resume", response_model=CounterOut, responses=ACTION_ERRORS)
async def resume(number: int, hall: Hall = Depends(get_hall),
                 p: Principal = Depends(principal)) -> Response:
    def run(tx: Tx) -> CounterOut:
        ct.resume(tx, number)
        return counter_out(tx, number)

    return _answer(await _act(hall, p, number, run))


@router.post("/{number}/release", response_model=ReleaseOut, responses=responses(403, 404))
async def release(number: int, hall: Hall = Depends(get_hall),
                  _: Principal = Depends(require("manager", "admin"))) -> ReleaseOut:
    """Sign out whoever holds the counter: for an officer who closed the tab or went home
    without signing out (the session would hold the counter for its 12 hours). The panel of
    that session gets 401 on its next action and its WebSocket closes (4401)."""
    def run(tx: Tx) -> ReleaseOut:
        cfg = counter_cfg(tx, number)
        officer, sessions = auth.release_counter(tx.s, number)
        return ReleaseOut(counter=number, label=cfg.label, officer=officer, sessions=sessions)

    return await write(hall, run)
