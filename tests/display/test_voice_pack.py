"""Voice packs: the shipped pack is complete and uniform; a missing or broken clip is reported
when the pack is loaded (all at once, by name); recorded clips lay over a pack, converted."""

from __future__ import annotations

import json
import shutil
import wave

import pytest

from display.voice.audio import PACK_FORMAT, Audio, AudioFormat, convert, read_wav
from display.voice.numbers import ViOptions
from display.voice.pack import MANIFEST, PACKS_DIR, VoicePack, VoicePackError, resolve_pack
from display.voice.players import SilentPlayer
from display.voice.speech import SpeechOptions
from display.voice.vocabulary import CATALOGUE, required_clips

from .conftest import SYNTH_FORMAT, synth_clip, write_synth_pack

SHIPPED = PACKS_DIR / "vi-espeak"


def test_the_shipped_pack_holds_every_catalogue_clip_in_one_format() -> None:
    pack = VoicePack.load("vi-espeak", required=set(CATALOGUE))
    assert set(pack.clips) == set(CATALOGUE)
    assert pack.format == PACK_FORMAT
    for clip in pack.clips.values():
        assert clip.converted_from is None  # shipped as 16-bit mono 22.05 kHz already
        assert clip.audio.n_frames > 0
    manifest = json.loads((SHIPPED / MANIFEST).read_text(encoding="utf-8"))
    for clip_id, entry in manifest["clips"].items():
        assert entry["text"] == CATALOGUE[clip_id].text
        assert entry["language"] == CATALOGUE[clip_id].language
    assert manifest["clips"]["vi.word.lam"]["text"] == "lăm"


def test_shipped_speech_clips_are_trimmed_to_sound() -> None:
    """Espeak's silence is cut, so chained words sound like one sentence; every clip starts
    and ends on a non-zero sample, so its boundaries are visible in a chain."""
    pack = VoicePack.load("vi-espeak")
    for clip_id, clip in pack.clips.items():
        frames = clip.audio.frames
        assert frames[:2] != b"\x00\x00" and frames[-2:] != b"\x00\x00", clip_id
        if clip_id.startswith("vi.word."):
            assert clip.audio.duration_s < 0.7, clip_id


def test_a_missing_clip_is_reported_at_load_by_name(tmp_path) -> None:
    folder = write_synth_pack(tmp_path / "p", skip=("vi.word.lam", "vi.letter.b"))
    needed = required_clips(("vi",))
    with pytest.raises(VoicePackError) as err:
        VoicePack.load(folder, required=needed)
    message = str(err.value)
    assert "vi.word.lam saying 'lăm'" in message and "vi/word-lam.wav" in message
    assert "vi.letter.b" in message
    assert len(err.value.problems) == 2


def test_a_file_gone_from_disk_is_reported_at_load(tmp_path) -> None:
    folder = write_synth_pack(tmp_path / "p")
    (folder / "vi" / "word-mot_sac.wav").unlink()
    (folder / "vi" / "to_counter.wav").write_bytes(b"not a wav")
    with pytest.raises(VoicePackError) as err:
        VoicePack.load(folder, required=required_clips(("vi",)))
    problems = "\n".join(err.value.problems)
    assert "vi.word.mot_sac" in problems and "no such file" in problems
    assert "vi.phrase.to_counter" in problems and "not a PCM WAV" in problems


def test_the_announcer_refuses_a_pack_that_lacks_what_its_options_need(tmp_path) -> None:
    from display.voice.announcer import Announcer

    folder = write_synth_pack(tmp_path / "p", skip=("vi.word.tu",))
    pack = VoicePack.load(folder)  # complete for the default options
    Announcer(pack, SilentPlayer(), SpeechOptions()).close()
    with pytest.raises(VoicePackError, match="vi.word.tu saying 'tư'"):
        Announcer(pack, SilentPlayer(), SpeechOptions(vi=ViOptions(four_after_tens="tư")))
    with pytest.raises(VoicePackError, match="en.phrase.call"):
        Announcer(VoicePack.load(write_synth_pack(tmp_path / "q", skip=("en.phrase.call",))),
                  SilentPlayer(), SpeechOptions(languages=("vi", "en")))


