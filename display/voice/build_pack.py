"""Build the shipped voice pack offline with espeak-ng (`make voices`).

Every clip of the catalogue is synthesised on its own from words, never from digits (espeak-ng
reads "15" as "mười năm"), trimmed of the engine's leading and trailing silence so that chained
words sound like one sentence, peak-normalised, and written as 16-bit mono WAV at espeak-ng's
native 22 050 Hz (no resampling). The chime is synthesised here with the `wave` module.

    python -m display.voice.build_pack [--out DIR] [--voice vi] [--speed 150]
"""

from __future__ import annotations

import argparse
import array
import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from display.voice.audio import PACK_FORMAT, Audio, AudioFormat, read_wav
from display.voice.pack import DEFAULT_PACK, MANIFEST, PACKS_DIR, FormatModel
from display.voice.vocabulary import CATALOGUE, CHIME, ClipSpec

TRIM_THRESHOLD = 400  # of 32767: about -38 dBFS, below espeak-ng's quietest consonants
LEAD_MS = 8  # keep this much before the first loud sample (soft onsets: "h", "s")
TAIL_MS = 25  # and after the last one (releases)
PEAK = 0.80  # normalise every clip's peak to this fraction of full scale


class BuildError(RuntimeError):
    """The pack cannot be built here; the message says what to install or fix."""


def _samples(audio: Audio) -> array.array:
    out = array.array("h", audio.frames)
    if sys.byteorder == "big":
        out.byteswap()
    return out


