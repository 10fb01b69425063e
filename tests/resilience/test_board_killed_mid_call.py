"""Kill a real `layso display` board with SIGKILL in the middle of an announcement, several
times, make a call while it is down, and start it again: by itself it comes back to the true
state from the server's snapshot (its next screenshot shows, pixel for pixel, the call made
while it was dead), it says none of the old calls again, and it speaks the next new call.

Everything is real: `layso serve` as its own process, the board as its own process on the
dummy video and audio drivers (which play in real time: a call takes about 7 s to say, so a
kill lands mid-sentence), its screen saved by `--live-shots`, calls made through the API.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pygame

from display.model import BoardState, connection, fold
from display.render import Renderer
from tests.resilience.app_process import AppProcess
from tests.support.live import LiveServer
from tests.support.wait import until

SIZE = (960, 540)
QUIET_S = 2.5  # how long a restarted board is watched for a repeated old call


class BoardProcess(AppProcess):
    """`layso display` as its own process, headless, its screen in `shots/board.png`."""

    def __init__(self, server: str, token: str, shots: Path, log: Path) -> None:
        super().__init__(["display", "--server", server, "--size", f"{SIZE[0]}x{SIZE[1]}",
                          "--live-shots", str(shots), "-v"], log, {"LAYSO_TOKEN": token})
        self.png = shots / "board.png"

    def spoken(self) -> list[str]:
        """The numbers this run of the board started to say, in order."""
        return [line.split("speaking ", 1)[1].split(" ", 1)[0]
                for line in self.text().splitlines() if "speaking " in line]

    def wait_snapshot(self) -> str:
        line = until(lambda: self.proc.poll() is not None or next(
            (ln for ln in self.text().splitlines() if "snapshot at seq" in ln), None),
            "the board has the hall's snapshot")
        assert self.proc.poll() is None, f"the board died:\n{self.text()}"
        return line


class Calls:
    """A kiosk and the officers of counters 1–3 (all serve HT), through the API."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.kiosk = server.client(server.device_token("kiosk-1"))
        self.officers = {n: server.client(server.login(f"officer{n}", counter=n))
                         for n in (1, 2, 3)}

    def call(self, counter: int) -> str:
        self.kiosk.post("/api/v1/tickets", json={"service": "HT"}).raise_for_status()
        officer = self.officers[counter]
        answer = officer.post(f"/api/v1/counters/{counter}/next")
        if answer.status_code == 409:  # still calling its last citizen: finish that one
            officer.post(f"/api/v1/counters/{counter}/finish", json={}).raise_for_status()
            answer = officer.post(f"/api/v1/counters/{counter}/next")
        answer.raise_for_status()
        return answer.json()["ticket"]["number"]

    def close(self) -> None:
        for c in (self.kiosk, *self.officers.values()):
            c.close()


def true_board(server: LiveServer) -> tuple[Renderer, BoardState]:
    """The board as it should be now: the server's own snapshot, folded and drawn here."""
    snapshot = httpx.get(f"{server.url}/api/v1/hall", timeout=10, headers={
        "Authorization": f"Bearer {server.device_token('hall-tv', 'display')}"}).json()
    state = fold(connection(BoardState(), True, 0.0), snapshot, 0.0).state
    renderer = Renderer(SIZE)
    renderer.draw(pygame.Surface(SIZE), state, 0.0, datetime.now(UTC))
    return renderer, state


def shows(png: Path, renderer: Renderer) -> bool:
    """The screenshot has the latest call's number exactly where, and as, the true board
    draws it (pixel for pixel)."""
    if not png.exists():
        return False
    try:
        image = pygame.image.load(str(png))
    except pygame.error:
        return False
    spot = renderer.hotspots["latest_number"]
    expected = pygame.Surface(spot.rect.size)
    expected.fill(spot.bg)
    expected.blit(renderer.type.render(spot.text, spot.weight, spot.size, spot.fg), (0, 0))
    return (image.get_size() == SIZE and pygame.image.tobytes(image.subsurface(spot.rect), "RGB")
            == pygame.image.tobytes(expected, "RGB"))


def test_a_board_killed_mid_call_comes_back_to_the_true_state(tmp_path):
    pygame.font.init()
    rnd = random.Random(4)
    kills = 3
    server = LiveServer.spawn(f"sqlite:///{tmp_path / 'hall.sqlite3'}")
    token = server.device_token("hall-tv", "display")
    calls = Calls(server)
    shots, log = tmp_path / "shots", tmp_path / "board.log"
    board: BoardProcess | None = None
    latest: str | None = None
    mid_call = 0
    try:
        for life in range(kills + 1):
            board = BoardProcess(server.url, token, shots, log)
            line = board.wait_snapshot()
            if latest is not None:  # the call made while the board was dead
                assert f"latest call {latest} " in line, line
                renderer, state = true_board(server)
                assert state.latest is not None and state.latest.number == latest
                until(lambda r=renderer, b=board: shows(b.png, r),
                      f"the screenshot shows {latest}, the call made while the board was down")
                time.sleep(QUIET_S)
                assert board.spoken() == [], "a restarted board said an old call again"
            if life == kills:
                break
            number = calls.call(rnd.choice((1, 2, 3)))
            until(lambda b=board, n=number: n in b.spoken(), f"the board says {number}")
            time.sleep(rnd.uniform(0.3, 4.0))  # a call takes about 7 s to say
            assert board.spoken()[-1] == number
            board.kill()
            mid_call += 1
            latest = calls.call(rnd.choice((1, 2, 3)))
            board.png.unlink(missing_ok=True)  # the next screenshot is the new board's

        # the restarted board speaks and shows the next new call
        number = calls.call(1)
        until(lambda: board.spoken() == [number], f"the restarted board says {number}")
        renderer, _ = true_board(server)
        until(lambda: shows(board.png, renderer), f"the screenshot shows {number}")
        assert board.stop() == 0
        assert "Traceback" not in log.read_text(encoding="utf-8", errors="replace")
    finally:
        if board is not None and board.proc.poll() is None:
            board.kill()
        calls.close()
        server.stop()
    assert mid_call == kills
    print(f"board: {kills} kills mid-announcement, each time back to the true latest call, "
          "no old call said again")

