"""The announcement WAV of a call is the expected clips, in the expected order, with silence
between them and nothing else: checked by walking the file's frames clip by clip."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import pytest

from display.voice import cli as say_cli
from display.voice.announcer import Call, render_call
from display.voice.compose import compose
from display.voice.pack import VoicePack
from display.voice.speech import SpeechOptions, call_script

ROOT = Path(__file__).resolve().parents[2]

# Written out by hand: what "1023 at counter 5A" must say, clip by clip.
EXPECTED_1023_5A = [
    "chime",
    "vi.phrase.call",
    "vi.word.mot", "vi.word.nghin", "vi.word.khong", "vi.word.tram", "vi.word.hai",
    "vi.word.muoi", "vi.word.ba",
    "vi.phrase.to_counter",
    "vi.word.nam", "vi.letter.a",
]
EXPECTED_EN_TAIL = [
    "en.phrase.call", "en.word.one", "en.word.zero", "en.word.two", "en.word.three",
    "en.phrase.to_counter", "en.word.five", "en.letter.a",
]


def walk(frames: bytes, frame_bytes: int, pack: VoicePack, expected: list[str]) -> list[int]:
    """Find each expected clip in turn, allowing only digital silence before it; returns
    the gap (in frames) before each clip. Fails on any other sound or a wrong order."""
    pos = 0
    gaps = []
    silence = b"\x00" * frame_bytes
    for clip_id in expected:
        clip = pack.audio(clip_id).frames
        start = pos
        while frames[pos:pos + frame_bytes] == silence:
            pos += frame_bytes
        assert frames[pos:pos + len(clip)] == clip, f"{clip_id} not found at frame " \
            f"{pos // frame_bytes}"
        gaps.append((pos - start) // frame_bytes)
        pos += len(clip)
    assert frames[pos:] == b"", "sound after the last clip"
    return gaps


def test_a_call_is_its_clips_in_order_with_the_configured_pauses(synth_pack) -> None:
    pack = VoicePack.load(synth_pack)
    options = SpeechOptions()
    audio = render_call(Call("1023", 5, "5A"), pack, options)
    gaps = walk(audio.frames, pack.format.frame_bytes, pack, EXPECTED_1023_5A)
    ms = [round(g * 1000 / pack.format.rate) for g in gaps]
    assert ms == [0, options.chime_gap_ms, options.phrase_gap_ms] + [options.word_gap_ms] * 6 + [
        options.phrase_gap_ms, options.phrase_gap_ms, options.word_gap_ms]


def test_english_follows_vietnamese(synth_pack) -> None:
    pack = VoicePack.load(synth_pack)
    options = SpeechOptions(languages=("vi", "en"))
    audio = render_call(Call("1023", 5, "5A"), pack, options)
    gaps = walk(audio.frames, 2, pack, EXPECTED_1023_5A + EXPECTED_EN_TAIL)
    assert round(gaps[len(EXPECTED_1023_5A)] * 1000 / pack.format.rate) == \
        options.language_gap_ms


def test_segments_report_where_each_clip_landed(synth_pack) -> None:
    pack = VoicePack.load(synth_pack)
    audio, segments = compose(call_script("15", "2"), pack)
    assert sum(s.frames for s in segments) == audio.n_frames
    for seg in segments:
        chunk = audio.frames[seg.start * 2:(seg.start + seg.frames) * 2]
        if seg.clip is None:
            assert chunk == b"\x00" * len(chunk)
        else:
            assert chunk == pack.audio(seg.clip).frames
    assert [s.clip for s in segments if s.clip] == [
        "chime", "vi.phrase.call", "vi.word.muoi_huyen", "vi.word.lam", "vi.phrase.to_counter",
        "vi.word.hai"]


def test_layso_say_writes_the_shipped_packs_clips_in_order(tmp_path, capsys) -> None:
    out = tmp_path / "call.wav"
    parser = _parser()
    args = parser.parse_args(["1023", "5A", "--out", str(out)])
    assert say_cli.run(args) == 0
    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        frames = w.readframes(w.getnframes())
    pack = VoicePack.load("vi-espeak")
    walk(frames, 2, pack, EXPECTED_1023_5A)
    assert "call.wav" in capsys.readouterr().out


def test_layso_say_text_prints_one_line(capsys) -> None:
    assert say_cli.run(_parser().parse_args(["1023", "5A", "--text"])) == 0
    assert capsys.readouterr().out == (
        "Mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số năm A\n")
    assert say_cli.run(_parser().parse_args(["1023", "5A", "--text", "--lang", "en"])) == 0
    assert capsys.readouterr().out == (
        "Ticket number one zero two three, please go to counter five A.\n")
    args = _parser().parse_args(["24", "4", "--text", "--four", "tu", "--thousand", "ngan"])
    assert say_cli.run(args) == 0
    assert "hai mươi tư đến quầy số bốn" in capsys.readouterr().out


def test_layso_say_refuses_bad_input_clearly(tmp_path, capsys) -> None:
    assert say_cli.run(_parser().parse_args(["10#3", "5", "--text"])) == 2
    assert "cannot speak '#'" in capsys.readouterr().err
    args = _parser().parse_args(["1", "5", "--pack", str(tmp_path), "--out",
                                 str(tmp_path / "x.wav")])
    assert say_cli.run(args) == 1
    assert "not a voice pack folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parser().parse_args(["1", "5", "--four", "năm"])


def test_layso_say_through_the_real_command_line(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-m", "layso", "say", "105", "5A", "--text"],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("một trăm linh năm đến quầy số năm A")


def _parser():
    import argparse

    parser = argparse.ArgumentParser(prog="layso say")
    say_cli.add_arguments(parser)
    return parser
