"""Chain a call script's clips and pauses into one piece of audio (the `wave` way: raw frames
of one format, back to back, with digital silence between)."""

from __future__ import annotations

from dataclasses import dataclass

from display.voice.audio import Audio, silence
from display.voice.pack import VoicePack
from display.voice.speech import Clip, Pause, Step


@dataclass(frozen=True)
class Segment:
    """Where one step landed in the result, in frames (`clip` is None for a pause)."""

    clip: str | None
    start: int
    frames: int


def compose(steps: list[Step], pack: VoicePack) -> tuple[Audio, list[Segment]]:
    """The audio of `steps` and the frame span of each, for tests and for the technician."""
    fmt = pack.format
    parts: list[bytes] = []
    segments: list[Segment] = []
    position = 0
    for step in steps:
        if isinstance(step, Clip):
            data, clip_id = pack.audio(step.id).frames, step.id
        elif isinstance(step, Pause):
            data, clip_id = silence(step.ms, fmt), None
        else:  # pragma: no cover - Step is a closed union
            raise TypeError(f"not a script step: {step!r}")
        n = len(data) // fmt.frame_bytes
        parts.append(data)
        segments.append(Segment(clip_id, position, n))
        position += n
    return Audio(b"".join(parts), fmt), segments
