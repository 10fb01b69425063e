"""Every error is JSON with a message a person can act on; malformed input is 422, never 500.

The OpenAPI schema says so too: `install` declares, for every operation, the error answers it
can give (`ErrorOut`), so clients and the schema fuzz test see every status a route returns.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.api import ErrorOut
from server.db.faults import LogThrottle, StoreUnavailable, classify
from server.engine.errors import EngineError

log = logging.getLogger("layso.api")
# An error that repeats on every request (a bug on a hot path) is logged with its traceback
# once a minute, with a count, not once per request.
_throttle = LogThrottle(log)

_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 413: "too_large",
                 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
                 503: "unavailable"}


_MEANING = {
    401: "no valid token: missing, unknown, expired or revoked (send Authorization: Bearer "
         "TOKEN)",
    403: "this token's role or counter may not do this",
    404: "no such counter, ticket, visit, service or dossier",
    409: "refused by the queue's rules in the current state (the detail says why)",
    422: "the request is malformed or a value is out of range (the detail names it)",
    429: "too many requests from this kiosk or address, or the account is locked for a "
         "while; see Retry-After",
    503: "the server is shedding load (too many requests in flight), or the database is "
         "unavailable for a moment or its disk is full (`error`: overloaded, db_unavailable, "
         "db_commit_unknown, disk_full), or the one-stop e-system did not answer usefully within "
         "3 s (esystem_unavailable); retry after Retry-After",
}


# Starlette's own answers (no route, wrong method, …) carry only the English phrase of the
# status; they get a Vietnamese sentence first, as every other message has (docs/glossary.md).
_PHRASE_VI = {400: "Yêu cầu không hợp lệ.", 401: "Cần đăng nhập trước.",
              403: "Không được phép làm việc này.", 404: "Không có địa chỉ này.",
              405: "Địa chỉ này không nhận phương thức này.",
              413: "Nội dung yêu cầu quá lớn.", 415: "Kiểu nội dung không được hỗ trợ.",
              429: "Quá nhiều yêu cầu; vui lòng thử lại sau.",
              503: "Máy chủ tạm thời không phục vụ được; vui lòng thử lại sau."}


def bilingual_detail(status: int, detail: str) -> str:
    """`detail` as "Vietnamese. (English.)": a bare English status phrase gets its Vietnamese
    sentence; a detail that already has one is left as it is."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return detail
    if detail == phrase and status in _PHRASE_VI:
        return f"{_PHRASE_VI[status]} ({phrase}.)"
    return detail


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route decorator: the error statuses it returns besides the ones
    `install` finds by itself (401/403 from its role check, 404 from its path, 422)."""
    return {code: {"model": ErrorOut, "description": _MEANING.get(code, "error")}
            for code in codes}


def error_body(detail: str, code: str, **extra: object) -> dict:
    return {"detail": detail, "error": code, **{k: v for k, v in extra.items() if v is not None}}


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _readable(err: dict) -> str:
    where = _where(tuple(err.get("loc", ())))
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    elif err.get("type") == "json_invalid":
        return "the body is not valid JSON"
    elif err.get("type") == "missing":
        msg = "is required"
    return f"{where}: {msg}"


def _readable_vi(err: dict) -> str:
    """The Vietnamese part names the field (in backticks: a code, not a word) and what is
    wrong in Vietnamese; pydantic's own words (English) go only in the English part, so no
    sentence mixes the two languages."""
    where = _where(tuple(err.get("loc", ())))
    kind = err.get("type")
    if kind == "json_invalid":
        return "nội dung gửi lên không phải JSON hợp lệ"
    if kind == "extra_forbidden":
        return f"không có trường `{where}`"
    if kind == "missing":
        return f"thiếu trường `{where}`"
    return f"trường `{where}` có giá trị không hợp lệ"


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _has_params(dependant: Any) -> tuple[bool, bool]:
    """(has path parameters, has any input) over the whole dependency tree."""
    path = bool(dependant.path_params)
    anything = bool(dependant.path_params or dependant.query_params or dependant.body_params
                    or dependant.header_params or dependant.cookie_params)
    for dep in dependant.dependencies:
        p, a = _has_params(dep)
        path, anything = path or p, anything or a
    return path, anything


def _error_response(code: int) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    return {"description": _MEANING.get(code, "error"),
            "content": {"application/json": {"schema": ref}}}


def document_errors(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Declare in `schema` (in place; safe to repeat) the error answers of every operation:
    401 and a bearer security requirement where a token is needed, 403 where a role is
    checked, 404 where the path names a thing, and 422 as `ErrorOut` (not FastAPI's default
    shape, which this server never sends)."""
    from fastapi.routing import APIRoute, iter_route_contexts

    from server.api.deps import principal
    from server.overload import PRIORITY_PREFIXES

    components = schema.setdefault("components", {})
    components.setdefault("schemas", {}).setdefault(
        "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}"))
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer",
        "description": "a device token (`layso device add`) or a user's login token"}
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        calls = list(_calls(ctx.dependant))
        needs_token = principal in calls
        role_check = any(getattr(c, "roles", None) for c in calls)
        has_path, has_input = _has_params(ctx.dependant)
        for method in ctx.methods or ():
            op = schema.get("paths", {}).get(ctx.path_format, {}).get(method.lower())
            if op is None:
                continue
            answers = op.setdefault("responses", {})
            if needs_token:
                op["security"] = [{"bearer": []}]
                answers.setdefault("401", _error_response(401))
            if role_check:
                answers.setdefault("403", _error_response(403))
            if has_path:
                answers.setdefault("404", _error_response(404))
            if has_input or "422" in answers:
                answers["422"] = _error_response(422)
            if not ctx.path_format.startswith(PRIORITY_PREFIXES):  # see server/overload.py
                answers.setdefault("503", _error_response(503))
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema.get("paths", {})):
        components["schemas"].pop("HTTPValidationError", None)
        components["schemas"].pop("ValidationError", None)
    return schema


