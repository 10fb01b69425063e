"""The web pages the server hands out: `/panel`, `/rate/{counter}`, `/manage`, `/dat-lich`.

They are plain files in counter_panel/web (no build step); the server serves them by path
and never imports the app. They sign in themselves, so they load without a token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from server.docs_page import install_docs

WEB = Path(__file__).resolve().parent.parent / "counter_panel" / "web"


def install(app: FastAPI, web: Path = WEB) -> None:
    def page(name: str):
        async def serve() -> Response:
            path = web / name
            if not path.exists():
                return JSONResponse({"detail": f"Trang {name} chưa được cài đặt. (Page {name} "
                                     "is not installed.)", "error": "not_found"},
                                    status_code=404)
            return FileResponse(path, media_type="text/html; charset=utf-8")

        return serve

    app.add_api_route("/panel", page("panel.html"), include_in_schema=False)
    app.add_api_route("/rate/{counter}", page("rate.html"), include_in_schema=False)
    app.add_api_route("/manage", page("manage.html"), include_in_schema=False)
    # the citizen's page: a number from a phone (public, like /q/{id})
    app.add_api_route("/dat-lich", page("dat-lich.html"), include_in_schema=False)
    install_docs(app)
    if (web / "static").is_dir():
        app.mount("/static", StaticFiles(directory=web / "static"), name="static")
