"""`layso display` as a process: the board and the audio-only voice follow a hall server on
loopback, speak its calls with the shipped pack, and stop cleanly on SIGTERM; bad flags get
messages a person can act on."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from display import cli as display_cli
from display.voice.announcer import Call, render_call
from display.voice.pack import VoicePack
from display.voice.speech import SpeechOptions

from .hall_server import TOKEN, HallServer

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0  # a bound for a broken test, never a measurement


def _layso(*args: str) -> subprocess.Popen:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    return subprocess.Popen([sys.executable, "-m", "layso", "display", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _until(check) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached")


@pytest.mark.parametrize("mode", [["--audio-only"], ["--layout", "portrait", "--english"]])
def test_the_board_process_speaks_each_call_and_stops_on_sigterm(tmp_path, hall_server: HallServer,
                                                                 mode) -> None:
    out = tmp_path / "said"
    proc = _layso("--server", hall_server.url, "--token", TOKEN, "--voice-out", str(out), *mode)
    try:
        _until(lambda: hall_server.connections >= 1)
        hall_server.call("1023", 5)
        _until(lambda: len(list(out.glob("*.wav"))) >= 1)
        hall_server.call("1023", 5, recall=True)  # after it was spoken: spoken again
        _until(lambda: len(list(out.glob("*.wav"))) >= 2)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, err
    options = SpeechOptions(languages=("vi", "en") if "--english" in mode else ("vi",))
    pack = VoicePack.load("vi-espeak")
    call = render_call(Call("1023", 5, "5A"), pack, options)
    recall = render_call(Call("1023", 5, "5A", recall=True), pack, options)  # "Mời lại …"
    said = sorted(out.glob("*.wav"))
    assert [p.name for p in said] == ["0001.wav", "0002.wav"]  # the call, then the recall
    assert said[0].read_bytes() == call.to_wav_bytes()
    assert said[1].read_bytes() == recall.to_wav_bytes() != call.to_wav_bytes()


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="layso display")
    display_cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_flags_are_checked_with_clear_messages(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.delenv("LAYSO_TOKEN", raising=False)
    for bad in (["--counters", "10-1"], ["--size", "big"], ["--services", ","],
                ["--rotate", "45"]):
        with pytest.raises(SystemExit):
            _parse(*bad)
        assert capsys.readouterr().err
    assert display_cli.run(_parse()) == 2
    assert "--token is required" in capsys.readouterr().err
    assert display_cli.run(_parse("--token", "t", "--server", "ftp://x")) == 2
    assert "not a server address" in capsys.readouterr().err
    args = _parse("--token", "t", "--voice", str(tmp_path))
    assert display_cli.run(args) == 1
    err = capsys.readouterr().err
    assert "not a voice pack folder" in err and "--voice off" in err
    args = _parse("--shots", str(tmp_path / "s"), "--config", str(tmp_path / "none.toml"))
    assert display_cli.run(args) == 1
    assert "cannot read the file" in capsys.readouterr().err
