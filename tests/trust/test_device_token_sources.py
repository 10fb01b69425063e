"""The board and the kiosk take their device token from an environment variable or a file,
so that `ps` does not show it to every user of the machine; `--token` still works and warns.
The demo starts them that way: no child's command line carries a token."""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from common.device_token import write_token_file
from display import cli as display_cli
from layso.cli import main

ROOT = Path(__file__).resolve().parents[2]
SECRET = "tok-Zq81-secret"


def _kiosk(*extra: str) -> int:
    """The kiosk CLI up to its first check after the token: a printer address it refuses."""
    return main(["kiosk", "--server", "http://10.0.0.2:8000", "--printer", "/dev/ttyUSB0",
                 *extra])


def _board(*extra: str) -> int:
    """The board CLI up to its first check after the token: a server address it refuses."""
    parser = argparse.ArgumentParser(prog="layso display")
    display_cli.add_arguments(parser)
    return display_cli.run(parser.parse_args(["--server", "ftp://x", *extra]))


RUNS = {"kiosk": (_kiosk, "LAYSO_KIOSK_TOKEN", "serial:///dev/ttyUSB0"),
        "board": (_board, "LAYSO_TOKEN", "not a server address")}


@pytest.fixture(autouse=True)
def _no_token_env(monkeypatch):
    for name in ("LAYSO_KIOSK_TOKEN", "LAYSO_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("app", RUNS)
def test_the_token_comes_from_the_environment_without_a_warning(app, capsys, monkeypatch):
    run, env, past_the_token = RUNS[app]
    monkeypatch.setenv(env, SECRET)
    assert run() == 2
    err = capsys.readouterr().err
    assert past_the_token in err and "warning" not in err and "required" not in err, err


@pytest.mark.parametrize("app", RUNS)
def test_the_token_comes_from_a_file(app, tmp_path, capsys):
    run, _, past_the_token = RUNS[app]
    path = write_token_file(tmp_path / "device.token", SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert run("--token-file", str(path)) == 2
    err = capsys.readouterr().err
    assert past_the_token in err and "warning" not in err, err
    path.chmod(0o644)  # readable by others: it works, and says so
    assert run("--token-file", str(path)) == 2
    assert "readable by other users" in capsys.readouterr().err


@pytest.mark.parametrize("app", RUNS)
def test_a_missing_or_empty_token_file_is_explained(app, tmp_path, capsys):
    run, _, _ = RUNS[app]
    assert run("--token-file", str(tmp_path / "none")) == 2
    assert "cannot read the token file" in capsys.readouterr().err
    (tmp_path / "empty").write_text("\n")
    assert run("--token-file", str(tmp_path / "empty")) == 2
    assert "is empty" in capsys.readouterr().err


@pytest.mark.parametrize("app", RUNS)
def test_the_token_flag_still_works_and_warns(app, capsys):
    run, env, past_the_token = RUNS[app]
    assert run("--token", SECRET) == 2
    err = capsys.readouterr().err
    assert past_the_token in err
    assert "warning: --token shows the device token" in err and env in err, err
    assert SECRET not in err


def _children(pid: int) -> dict[int, str]:
    """The command lines of `pid`'s child processes, from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                raw = (entry / "cmdline").read_bytes()
                out[int(entry.name)] = raw.replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    return out


def test_the_demo_starts_the_board_and_kiosk_without_a_token_on_their_command_line(tmp_path):
    folder = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    proc = subprocess.Popen([sys.executable, "-m", "layso", "demo", "--port", "0", "--speed",
                             "5", "--citizens", "50", "--folder", str(folder)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl+C stops everything" in line:
                break
        else:
            pytest.fail("".join(lines))
        deadline = time.monotonic() + 60
        while True:  # both apps are started right after the banner
            apps = {p: c for p, c in _children(proc.pid).items()
                    if " display " in c or " kiosk " in c}
            if len(apps) >= 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert len(apps) == 2, (apps, "".join(lines))
        for cmdline in apps.values():
            assert "--token " not in cmdline, cmdline
        tokens = [f.read_text().strip() for f in (folder / "tokens").iterdir()]
        assert len(tokens) == 2 and all(tokens)
        for f in (folder / "tokens").iterdir():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        for cmdline in apps.values():
            assert "--token-file" in cmdline, cmdline
            assert not any(t in cmdline for t in tokens), cmdline
    finally:
        proc.send_signal(2)
        proc.communicate(timeout=60)
