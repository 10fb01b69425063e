"""A real HTTP server that takes the webhook contract of DESIGN.md ("Citizens before the
hall"): `POST /` JSON `{to, text, kind}`, `Authorization: Bearer {token}` when set. It records
every request (`requests`), delivers each `Idempotency-Key` once (`delivered`), and can be told
to fail: answer a status (`fail_with(503)`), or hold requests unanswered (`hang()`), until
`heal()`.

    layso sim notify --port 8025 [--token T]   # prints `url: http://127.0.0.1:8025/`
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_CODE = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Received:
    to: str
    text: str
    kind: str
    key: str | None
    authorization: str | None

    @property
    def code(self) -> str | None:
        """The 6-digit code in an OTP's text."""
        m = _CODE.search(self.text)
        return m.group(1) if m else None


class WebhookSim:
    def __init__(self, port: int = 0, token: str | None = None) -> None:
        self.token = token
        self.requests: list[Received] = []  # every request that got through auth, in order
        self.delivered: list[Received] = []  # one per idempotency key, as a phone would see
        self._keys: set[str] = set()
        self._status: int | None = None
        self._hang = threading.Event()
        self._release = threading.Event()
        self._cond = threading.Condition()
        sim = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's spelling
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                auth = self.headers.get("Authorization")
                if sim.token and auth != f"Bearer {sim.token}":
                    return self._answer(401, {"error": "unauthorized"})
                if sim._hang.is_set():
                    sim._release.wait(30)
                    return self._answer(504, {"error": "hung"})
                try:
                    data = json.loads(body)
                    msg = Received(str(data["to"]), str(data["text"]), str(data["kind"]),
                                   self.headers.get("Idempotency-Key"), auth)
                except (ValueError, KeyError, TypeError):
                    return self._answer(400, {"error": "bad body"})
                status = sim._status
                with sim._cond:
                    sim.requests.append(msg)
                    if status is None and (msg.key is None or msg.key not in sim._keys):
                        if msg.key:
                            sim._keys.add(msg.key)
                        sim.delivered.append(msg)
                    sim._cond.notify_all()
                self._answer(status or 200, {"ok": status is None})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="webhook-sim")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def start(self) -> WebhookSim:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.heal()
        self._server.shutdown()
        self._server.server_close()

    def fail_with(self, status: int) -> None:
        self._status = status

    def hang(self) -> None:
        self._release.clear()
        self._hang.set()

    def heal(self) -> None:
        self._status = None
        self._hang.clear()
        self._release.set()

    def wait_for(self, n: int, timeout: float = 30.0, *, delivered: bool = True) -> list[Received]:
        """Block until `n` messages were delivered (or requests made); all of them."""
        with self._cond:
            got = self._cond.wait_for(
                lambda: len(self.delivered if delivered else self.requests) >= n, timeout)
            seen = list(self.delivered if delivered else self.requests)
        if not got:
            raise TimeoutError(f"{len(seen)} of {n} messages after {timeout} s: {seen}")
        return seen


    def next_code(self, to: str, after: int, timeout: float = 30.0) -> Received:
        """The first OTP message to `to` delivered after the first `after` messages."""
        def found() -> Received | None:
            return next((m for m in self.delivered[after:] if m.kind == "otp" and m.to == to),
                        None)

        with self._cond:
            if not self._cond.wait_for(lambda: found() is not None, timeout):
                raise TimeoutError(f"no code to {to} after {timeout} s: {self.delivered}")
            return found()


def main(port: int, token: str | None) -> int:
    sim = WebhookSim(port, token).start()
    print(f"url: {sim.url}", flush=True)
    seen = 0
    try:
        while True:
            sim.wait_for(seen + 1, timeout=3600, delivered=False)
            for m in sim.requests[seen:]:
                print(f"{m.kind}\t{m.to}\t{m.text}", flush=True)
            seen = len(sim.requests)
    except (KeyboardInterrupt, TimeoutError):
        return 0
    finally:
        sim.stop()
