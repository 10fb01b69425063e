"""`layso kiosk --shots DIR` renders every screen (into a temp folder: nothing is committed),
and the command line refuses bad input with a message a technician can act on."""

from __future__ import annotations

import hashlib

import pytest
from PIL import Image

from kiosk.draw import HEADER
from layso.cli import main

SCREENS = ["01-start", "02-priority", "03-priority-services", "04-issuing",
           "05-ticket-printed", "06-ticket-on-screen", "07-printer-out-of-paper",
           "08-start-no-paper", "09-server-unreachable", "10-hall-closed",
           "11-result-collection", "12-refused", "13-busy", "14-start-english",
           "15-ticket-print-again", "16-printer-ready-print-again", "17-printing-again",
           "18-start-printer-fault"]


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1280, 800)])
def test_every_screen_renders(tmp_path, capsys, size):
    out = tmp_path / "shots"
    assert main(["kiosk", "--shots", str(out), "--size", f"{size[0]}x{size[1]}"]) == 0
    assert sorted(p.stem for p in out.glob("*.png")) == SCREENS
    assert len(capsys.readouterr().out.splitlines()) == len(SCREENS)
    digests = set()
    for name in SCREENS:
        image = Image.open(out / f"{name}.png").convert("RGB")
        assert image.size == size
        assert image.getpixel((size[0] // 2, 4)) == HEADER  # the hall's header band
        assert len(image.getcolors(maxcolors=1 << 20)) > 50  # text was drawn, not a blank
        digests.add(hashlib.sha256(image.tobytes()).hexdigest())
    assert len(digests) == len(SCREENS)


def test_english_and_vietnamese_start_screens_differ_only_in_words(tmp_path):
    main(["kiosk", "--shots", str(tmp_path)])
    vi = Image.open(tmp_path / "01-start.png").convert("RGB")
    en = Image.open(tmp_path / "14-start-english.png").convert("RGB")
    assert vi.size == en.size and vi.tobytes() != en.tobytes()


@pytest.mark.parametrize(("argv", "words"), [
    (["kiosk"], "missing --server, --token-file (or LAYSO_KIOSK_TOKEN), --printer"),
    (["kiosk", "--server", "10.0.0.2:8000", "--token", "t", "--printer", "tcp://p:9100"],
     "expected http://HOST:PORT"),
    (["kiosk", "--server", "http://10.0.0.2:8000", "--token", "t", "--printer", "/dev/ttyUSB0"],
     "serial:///dev/ttyUSB0"),
    (["kiosk", "--shots", "x", "--config", "/nonexistent/hall.toml"], "cannot read the file"),
])
def test_bad_command_lines_are_explained(argv, words, capsys, monkeypatch):
    monkeypatch.delenv("LAYSO_KIOSK_TOKEN", raising=False)
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_bad_size_is_explained(capsys):
    with pytest.raises(SystemExit):
        main(["kiosk", "--shots", "x", "--size", "big"])
    assert "expected WIDTHxHEIGHT" in capsys.readouterr().err
