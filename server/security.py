"""Security headers on every answer, a strict policy for the pages the server serves, and no
token in the server's logs."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
     b"script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'"),
]
_DOCS_PREFIXES = ("/docs", "/redoc", "/openapi.json")
# /docs is Swagger UI from this server (server/docs_page.py): no CDN, no inline script. Its
# React code sets inline styles, hence 'unsafe-inline' for styles only.
_DOCS_CSP = (b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
             b"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'")
# Answers of the API carry tokens (login) and live state: no browser or proxy may keep them.
_NO_STORE = (b"cache-control", b"no-store")


_TOKEN = re.compile(r"(token=)[^&\s\"']+", re.IGNORECASE)
_QUERY = re.compile(r"\?([^\s\"']+)")
SERVER_LOGGERS = ("uvicorn.error", "uvicorn.access")
REDACTED = "[redacted]"


def _is_token_key(raw: str) -> bool:
    """Whether a query key names the token once decoded as the server decodes it (Starlette's
    `parse_qsl`: percent escapes and `+`): `%74oken`, `t%6Fken`… are `token` too. Any case:
    redacting a `TOKEN=` the server would ignore costs nothing."""
    return unquote_plus(raw).strip().lower() == "token"


def _redact_query(match: re.Match[str]) -> str:
    parts = []
    for part in match.group(1).split("&"):
        key, eq, _ = part.partition("=")
        parts.append(f"{key}={REDACTED}" if eq and _is_token_key(key) else part)
    return "?" + "&".join(parts)


def redact(text: str) -> str:
    """`text` with the value of every query parameter the server reads as a token, and of any
    bare `token=`, replaced by [redacted]."""
    if "?" in text:
        text = _QUERY.sub(_redact_query, text)
    if "=" in text:
        text = _TOKEN.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactTokens(logging.Filter):
    """uvicorn logs each WebSocket's path with its query (and, with `--access-log`, each
    request's), and `/ws/hall?token=…` carries the caller's token: replace it before the line
    reaches a log file or the journal, whatever spelling of the key the server accepted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "=" in record.msg:
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple) and any(
                isinstance(a, str) and "=" in a for a in record.args):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_tokens_in_logs() -> None:
    """Attach `RedactTokens` to uvicorn's loggers (once)."""
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


class SecurityHeaders:
    """Pure ASGI middleware (cheap: no request body buffering, works for WebSockets)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        redact_tokens_in_logs()  # built once per app, before it serves anything

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        docs = path.startswith(_DOCS_PREFIXES)
        extra = [_NO_STORE] if path.startswith("/api/") else []

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, v in [*_HEADERS, *extra]:
                    if k == b"content-security-policy" and docs:
                        v = _DOCS_CSP
                    if k not in present:
                        headers.append((k, v))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
