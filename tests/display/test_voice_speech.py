"""What a call says: ticket numbers with letters, counters with suffixes, both languages,
the script's clip order, and clear refusals."""

from __future__ import annotations

import unicodedata

import pytest

from display.voice.numbers import ViOptions
from display.voice.speech import (
    Clip,
    Pause,
    SpeechError,
    SpeechOptions,
    call_script,
    call_text,
    spoken_words,
)
from display.voice.vocabulary import CATALOGUE, VI_LETTER_NAMES, required_clips


def test_the_issue_example_in_vietnamese() -> None:
    assert call_text("1023", "5", "vi") == (
        "Mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số năm")


def test_counter_with_a_letter_suffix() -> None:
    assert call_text("1023", "5A", "vi").endswith("đến quầy số năm A")
    assert call_text("15", "21B", "vi") == (
        "Mời công dân có số thứ tự mười lăm đến quầy số hai mươi mốt B")
    assert call_text("1023", "5A", "en") == (
        "Ticket number one zero two three, please go to counter five A.")


def test_letter_prefixed_tickets() -> None:
    assert call_text("A001", "3", "vi") == "Mời công dân có số thứ tự A một đến quầy số ba"
    opts = SpeechOptions(vi_number_style="digits")
    assert "A không không một" in call_text("A001", "3", "vi", opts)
    assert call_text("a015", "3", "en") == (
        "Ticket number A zero one five, please go to counter three.")
    whole = SpeechOptions(en_number_style="whole")
    assert call_text("B1023", "12", "en", whole) == (
        "Ticket number B one thousand and twenty-three, please go to counter twelve.")


def test_regional_options_reach_the_call() -> None:
    opts = SpeechOptions(vi=ViOptions("tư", "lẻ", "ngàn"))
    assert call_text("1024", "24", "vi", opts) == (
        "Mời công dân có số thứ tự một ngàn không trăm hai mươi tư đến quầy số hai mươi tư")


def test_separators_are_not_spoken_and_bad_characters_are_refused() -> None:
    assert [w.text for w in spoken_words("A-12", "vi", "whole")] == ["A", "mười", "hai"]
    with pytest.raises(SpeechError, match="cannot speak '#'"):
        spoken_words("10#3", "vi", "whole")
    with pytest.raises(SpeechError, match="Đ"):
        spoken_words("Đ12", "vi", "whole")
    with pytest.raises(SpeechError, match="empty"):
        spoken_words("  ", "vi", "whole")
    with pytest.raises(SpeechError, match="no letters or digits"):
        spoken_words("--", "vi", "whole")
    with pytest.raises(SpeechError, match="too long"):
        spoken_words("1234567890", "vi", "whole")
    # digit by digit has no length limit, and leading zeros never count against it
    assert len(spoken_words("1234567890", "vi", "digits")) == 10
    assert [w.text for w in spoken_words("0000000000001", "vi", "whole")] == ["một"]


def test_a_recall_says_it_calls_again() -> None:
    assert call_text("1023", "5A", "vi", recall=True) == (
        "Mời lại công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số năm A")
    assert call_text("1023", "5A", "en", recall=True).startswith("Once again, ticket number")
    clips = [s.id for s in call_script("7", "2", SpeechOptions(languages=("vi", "en")),
                                       recall=True) if isinstance(s, Clip)]
    assert "vi.phrase.recall" in clips and "en.phrase.recall" in clips
    assert "vi.phrase.call" not in clips


def test_script_order_and_pauses() -> None:
    opts = SpeechOptions(languages=("vi", "en"))
    steps = call_script("105", "5A", opts)
    clips = [s.id for s in steps if isinstance(s, Clip)]
    assert clips == [
        "chime",
        "vi.phrase.call", "vi.word.mot", "vi.word.tram", "vi.word.linh", "vi.word.nam",
        "vi.phrase.to_counter", "vi.word.nam", "vi.letter.a",
        "en.phrase.call", "en.word.one", "en.word.zero", "en.word.five",
        "en.phrase.to_counter", "en.word.five", "en.letter.a",
    ]
    # a pause between every two clips, and the language gap between the two calls
    assert all(isinstance(a, Clip) != isinstance(b, Clip) for a, b in zip(steps, steps[1:],
                                                                          strict=False))
    assert Pause(opts.language_gap_ms) in steps
    assert call_script("1", "1", SpeechOptions(chime=False))[0] == Clip("vi.phrase.call")


def test_every_scripted_clip_is_in_the_catalogue_and_required() -> None:
    for opts in (SpeechOptions(), SpeechOptions(vi=ViOptions("tư", "lẻ", "ngàn"),
                                                languages=("vi", "en"),
                                                en_number_style="whole")):
        needed = required_clips(opts.languages, opts.vi)
        for number in ("1", "15", "24", "105", "1004", "A1024", "999999", "Z9"):
            for step in [*call_script(number, "24W", opts),
                         *call_script(number, "24W", opts, recall=True)]:
                if isinstance(step, Clip):
                    assert step.id in CATALOGUE
                    assert step.id in needed


def test_texts_are_nfc() -> None:
    for text in [call_text("1023", "5A", "vi"), *VI_LETTER_NAMES.values()]:
        assert text == unicodedata.normalize("NFC", text)
    for spec in CATALOGUE.values():
        assert spec.text == unicodedata.normalize("NFC", spec.text)
        assert spec.file.isascii()


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError):
        SpeechOptions(languages=())
    with pytest.raises(ValueError):
        SpeechOptions(languages=("fr",))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SpeechOptions(vi_number_style="roman")  # type: ignore[arg-type]
