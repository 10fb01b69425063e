"""Hundreds of hall boards for the call → board figure, in a process of their own.

With 500 boards as `websockets` clients in the process that also drives the officer, the
figure measured the load generator: the 500th board's arrival time held the parsing of the
499 frames before it, and the driver's own `next` request waited behind them. Here the boards
live in a separate process and are read with one `epoll` loop over plain sockets: a frame's
arrival is stamped when `recv` returns it, and all a board does with a frame is look for the
`called` event's visit id. Arrival stamps are `time.perf_counter()`, CLOCK_MONOTONIC on
Linux, so they compare with the driver's stamps across processes.

The WebSocket side is the least RFC 6455 a reader needs (the handshake, unmasked server
frames with 7/16/64-bit lengths, a masked pong for each ping, close): the `websockets`
library does all of it and more, at the cost this module exists to avoid.
"""

from __future__ import annotations

import base64
import contextlib
import multiprocessing as mp
import os
import re
import selectors
import socket
import struct
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from urllib.parse import urlsplit

CALLED = re.compile(rb'"type":\s*"called"')
VISIT_ID = re.compile(rb'"visit_id":\s*(\d+)')
TEXT, CLOSE, PING = 0x1, 0x8, 0x9


@dataclass
class Board:
    sock: socket.socket
    buf: bytearray = field(default_factory=bytearray)
    snapshot: bool = False  # the first message (the snapshot) has come


def _handshake(host: str, port: int, path: str) -> tuple[socket.socket, bytes]:
    """An open WebSocket and the bytes that came after the 101 (the snapshot may)."""
    sock = socket.create_connection((host, port), timeout=60)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the server closed the WebSocket handshake")
        head += chunk
    status = head.split(b"\r\n", 1)[0]
    if b" 101 " not in status + b" ":
        raise ConnectionError(f"WebSocket refused: {status.decode(errors='replace')}")
    sock.setblocking(False)
    return sock, head.split(b"\r\n\r\n", 1)[1]


def _frames(buf: bytearray):
    """(opcode, payload) of each whole frame at the front of `buf`, consuming them."""
    while len(buf) >= 2:
        opcode, n = buf[0] & 0x0F, buf[1] & 0x7F
        at = 2
        if n == 126:
            if len(buf) < 4:
                return
            n, at = struct.unpack_from("!H", buf, 2)[0], 4
        elif n == 127:
            if len(buf) < 10:
                return
            n, at = struct.unpack_from("!Q", buf, 2)[0], 10
        if len(buf) < at + n:
            return
        payload = bytes(buf[at:at + n])
        del buf[:at + n]
        yield opcode, payload


def _masked(opcode: int, payload: bytes) -> bytes:
    """A client frame (clients must mask; a zero mask keeps it cheap and valid)."""
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


def _consume(board: Board, stamp: float, arrivals: dict[int, list[float]], clients: int,
             conn: Connection) -> bool:
    """Handles the whole frames in the board's buffer; False once the server closed it."""
    for opcode, payload in _frames(board.buf):
        if opcode == PING:
            board.sock.sendall(_masked(0xA, payload))
        elif opcode == CLOSE:
            return False
        elif opcode == TEXT and not board.snapshot:
            board.snapshot = True
        elif opcode == TEXT and CALLED.search(payload):
            m = VISIT_ID.search(payload)
            if m:
                seen = arrivals.setdefault(int(m.group(1)), [])
                seen.append(stamp)
                if len(seen) == clients:
                    conn.send(("delivered", int(m.group(1))))
    return True


def _watch(ws_url: str, clients: int, conn: Connection) -> None:
    try:
        _watch_boards(ws_url, clients, conn)
    except Exception as exc:  # the driver is told, rather than waiting for a dead child
        conn.send(("error", f"the boards' process failed: {exc!r}"))