def _frames(samples: array.array) -> bytes:
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def trim_and_normalise(audio: Audio) -> Audio:
    """Cut leading and trailing silence, scale the peak to `PEAK`; mono 16-bit only."""
    if audio.format.channels != 1 or audio.format.sample_width != 2:
        raise BuildError(f"expected mono 16-bit audio, got {audio.format.describe()}")
    s = _samples(audio)
    loud = [i for i, v in enumerate(s) if abs(v) > TRIM_THRESHOLD]
    if not loud:
        raise BuildError("the engine produced silence")
    rate = audio.format.rate
    start = max(0, loud[0] - rate * LEAD_MS // 1000)
    end = min(len(s), loud[-1] + 1 + rate * TAIL_MS // 1000)
    s = s[start:end]
    peak = max(abs(v) for v in s)
    gain = PEAK * 32767 / peak
    s = array.array("h", (max(-32767, min(32767, round(v * gain))) for v in s))
    # a clip starts and ends on a non-zero sample, so its boundaries are visible in a chain
    first = next(i for i, v in enumerate(s) if v)
    last = len(s) - next(i for i, v in enumerate(reversed(s)) if v)
    return Audio(_frames(s[first:last]), audio.format)


def chime(fmt: AudioFormat = PACK_FORMAT) -> Audio:
    """A two-note "ding-dong" (E5 then C5), bell-like: a few decaying partials per note."""
    rate = fmt.rate
    total = int(rate * 1.35)
    out = [0.0] * total
    for freq, start_s in ((659.25, 0.0), (523.25, 0.42)):
        start = int(start_s * rate)
        for i in range(total - start):
            t = i / rate
            attack = min(1.0, t / 0.006)
            value = sum(amp * math.sin(2 * math.pi * freq * mult * t) * math.exp(-t * decay)
                        for mult, amp, decay in ((1, 1.0, 3.2), (2, 0.35, 5.0), (3, 0.12, 8.0)))
            out[start + i] += attack * value
    peak = max(abs(v) for v in out)
    samples = array.array("h", (round(v / peak * 0.7 * 32767) for v in out))
    first = next(i for i, v in enumerate(samples) if v)
    last = len(samples) - next(i for i, v in enumerate(reversed(samples)) if v)
    return Audio(_frames(samples[first:last]), fmt)


def espeak_binary() -> str:
    for name in ("espeak-ng", "espeak"):
        path = shutil.which(name)
        if path:
            return path
    raise BuildError("espeak-ng is not installed: run `scripts/system-deps.sh espeak-ng` "
                     "(as root) or `apt-get install espeak-ng`")


def espeak_version(binary: str) -> str:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.split("Data at")[0].strip() or "espeak-ng"


def synthesise(binary: str, text: str, voice: str, speed: int, workdir: Path) -> Audio:
    """One clip from espeak-ng, written to a file (its --stdout WAV header has no length)."""
    target = workdir / "clip.wav"
    cmd = [binary, "-v", voice, "-s", str(speed), "-w", str(target), text]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BuildError(f"espeak-ng failed on {text!r} with voice {voice}: "
                         f"{done.stderr.strip() or done.returncode}")
    if not target.is_file():
        raise BuildError(f"espeak-ng wrote no audio for {text!r} with voice {voice}")
    audio = read_wav(target)
    target.unlink()
    return audio


def build(out: Path, *, vi_voice: str = "vi", en_voice: str = "en", speed: int = 150,
          log=print) -> dict:
    """Write every catalogue clip and the manifest to `out`; returns the manifest."""
    binary = espeak_binary()
    version = espeak_version(binary)
    out.mkdir(parents=True, exist_ok=True)
    clips: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in CATALOGUE.values():
            audio = chime() if spec.id == CHIME else _speak(binary, spec, vi_voice, en_voice,
                                                            speed, Path(tmp))
            if audio.format != PACK_FORMAT:
                raise BuildError(f"espeak-ng wrote {audio.format.describe()}, expected "
                                 f"{PACK_FORMAT.describe()}")
            path = out / spec.file
            path.parent.mkdir(parents=True, exist_ok=True)
            audio.write(path)
            clips[spec.id] = {"file": spec.file, "text": spec.text, "language": spec.language,
                              "format": FormatModel.of(audio.format).model_dump()}
    manifest = {
        "name": out.name,
        "description": f"Generated offline by display/voice/build_pack.py with {version}, "
                       f"voices {vi_voice} and {en_voice}, speed {speed} words a minute.",
        "format": FormatModel.of(PACK_FORMAT).model_dump(),
        "clips": dict(sorted(clips.items())),
    }
    (out / MANIFEST).write_text(manifest_json(manifest), encoding="utf-8")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"wrote {len(clips)} clips to {out} ({size / 1024:.0f} KiB with the manifest)")
    return manifest


def manifest_json(manifest: dict) -> str:
    """The manifest with one line per clip: readable, and a rebuild diffs line by line."""
    def one(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    head = {k: v for k, v in manifest.items() if k != "clips"}
    lines = ["{"] + [f" {one(k)}: {one(v)}," for k, v in head.items()] + [' "clips": {']
    items = list(manifest["clips"].items())
    for i, (clip_id, entry) in enumerate(items):
        lines.append(f"  {one(clip_id)}: {one(entry)}{',' if i < len(items) - 1 else ''}")
    return "\n".join(lines + [" }", "}"]) + "\n"


def _speak(binary: str, spec: ClipSpec, vi_voice: str, en_voice: str, speed: int,
           tmp: Path) -> Audio:
    voice = vi_voice if spec.language == "vi" else en_voice
    return trim_and_normalise(synthesise(binary, spec.text, voice, speed, tmp))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m display.voice.build_pack",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=PACKS_DIR / DEFAULT_PACK,
                        help="pack folder to (re)write (default: the shipped pack)")
    parser.add_argument("--voice", default="vi",
                        help="espeak-ng Vietnamese voice: vi, vi-vn-x-central, vi-vn-x-south")
    parser.add_argument("--en-voice", default="en", help="espeak-ng English voice")
    parser.add_argument("--speed", type=int, default=150, help="words a minute (default 150)")
    args = parser.parse_args(argv)
    try:
        build(args.out, vi_voice=args.voice, en_voice=args.en_voice, speed=args.speed)
    except BuildError as exc:
        print(f"build_pack: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
