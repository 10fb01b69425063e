"""PCM audio as bytes: read and write WAV with the standard `wave` module, convert formats.

Announcements are chains of clips, and chaining needs every clip in one format. The shipped
pack is already uniform; a hall's own recordings (44.1 kHz stereo, 24-bit…) are converted once
at load, here, in plain Python (no numpy, no `audioop`, which Python 3.13 removed).
"""

from __future__ import annotations

import array
import io
import sys
import wave
from dataclasses import dataclass
from pathlib import Path


class AudioError(ValueError):
    """A file that is not usable audio; the message names the file and a fix."""


@dataclass(frozen=True)
class AudioFormat:
    rate: int
    channels: int = 1
    sample_width: int = 2  # bytes per sample

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.sample_width

    def describe(self) -> str:
        layout = {1: "mono", 2: "stereo"}.get(self.channels, f"{self.channels} channels")
        return f"{self.sample_width * 8}-bit {self.rate} Hz {layout}"


PACK_FORMAT = AudioFormat(rate=22050, channels=1, sample_width=2)
"""The shipped pack's format: espeak-ng's native rate, mono, 16-bit."""


@dataclass(frozen=True)
class Audio:
    """Interleaved little-endian PCM frames in `format`."""

    frames: bytes
    format: AudioFormat

    @property
    def n_frames(self) -> int:
        return len(self.frames) // self.format.frame_bytes

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.format.rate

    def to_wav_bytes(self) -> bytes:
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(self.format.channels)
            w.setsampwidth(self.format.sample_width)
            w.setframerate(self.format.rate)
            w.writeframes(self.frames)
        return buf.getvalue()

    def write(self, path: Path | str) -> None:
        Path(path).write_bytes(self.to_wav_bytes())


def silence(ms: int, fmt: AudioFormat) -> bytes:
    """`ms` milliseconds of digital silence (zero samples) in `fmt`."""
    n = round(fmt.rate * ms / 1000)
    return bytes(n * fmt.frame_bytes) if fmt.sample_width != 1 else b"\x80" * (n * fmt.channels)


def read_wav(path: Path | str) -> Audio:
    """A WAV file's PCM frames; `AudioError` with advice when `wave` cannot read it."""
    path = Path(path)
    try:
        with wave.open(str(path), "rb") as w:
            fmt = AudioFormat(w.getframerate(), w.getnchannels(), w.getsampwidth())
            frames = w.readframes(w.getnframes())
    except FileNotFoundError:
        raise AudioError(f"{path}: no such file") from None
    except (wave.Error, EOFError, OSError) as exc:
        raise AudioError(
            f"{path}: not a PCM WAV file ({exc}); save it as 16-bit PCM WAV, e.g. "
            f"`sox IN -b 16 -c 1 -r 22050 {path.name}`"
        ) from None
    if fmt.sample_width not in (1, 2, 3, 4):
        raise AudioError(f"{path}: {fmt.sample_width * 8}-bit samples are not supported")
    return Audio(frames, fmt)


def _to_int16(frames: bytes, width: int) -> array.array:
    """Samples as signed 16-bit values, whatever the width."""
    if width == 2:
        out = array.array("h", frames)
        if sys.byteorder == "big":
            out.byteswap()
        return out
    if width == 1:  # 8-bit WAV is unsigned
        return array.array("h", ((b - 128) << 8 for b in frames))
    if width == 3:
        return array.array("h", (
            int.from_bytes(frames[i:i + 3], "little", signed=True) >> 8
            for i in range(0, len(frames) - 2, 3)
        ))
    wide = array.array("i", frames)
    if sys.byteorder == "big":
        wide.byteswap()
    return array.array("h", (v >> 16 for v in wide))


def _mix(samples: array.array, channels: int, target: int) -> array.array:
    if channels == target:
        return samples
    if target == 1:
        return array.array("h", (
            sum(samples[i:i + channels]) // channels for i in range(0, len(samples), channels)
        ))
    if channels == 1:
        return array.array("h", (s for s in samples for _ in range(target)))
    raise AudioError(f"cannot turn {channels} channels into {target}")


def _resample(samples: array.array, channels: int, src: int, dst: int) -> array.array:
    """Linear interpolation; good enough for speech clips converted once at load."""
    if src == dst:
        return samples
    n_in = len(samples) // channels
    n_out = max(1, round(n_in * dst / src))
    out = array.array("h", bytes(2 * n_out * channels))
    step = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
    for i in range(n_out):
        pos = i * step
        j = int(pos)
        frac = pos - j
        k = min(j + 1, n_in - 1)
        for c in range(channels):
            a = samples[j * channels + c]
            b = samples[k * channels + c]
            out[i * channels + c] = int(a + (b - a) * frac)
    return out


def convert(audio: Audio, target: AudioFormat) -> Audio:
    """`audio` in `target` format (16-bit targets only: that is what packs use)."""
    if audio.format == target:
        return audio
    if target.sample_width != 2:
        raise AudioError("voice packs are 16-bit; set the pack's sample_width to 2")
    samples = _to_int16(audio.frames, audio.format.sample_width)
    samples = _mix(samples, audio.format.channels, target.channels)
    samples = _resample(samples, target.channels, audio.format.rate, target.rate)
    if sys.byteorder == "big":
        samples.byteswap()
    return Audio(samples.tobytes(), target)
