"""`layso demo` as a newcomer runs it (headless here): the whole hall comes up, a day runs,
screenshots appear, and it stops cleanly."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
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
    issued = _count(folder, "SELECT count(*) FROM ticket")
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
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + rest
    assert "was stopped" in rest and "Stopped." in rest
