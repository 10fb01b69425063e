"""The counter's web pages: the officer's call panel (`/panel`) and the citizen's rating
tablet (`/rate/{counter}`), plain HTML, CSS and JavaScript in `web/` that the server hands out
(see server/pages.py). Nothing here imports the server: the pages talk to it over HTTP and the
hall WebSocket only."""

from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"
