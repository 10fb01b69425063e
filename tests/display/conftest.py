"""Fixtures of the board and voice tests: headless pygame, a synthetic voice pack whose clips
are easy to find in a chain, and a small WebSocket server speaking the hall contract."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from display.voice.audio import Audio, AudioFormat  # noqa: E402
from display.voice.pack import MANIFEST  # noqa: E402
from display.voice.vocabulary import CATALOGUE  # noqa: E402
from tests.display.hall_server import HallServer  # noqa: E402

SYNTH_FORMAT = AudioFormat(rate=8000, channels=1, sample_width=2)


def synth_clip(index: int, frames: int = 40) -> Audio:
    """A clip no other clip equals: a ramp whose level encodes `index`, never zero."""
    base = 1000 + 37 * index
    samples = [base + (k % 11) for k in range(frames + index % 5)]
    data = b"".join(v.to_bytes(2, "little", signed=True) for v in samples)
    return Audio(data, SYNTH_FORMAT)


def write_synth_pack(folder: Path, *, skip: tuple[str, ...] = ()) -> Path:
    """A complete pack (every catalogue clip) of short synthetic clips, minus `skip`."""
    folder.mkdir(parents=True, exist_ok=True)
    clips = {}
    for i, spec in enumerate(sorted(CATALOGUE.values(), key=lambda s: s.id)):
        if spec.id in skip:
            continue
        path = folder / spec.file
        path.parent.mkdir(parents=True, exist_ok=True)
        synth_clip(i).write(path)
        clips[spec.id] = {"file": spec.file, "text": spec.text, "language": spec.language}
    manifest = {"name": folder.name, "format": {"rate": SYNTH_FORMAT.rate, "channels": 1,
                                                "sample_width": 2}, "clips": clips}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture
def synth_pack(tmp_path) -> Path:
    return write_synth_pack(tmp_path / "synth")


@pytest.fixture
def hall_server():
    server = HallServer().start()
    try:
        yield server
    finally:
        server.stop()
