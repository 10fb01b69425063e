"""Any ASGI app under uvicorn on a free loopback port, in a thread: the scripted servers of
the kiosk's link tests (a real socket, a script instead of the queue)."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from layso.servers import free_port


class AppServer:
    """Serves `app` from `start()` (or `with`) until `stop()`; a scripted server subclasses
    it and passes the app it built; `force_exit` ends open WebSockets at once
    instead of waiting for them; a fixed `port` lets a test restart a server in place."""

    def __init__(self, app: Any, *, port: int | None = None, force_exit: bool = False,
                 log_level: str = "error", **uvicorn_kw: Any) -> None:
        self.port = port or free_port()
        self.force_exit = force_exit
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level=log_level, lifespan="on",
                                                    timeout_graceful_shutdown=1,
                                                    **uvicorn_kw))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 10) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self, timeout: float = 5) -> None:
        self.server.should_exit = True
        self.server.force_exit = self.force_exit
        self.thread.join(timeout=timeout)
