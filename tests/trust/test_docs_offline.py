"""`/docs` on a closed network: with every request that leaves this machine refused, the
Swagger UI still loads and lists the API's operations, and the page names only local URLs."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.live import LiveServer

LOCAL = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path_factory.mktemp('d') / 'd.sqlite3'}")
    yield live
    live.stop()


def test_docs_page_names_only_local_urls(server):
    page = httpx.get(server.url + "/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    urls = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "<script>" not in page.text  # no inline script: the CSP allows none
    for url in urls:
        assert httpx.get(server.url + url).status_code == 200, url
    assert httpx.get(server.url + "/redoc").headers["location"] == "/docs"


def test_swagger_ui_lists_the_operations_with_the_internet_cut_off(server, browser):
    outside: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    def only_local(route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOCAL or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    try:
        page.route("**/*", only_local)
        page.goto(server.url + "/docs")
        page.locator(".opblock-summary-path", has_text="/api/v1/tickets").first.wait_for()
        assert page.locator(".opblock").count() > 20
        assert page.locator(".information-container .title").inner_text().startswith(
            "Layso queue server")
        shots = os.environ.get("LAYSO_SCREENSHOTS")
        if shots:
            page.screenshot(path=str(Path(shots) / "hD-docs-offline.png"))
    finally:
        context.close()
    assert outside == [], outside
    assert problems == [], problems  # no CSP refusal, no script error
