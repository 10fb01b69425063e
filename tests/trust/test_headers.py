"""Security headers and CORS on what the server serves (the pages, the API, the docs), and
no token in what it writes to its log.

The pages and the API share one origin, so the server allows no cross-origin reads at all:
no `Access-Control-Allow-Origin` on any answer, for any Origin, preflight included.
"""

from __future__ import annotations

import logging

import httpx
import pytest
import websockets.sync.client as wsc
from websockets.exceptions import InvalidStatus

from tests.support.live import PASSWORD, LiveServer

EVIL = "https://evil.example"
ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
PAGES = ["/panel", "/rate/1", "/manage", "/static/panel.js", "/q/1", "/q/999999", "/dat-lich",
         "/static/dat-lich.js"]
API = ["/healthz", "/api/v1/hall", "/api/v1/services", "/api/v1/auth/me", "/api/v1/nowhere"]
DOCS = ["/docs", "/redoc", "/openapi.json"]


def _csp(headers: httpx.Headers) -> dict[str, list[str]]:
    out = {}
    for part in headers["content-security-policy"].split(";"):
        name, *values = part.split()
        out[name] = values
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path_factory.mktemp('h') / 'h.sqlite3'}")
    live.board = live.device_token("board-1", "display")
    kiosk = live.client(live.device_token("kiosk-1"))
    kiosk.post("/api/v1/tickets", json={"service": "HT"}).raise_for_status()
    yield live
    live.stop()


@pytest.mark.parametrize("path", PAGES + API + DOCS)
def test_every_answer_has_the_security_headers(server, path):
    for token in (None, server.board):
        h = {"Origin": EVIL, **({"Authorization": f"Bearer {token}"} if token else {})}
        r = httpx.get(server.url + path, headers=h)
        for name, value in ALWAYS.items():
            assert r.headers.get(name) == value, (path, name, r.status_code)
        assert "camera=()" in r.headers["permissions-policy"]
        assert "access-control-allow-origin" not in r.headers, path
        assert "access-control-allow-credentials" not in r.headers, path
        csp = _csp(r.headers)
        assert csp["frame-ancestors"] == ["'none'"]
        # /docs too: Swagger UI is served from here (no CDN) and started by a file, not inline
        assert csp["default-src"] == ["'self'"] and csp["script-src"] == ["'self'"], path
        if path.startswith("/api/"):
            assert r.headers["cache-control"] == "no-store", path


def test_pages_are_html_with_a_strict_policy(server):
    for path in ("/panel", "/rate/1", "/manage"):
        r = httpx.get(server.url + path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        csp = _csp(r.headers)
        assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in \
            " ".join(v for vs in csp.values() for v in vs)
        assert set(csp["connect-src"]) <= {"'self'", "ws:", "wss:"}


def test_no_cors_preflight_is_granted(server):
    for path in ("/api/v1/tickets", "/api/v1/auth/login", "/api/v1/counters/1/next"):
        r = httpx.options(server.url + path, headers={
            "Origin": EVIL, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert r.status_code in (404, 405), (path, r.status_code)
        assert not any(k.startswith("access-control-") for k in r.headers), dict(r.headers)


def test_login_answers_are_never_cached(server):
    server.add_user("lan", "officer")
    r = httpx.post(f"{server.url}/api/v1/auth/login",
                   json={"username": "lan", "password": PASSWORD, "counter": 1})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_log_never_holds_a_token(server):
    """uvicorn logs every WebSocket with its query string, where the token travels."""
    logger = logging.getLogger("uvicorn.error")
    keep, level = _Keep(), logger.level
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    try:
        with wsc.connect(f"{server.ws_url}?token={server.board}", open_timeout=5) as ws:
            ws.recv(timeout=5)
        # a wrong token is logged as refused, and redacted too
        with pytest.raises(InvalidStatus), wsc.connect(
                f"{server.ws_url}?token=doan-bua-123", open_timeout=5):
            pass
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    ws_lines = [line for line in keep.lines if "WebSocket /ws/hall" in line]
    assert len(ws_lines) >= 2, keep.lines
    assert all("token=[redacted]" in line for line in ws_lines), ws_lines
    text = "\n".join(keep.lines)
    assert server.board not in text and "doan-bua-123" not in text


@pytest.mark.parametrize("key", ["%74oken", "t%6Fken", "%74%6F%6B%65%6E", "tok%65n"])
def test_an_encoded_token_key_authenticates_and_is_redacted_too(server, key):
    """The server decodes query keys (`%74oken` is `token`), so the log must as well."""
    logger = logging.getLogger("uvicorn.error")
    keep, level = _Keep(), logger.level
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    try:
        with wsc.connect(f"{server.ws_url}?{key}={server.board}", open_timeout=5) as ws:
            assert '"snapshot"' in ws.recv(timeout=5)  # it did authenticate
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
    ws_lines = [line for line in keep.lines if "WebSocket /ws/hall" in line]
    assert ws_lines, keep.lines
    assert all(f"{key}=[redacted]" in line for line in ws_lines), ws_lines
    assert server.board not in "\n".join(keep.lines)


def test_the_access_log_redacts_every_spelling_of_the_token_key(server):
    """With `--access-log` every request's query is logged: a page opened with
    `?TOKEN=…` or `?a=1&t%6Fken=…` keeps its token out of it too."""
    logger = logging.getLogger("uvicorn.access")
    keep, level, disabled = _Keep(), logger.level, logger.disabled
    logger.addHandler(keep)
    logger.setLevel(logging.INFO)
    logger.disabled = False
    queries = ["token=s3cret-1", "TOKEN=s3cret-2", "a=1&t%6Fken=s3cret-3&b=2",
               "Tok%65N=s3cret-4"]
    try:
        for q in queries:  # real requests, logged by uvicorn's access log
            assert httpx.get(f"{server.url}/rate/1?{q}").status_code == 200
    finally:
        logger.removeHandler(keep)
        logger.setLevel(level)
        logger.disabled = disabled
    assert len([line for line in keep.lines if "/rate/1?" in line]) == len(queries), keep.lines
    assert "s3cret" not in "\n".join(keep.lines), keep.lines
    assert any("a=1&t%6Fken=[redacted]&b=2" in line for line in keep.lines), keep.lines
