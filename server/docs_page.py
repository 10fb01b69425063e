"""`/docs`: the API's Swagger UI, served from this server alone.

Halls run on closed government networks, where FastAPI's default page (Swagger UI from a CDN)
is blank. The assets come from the `swagger-ui-bundle-v2` package (Swagger UI 5, which reads
the OpenAPI 3.1 that FastAPI writes) and are mounted under `/docs/assets`; the start-up script
is a file of its own, so the page needs no inline script. ReDoc has no offline package:
`/redoc` sends the reader to `/docs`.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

log = logging.getLogger(__name__)
ASSETS = "/docs/assets"

_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API</title></head><body>
<p>Swagger UI is not installed on this server (<code>make setup</code> installs the
<code>swagger-ui-bundle-v2</code> package). The API's description is at
<a href="/openapi.json">/openapi.json</a>.</p></body></html>
"""

_INIT_JS = """\
// Starts Swagger UI on the schema named by the page (no inline script: see the CSP).
window.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapi,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
  });
});
"""


def _page(title: str, openapi_url: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{escape(title)}</title>
<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{escape(openapi_url)}"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""


def install_docs(app: FastAPI) -> None:
    """Add `/docs`, its assets and start-up script, and `/redoc` (a redirect to `/docs`).

    The app must be built with `docs_url=None, redoc_url=None` (FastAPI's CDN pages)."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # an old environment: say so on the page instead of failing to start
        log.warning("swagger-ui-bundle-v2 is not installed: /docs shows only a pointer to "
                    "/openapi.json (run `make setup`)")
        swagger_ui_path = None
    html = (_page(f"{app.title} — API", app.openapi_url or "/openapi.json")
            if swagger_ui_path is not None else _MISSING)

    async def docs() -> Response:
        return HTMLResponse(html)

    async def init() -> Response:
        return Response(_INIT_JS, media_type="text/javascript; charset=utf-8")

    async def redoc() -> Response:
        return RedirectResponse("/docs", status_code=307)

    app.add_api_route("/docs", docs, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/docs/init.js", init, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_api_route("/redoc", redoc, methods=["GET", "HEAD"], include_in_schema=False)
    if swagger_ui_path is not None:
        app.mount(ASSETS, StaticFiles(directory=Path(str(swagger_ui_path))),
                  name="docs-assets")
