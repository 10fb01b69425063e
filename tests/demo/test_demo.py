"""`layso demo` as a newcomer runs it (headless here): the whole hall comes up, a day runs,
screenshots appear, and it stops cleanly."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return {**env, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}


def test_demo_runs_a_day_and_stops(tmp_path):
    folder = tmp_path / "demo"
    r = subprocess.run([sys.executable, "-m", "layso", "demo", "--port", "0", "--speed", "fast",
                        "--citizens", "20", "--exit-when-done", "--folder", str(folder)],
                       cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    out = r.stdout
    assert "/panel" in out and "/manage" in out and "/rate/1?token=" in out
    assert "canbo1" in out and "quanly" in out
    assert "The simulated day is over: " in out and "Stopped." in out
    assert "Ngày mô phỏng đã kết thúc: " in out
    summary = re.search(r"(\d+) citizens expected from 07:30 to closing; (\d+) arrived: "
                        r"(\d+) served, (\d+) not served by closing", out)
    assert summary, out[-2000:]
    expected, arrived, served, _ = (int(x) for x in summary.groups())
    assert 0 < served <= arrived <= expected <= 20
    assert (folder / "hall.sqlite3").exists()
    assert (folder / "shots" / "board.png").stat().st_size > 10_000
    # the banner promises receipts: every ticket the simulated kiosks took is printed
    assert f"receipts in {folder / 'receipts'}" in out
    # every ticket a kiosk took is printed; the three taken from phones (/dat-lich) are not
    assert "/dat-lich   took " in out, out[-2000:]
    assert _count(folder, "SELECT count(*) FROM remote_ticket") == 3
    issued = _count(folder, "SELECT count(*) FROM ticket WHERE id NOT IN "
                    "(SELECT ticket_id FROM remote_ticket)")
    pngs = sorted((folder / "receipts").glob("receipt-*.png"))
    assert issued >= arrived > 0 and len(pngs) == issued, (issued, len(pngs))
    assert f"Receipts: {issued} printed" in out
    first = (folder / "receipts" / "receipt-0001.txt").read_text(encoding="utf-8")
    assert first.startswith("[raster")  # the kiosk's raster ticket, as the real one prints


def _count(folder: Path, sql: str, *params: object) -> int:
    with contextlib.closing(sqlite3.connect(folder / "hall.sqlite3")) as db:
        return int(db.execute(sql, params).fetchone()[0])


def test_demo_stops_cleanly_on_ctrl_c(tmp_path):
    folder = tmp_path / "demo"
    proc = subprocess.Popen([sys.executable, "-m", "layso", "demo", "--port", "0", "--speed",
                             "5", "--citizens", "50", "--folder", str(folder)], cwd=ROOT,
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 90
    for line in proc.stdout:
        lines.append(line)
        if "Ctrl+C stops everything" in line or time.monotonic() > deadline:
            break
    time.sleep(2)
    looked_up = _look_up_the_banners_dossier(lines)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + rest
    assert "was stopped" in rest and "Stopped." in rest
    # the demo hall is pointed at the simulated e-system the banner names
    assert looked_up["ready"] is True and looked_up["status"] == "ready", looked_up


def _look_up_the_banners_dossier(lines: list[str]) -> dict:
    import httpx

    text = "".join(lines)
    m = re.search(r"  e-system +(http://\S+) .*try (http://\S+)/api/v1/dossiers/(\S+) ", text)
    assert m, text[-2000:]
    server = re.search(r"  server +(http://\S+)", text).group(1)
    assert m.group(2) == server
    r = httpx.post(f"{server}/api/v1/auth/login", json={"username": "quanly",
                                                         "password": "layso-demo"}, timeout=30)
    r.raise_for_status()
    r = httpx.get(f"{server}/api/v1/dossiers/{m.group(3)}", timeout=30,
                  headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert r.status_code == 200, r.text
    return r.json()


class _Lines:
    """The demo's output, read on a thread, so a test can wait for a line with a deadline."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in:\n{''.join(self.seen)[-3000:]}")


def _until(check, what: str, timeout: float = 120.0) -> None:
    """Poll a condition of the hall's database (the demo runs on), with a generous deadline."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_person_who_signs_in_takes_the_counter_from_its_simulated_officer(tmp_path):
    """Sign in at counter 1 on a running demo: its simulated officer stops calling there
    (nothing appears on the person's panel without a press) while the others go on; after
    the person signs out it works counter 1 again."""
    import httpx

    folder = tmp_path / "demo"
    proc = subprocess.Popen([sys.executable, "-m", "layso", "demo", "--port", "0", "--speed",
                             "60", "--start", "22:00", "--citizens", "2400", "--no-apps",
                             "--folder", str(folder)], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _Lines(proc)
        url = lines.wait_for("  server ").split()[1]
        lines.wait_for("Ctrl+C stops everything")
        visits = "SELECT count(*) FROM visit WHERE counter = ?"
        others = "SELECT count(*) FROM visit WHERE counter IN (2, 3, 4) AND service IN ('HT', 'CT')"
        with httpx.Client(base_url=url, timeout=60) as http:
            r = http.post("/api/v1/auth/login", json={"username": "canbo1",
                                                      "password": "layso-demo", "counter": 1})
            assert r.status_code == 200, r.text
            token = r.json()["token"]
            lines.wait_for("Counter 1: canbo1 took it over")
            held = _count(folder, visits, 1)
            base = _count(folder, others)
            # the day goes on: the counters sharing counter 1's services call eight times
            _until(lambda: _count(folder, others) >= base + 8, "calls at counters 2-4")
            assert _count(folder, visits, 1) == held, "the simulated officer called at counter 1"
            r = http.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 200, r.text
            lines.wait_for("Counter 1: the person signed out")
            _until(lambda: _count(folder, visits, 1) > held, "a call at counter 1 again")
        proc.send_signal(signal.SIGINT)
        lines.wait_for("Stopped.")
        assert proc.wait(timeout=60) == 0
        assert any("was stopped" in line for line in lines.seen)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