def test_not_a_pack_names_the_shipped_ones(tmp_path) -> None:
    with pytest.raises(VoicePackError, match="vi-espeak"):
        resolve_pack(tmp_path / "nowhere")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(VoicePackError, match="not valid JSON"):
        VoicePack.load(tmp_path / "bad")


def _write(path, audio: Audio) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    audio.write(path)


def test_recorded_clips_lay_over_the_pack_and_are_converted(tmp_path) -> None:
    base = write_synth_pack(tmp_path / "base")
    overlay = tmp_path / "recorded"
    # a hall's own phrase, 16 kHz stereo, named like the pack's file
    stereo = AudioFormat(16000, 2, 2)
    frames = b"".join((3000).to_bytes(2, "little", signed=True) * 2 for _ in range(1600))
    _write(overlay / "vi" / "call.wav", Audio(frames, stereo))
    # and one named by clip id, 8-bit
    _write(overlay / "vi.word.lam.wav", Audio(bytes([200] * 800), AudioFormat(8000, 1, 1)))
    pack = VoicePack.load(base, overlay=overlay, required=required_clips(("vi",)))
    call = pack.clips["vi.phrase.call"]
    assert call.source == overlay / "vi" / "call.wav"
    assert call.converted_from == stereo
    assert call.audio.format == SYNTH_FORMAT
    assert call.audio.n_frames == 800  # 0.1 s at 8 kHz
    assert set(call.audio.frames[:2]) and int.from_bytes(call.audio.frames[:2], "little",
                                                         signed=True) == 3000
    lam = pack.clips["vi.word.lam"]
    assert int.from_bytes(lam.audio.frames[:2], "little", signed=True) == (200 - 128) << 8
    assert pack.clips["vi.word.mot"].source.is_relative_to(base)


def test_an_overlay_that_matches_nothing_is_reported(tmp_path) -> None:
    base = write_synth_pack(tmp_path / "base")
    (tmp_path / "empty").mkdir()
    with pytest.raises(VoicePackError, match="holds no clip this pack knows"):
        VoicePack.load(base, overlay=tmp_path / "empty")
    with pytest.raises(VoicePackError, match="does not exist"):
        VoicePack.load(base, overlay=tmp_path / "missing")


def test_manifest_format_must_match_the_file(tmp_path) -> None:
    folder = write_synth_pack(tmp_path / "p")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["clips"]["chime"]["format"] = {"rate": 44100, "channels": 2, "sample_width": 2}
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(VoicePackError, match="says 16-bit 44100 Hz stereo but chime.wav is "
                                             "16-bit 8000 Hz mono"):
        VoicePack.load(folder)


def test_conversion_keeps_length_and_level() -> None:
    one_second = Audio(synth_clip(3, frames=22050).frames[: 22050 * 2], PACK_FORMAT)
    down = convert(one_second, AudioFormat(16000, 1, 2))
    assert down.n_frames == 16000
    up = convert(down, AudioFormat(44100, 2, 2))
    assert up.n_frames == 44100 and up.format.channels == 2
    assert convert(one_second, PACK_FORMAT) is one_second


def test_read_wav_explains_what_to_do(tmp_path) -> None:
    path = tmp_path / "x.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(ValueError, match="sox"):
        read_wav(path)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x01\x00" * 10)
    assert read_wav(path).n_frames == 10


def test_a_copied_pack_can_be_loaded_from_its_folder(tmp_path) -> None:
    copy = tmp_path / "my-pack"
    shutil.copytree(SHIPPED, copy)
    pack = VoicePack.load(str(copy), required=required_clips(("vi", "en")))
    assert pack.root == copy
