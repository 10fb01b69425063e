"""The pack builder: trimming and normalising, the synthesised chime, and (with espeak-ng
installed) a full rebuild that matches the shipped pack."""

from __future__ import annotations

import array
import json
import shutil

import pytest

from display.voice import build_pack
from display.voice.audio import PACK_FORMAT, Audio
from display.voice.pack import MANIFEST, PACKS_DIR, VoicePack
from display.voice.vocabulary import CATALOGUE


def _audio(samples: list[int]) -> Audio:
    return Audio(array.array("h", samples).tobytes(), PACK_FORMAT)


def test_trim_cuts_silence_keeps_a_short_lead_and_normalises() -> None:
    rate = PACK_FORMAT.rate
    quiet = [0] * rate  # a second of silence each side
    voice = [5000 if i % 2 else -5000 for i in range(rate // 10)]
    out = build_pack.trim_and_normalise(_audio(quiet + [30, -20] * 50 + voice + quiet))
    samples = array.array("h", out.frames)
    lead = rate * build_pack.LEAD_MS // 1000
    assert len(samples) <= len(voice) + lead + rate * build_pack.TAIL_MS // 1000 + 1
    assert max(abs(v) for v in samples) == round(build_pack.PEAK * 32767)
    assert samples[0] != 0 and samples[-1] != 0


def test_trim_refuses_silence() -> None:
    with pytest.raises(build_pack.BuildError, match="silence"):
        build_pack.trim_and_normalise(_audio([0] * 1000))


def test_the_chime_is_two_notes_in_the_pack_format() -> None:
    chime = build_pack.chime()
    assert chime.format == PACK_FORMAT
    assert 1.0 < chime.duration_s < 1.5
    samples = array.array("h", chime.frames)
    assert max(abs(v) for v in samples) <= 0.7 * 32767 + 1
    rate = PACK_FORMAT.rate
    # the second note starts at 0.42 s: energy jumps up there after the first note's decay
    def energy(start: float) -> float:
        chunk = samples[int(start * rate):int((start + 0.05) * rate)]
        return sum(v * v for v in chunk) / len(chunk)
    assert energy(0.43) > 2 * energy(0.36)


@pytest.mark.skipif(shutil.which("espeak-ng") is None,
                    reason="espeak-ng is not installed (scripts/system-deps.sh espeak-ng)")
@pytest.mark.parametrize("clip_id", ["vi.word.lam", "vi.phrase.to_counter", "vi.letter.l",
                                     "en.word.seventeen"])
def test_rebuilt_clips_match_the_shipped_pack(tmp_path, clip_id) -> None:
    """The shipped pack is what the builder makes (same bytes with the same espeak-ng)."""
    binary = build_pack.espeak_binary()
    shipped = json.loads((PACKS_DIR / "vi-espeak" / MANIFEST).read_text(encoding="utf-8"))
    spec = CATALOGUE[clip_id]
    audio = build_pack._speak(binary, spec, "vi", "en", 150, tmp_path)
    assert audio.format == PACK_FORMAT
    assert 0.15 < audio.duration_s < 2.5
    if build_pack.espeak_version(binary) in shipped["description"]:
        assert audio.frames == VoicePack.load("vi-espeak").audio(clip_id).frames


def test_the_shipped_manifest_lists_the_catalogue() -> None:
    shipped = json.loads((PACKS_DIR / "vi-espeak" / MANIFEST).read_text(encoding="utf-8"))
    assert set(shipped["clips"]) == set(CATALOGUE)
    assert (PACKS_DIR / "vi-espeak" / MANIFEST).read_text(encoding="utf-8") == \
        build_pack.manifest_json(shipped)  # written by the builder, untouched


def test_without_espeak_the_builder_says_what_to_install(monkeypatch, capsys) -> None:
    monkeypatch.setattr(build_pack.shutil, "which", lambda name: None)
    assert build_pack.main(["--out", "/nonexistent/never-written"]) == 1
    assert "scripts/system-deps.sh espeak-ng" in capsys.readouterr().err