def install(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return document_errors(app, generate())

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(EngineError)
    async def _engine(_: Request, exc: EngineError) -> JSONResponse:
        extra = {k: v for k, v in exc.context.items() if isinstance(v, str | int | None)}
        wait = exc.context.get("retry_after")
        headers = {"Retry-After": str(wait)} if isinstance(wait, int) else None
        return JSONResponse(error_body(exc.message, exc.code, **extra), status_code=exc.status,
                            headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        detail = "; ".join(_readable(e) for e in errs[:5]) or "invalid request"
        detail_vi = "; ".join(_readable_vi(e) for e in errs[:5]) or "yêu cầu không hợp lệ"
        clean = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                  "type": str(e.get("type", ""))} for e in errs[:20]]
        message = f"Dữ liệu không hợp lệ: {detail_vi}. (Invalid request: {detail}.)"
        return JSONResponse(error_body(message, "invalid", errors=clean), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.__cause__ is not None:
            # FastAPI's "There was an error parsing the body" (e.g. bytes that are not UTF-8):
            # malformed input, so 422 like any other, with words a person can act on.
            return JSONResponse(error_body("Dữ liệu không hợp lệ: nội dung không phải JSON "
                                           "UTF-8. (Invalid request: the body is not UTF-8 "
                                           "JSON.)", "invalid"), status_code=422)
        code = _STATUS_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        detail = bilingual_detail(exc.status_code, detail)
        return JSONResponse(error_body(detail, code), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(StoreUnavailable)
    async def _store(_: Request, exc: StoreUnavailable) -> JSONResponse:
        return store_response(exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only for errors outside `ContainErrors` (in the outer middleware): Starlette
        # re-raises after this answer, and uvicorn then closes the connection.
        return unexpected_response(request.scope, exc)


def store_response(exc: StoreUnavailable) -> JSONResponse:
    """503 naming the cause (disk full, database unreachable) and when to try again."""
    return JSONResponse(error_body(exc.message, exc.code), status_code=503,
                        headers={"Retry-After": str(exc.retry_after)})


def unexpected_response(scope: Scope, exc: Exception) -> JSONResponse:
    """The answer to an error nobody handled: a database fault that escaped the read and write
    paths is still a 503 naming it; anything else is a 500, logged (throttled)."""
    kind = classify(exc)
    if kind is not None:
        return store_response(StoreUnavailable(kind))
    method, path = scope.get("method", "?"), scope.get("path", "?")
    _throttle.log(f"{type(exc).__name__} {method} {path}", logging.ERROR,
                  "unexpected error on %s %s", method, path, exc_info=exc)
    return JSONResponse(error_body("Lỗi máy chủ; đã ghi nhật ký. (Server error; it has "
                                   "been logged.)", "server_error"), status_code=500)


class ContainErrors:
    """The innermost middleware: an error no handler took is answered here (500, or 503 for a
    database fault) and goes no further. Starlette's handler for `Exception` answers and then
    re-raises, so that the server may log it; uvicorn logs it and closes the connection, and
    the client's next request, already sent on that keep-alive connection, was reset."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            if started:  # half an answer is out: only closing the connection can tell
                raise
            await unexpected_response(scope, exc)(scope, receive, send)