def _watch_boards(ws_url: str, clients: int, conn: Connection) -> None:
    parts = urlsplit(ws_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    sel = selectors.DefaultSelector()
    boards: list[Board] = []
    arrivals: dict[int, list[float]] = {}
    try:
        for _ in range(clients):
            sock, rest = _handshake(host, port, path)
            board = Board(sock, bytearray(rest))
            boards.append(board)
            sel.register(sock, selectors.EVENT_READ, board)
            _consume(board, time.perf_counter(), arrivals, clients, conn)
    except OSError as exc:
        conn.send(("error", f"{len(boards)} boards connected, then: {exc}"))
        return
    ready_sent = False
    while True:
        if not ready_sent and all(b.snapshot for b in boards):
            conn.send(("ready", clients))
            ready_sent = True
        if conn.poll() and conn.recv() == "stop":
            break
        for key, _ in sel.select(timeout=0.05):
            board = key.data
            try:
                data = board.sock.recv(1 << 16)
            except BlockingIOError:
                continue
            stamp = time.perf_counter()
            board.buf += data
            if not data or not _consume(board, stamp, arrivals, clients, conn):
                sel.unregister(board.sock)
    conn.send(("arrivals", arrivals))
    for b in boards:
        with contextlib.suppress(OSError):
            b.sock.sendall(_masked(CLOSE, struct.pack("!H", 1000)))
        b.sock.close()


class BoardCrowd:
    """`clients` boards watching the hall from a child process.

    Use: `crowd = BoardCrowd.start(ws_url, n)`; after each call, `crowd.wait_delivered(vid)`;
    at the end `crowd.stop()` returns {visit_id: [arrival stamps]}."""

    def __init__(self, proc: mp.Process, conn: Connection, clients: int) -> None:
        self.proc, self.conn, self.clients = proc, conn, clients
        self.delivered: set[int] = set()

    @classmethod
    def start(cls, ws_url: str, clients: int, timeout: float = 120) -> BoardCrowd:
        ctx = mp.get_context("spawn")  # no copy of the driver's event loop or sockets
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_watch, args=(ws_url, clients, child), daemon=True)
        proc.start()
        if not parent.poll(timeout):
            proc.kill()
            raise TimeoutError(f"{clients} boards did not connect within {timeout:.0f} s")
        kind, value = parent.recv()
        if kind != "ready":
            proc.join(5)
            raise ConnectionError(value)
        return cls(proc, parent, clients)

    def wait_delivered(self, visit_id: int, timeout: float = 10) -> bool:
        """Blocks until every board has the `called` event of `visit_id` (False on timeout)."""
        deadline = time.monotonic() + timeout
        while visit_id not in self.delivered:
            left = deadline - time.monotonic()
            if left <= 0 or not self.conn.poll(left):
                return False
            kind, value = self.conn.recv()
            if kind == "delivered":
                self.delivered.add(value)
        return True

    def stop(self) -> dict[int, list[float]]:
        self.conn.send("stop")
        while self.conn.poll(30):
            kind, value = self.conn.recv()
            if kind == "arrivals":
                self.proc.join(10)
                return value
        self.proc.kill()
        raise TimeoutError("the boards' process did not report its arrivals")


async def call_to_board(url: str, ws_url: str, display_token: str, kiosk_token: str,
                        officer_token: str, counter: int, clients: int, calls: int) -> dict:
    """`clients` boards (a BoardCrowd) watch while an officer calls `calls` tickets: for each
    call, the time from the `next` request's answer to the `called` event at every board,
    and from the request being sent (the event may overtake the answer)."""
    import asyncio

    import httpx

    from layso.bench.stats import summary_ms

    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        kh = {"Authorization": f"Bearer {kiosk_token}"}
        for _ in range(calls):
            (await client.post("/api/v1/tickets", json={"service": "HT"}, headers=kh)
             ).raise_for_status()
        crowd = await loop.run_in_executor(
            None, BoardCrowd.start, f"{ws_url}?token={display_token}", clients)
        oh = {"Authorization": f"Bearer {officer_token}"}
        sent: dict[int, tuple[float, float]] = {}
        try:
            for _ in range(calls):
                t_send = time.perf_counter()
                r = await client.post(f"/api/v1/counters/{counter}/next", headers=oh)
                t_answer = time.perf_counter()
                r.raise_for_status()
                vid = r.json()["visit_id"]
                sent[vid] = (t_send, t_answer)
                await loop.run_in_executor(None, crowd.wait_delivered, vid)
                (await client.post(f"/api/v1/counters/{counter}/finish", headers=oh)
                 ).raise_for_status()
        finally:
            arrivals = await loop.run_in_executor(None, crowd.stop)
    from_answer = [max(0.0, t - sent[v][1]) for v, ts in arrivals.items() if v in sent
                   for t in ts]
    from_send = [t - sent[v][0] for v, ts in arrivals.items() if v in sent for t in ts]
    return {"clients": clients, "calls": calls, "delivered": len(from_send),
            "expected": clients * calls, "boards": "lean, own process",
            "from_answer": summary_ms(from_answer), "from_request": summary_ms(from_send)}
