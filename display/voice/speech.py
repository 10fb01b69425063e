"""What a call says: ticket number and counter label → words → the script of clips and pauses.

A ticket number is letters and digits ("1023", "A001"): letters are named one by one, a run of
digits is read as a whole number ("một nghìn không trăm hai mươi ba") or digit by digit,
as the hall chooses. A counter label ("5", "5A") is always read as a whole number followed by
its letters: 5A → "năm A".

English reads the ticket digit by digit by default ("Ticket number one zero two three, please
go to counter five"): the English call is for visitors who do not speak Vietnamese, a ticket
number is an identifier they compare with their slip digit by digit, and digits survive a
noisy hall and a non-native ear better than "one thousand and twenty-three". The whole-number
style is one option away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from display.voice import numbers
from display.voice.numbers import ViOptions
from display.voice.vocabulary import (
    CHIME,
    EN_CALL,
    EN_RECALL,
    EN_TO_COUNTER,
    PHRASES,
    VI_CALL,
    VI_RECALL,
    VI_TO_COUNTER,
    letter_clip,
    word_clip,
)

Language = Literal["vi", "en"]
NumberStyle = Literal["whole", "digits"]

_TOKEN = re.compile(r"(?P<letters>[A-Za-z]+)|(?P<digits>[0-9]+)|(?P<sep>[\s\-./]+)")
_MAX_DIGITS = len(str(numbers.MAX_NUMBER))


class SpeechError(ValueError):
    """A ticket number or counter label that cannot be spoken; the message says why."""


@dataclass(frozen=True)
class Clip:
    """Play the clip with this id."""

    id: str


@dataclass(frozen=True)
class Pause:
    """Silence of this many milliseconds."""

    ms: int


Step = Clip | Pause


@dataclass(frozen=True)
class SpeechOptions:
    """How calls are worded and paced."""

    vi: ViOptions = field(default_factory=ViOptions)
    vi_number_style: NumberStyle = "whole"
    en_number_style: NumberStyle = "digits"
    languages: tuple[Language, ...] = ("vi",)  # in order: ("vi", "en") adds English after
    chime: bool = True
    word_gap_ms: int = 40
    phrase_gap_ms: int = 200
    chime_gap_ms: int = 300
    language_gap_ms: int = 600

    def __post_init__(self) -> None:
        if not self.languages or any(lang not in ("vi", "en") for lang in self.languages):
            raise ValueError(f"languages must be vi and/or en, not {self.languages!r}")
        for name in ("vi_number_style", "en_number_style"):
            if getattr(self, name) not in ("whole", "digits"):
                raise ValueError(f"{name} must be whole or digits")


@dataclass(frozen=True)
class Word:
    """One spoken token: a number word ("mười") or a letter ("A")."""

    text: str
    letter: bool = False

    def clip(self, language: Language) -> str:
        return letter_clip(language, self.text) if self.letter else word_clip(language, self.text)


def _digit_words(run: str, language: Language, style: NumberStyle, opts: ViOptions) -> list[str]:
    if style == "digits":
        return numbers.vi_digit_words(run) if language == "vi" else numbers.en_digit_words(run)
    value = int(run)
    return numbers.vi_words(value, opts) if language == "vi" else numbers.en_words(value)


def spoken_words(text: str, language: Language, style: NumberStyle,
                 vi: ViOptions | None = None, *, what: str = "ticket number") -> list[Word]:
    """The words of a ticket number or counter label, e.g. "5A" → [năm, A]."""
    opts = vi or ViOptions()
    text = text.strip()
    if not text:
        raise SpeechError(f"the {what} is empty")
    words: list[Word] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise SpeechError(f"cannot speak {text[pos]!r} in the {what} {text!r}: "
                              "use letters A–Z and digits")
        if m.group("letters"):
            words += [Word(ch.upper(), letter=True) for ch in m.group("letters")]
        elif m.group("digits"):
            run = m.group("digits")
            if style == "whole" and len(run.lstrip("0")) > _MAX_DIGITS:
                raise SpeechError(f"the {what} {text!r} is too long to read as a number "
                                  f"(at most {_MAX_DIGITS} digits)")
            words += [Word(w) for w in _digit_words(run, language, style, opts)]
        pos = m.end()
    if not words:
        raise SpeechError(f"the {what} {text!r} has no letters or digits to speak")
    return words


def _style(options: SpeechOptions, language: Language) -> NumberStyle:
    return options.vi_number_style if language == "vi" else options.en_number_style


def call_words(number: str, counter: str, language: Language,
               options: SpeechOptions | None = None) -> tuple[list[Word], list[Word]]:
    """The words of the ticket number and of the counter label, in `language`."""
    opts = options or SpeechOptions()
    ticket = spoken_words(number, language, _style(opts, language), opts.vi)
    desk = spoken_words(counter, language, "whole", opts.vi, what="counter label")
    return ticket, desk


def _join(words: list[Word], language: Language) -> str:
    texts = [w.text for w in words]
    if language == "en":
        # hyphenate tens-units pairs only inside runs of number words
        out: list[str] = []
        run: list[str] = []
        for w in words:
            if w.letter:
                if run:
                    out.append(numbers.en_text(run))
                    run = []
                out.append(w.text)
            else:
                run.append(w.text)
        if run:
            out.append(numbers.en_text(run))
        return " ".join(out)
    return " ".join(texts)


def _opening(language: Language, recall: bool) -> str:
    """The clip that opens a call: a recall says it calls again ("Mời lại …")."""
    if language == "vi":
        return VI_RECALL if recall else VI_CALL
    return EN_RECALL if recall else EN_CALL


def call_text(number: str, counter: str, language: Language,
              options: SpeechOptions | None = None, *, recall: bool = False) -> str:
    """The call as one line of text, exactly the words the clips will say."""
    ticket, desk = call_words(number, counter, language, options)
    opening = PHRASES[_opening(language, recall)][1]
    if language == "vi":
        return (f"{opening} {_join(ticket, 'vi')} "
                f"{PHRASES[VI_TO_COUNTER][1]} {_join(desk, 'vi')}")
    return (f"{opening} {_join(ticket, 'en')}, "
            f"{PHRASES[EN_TO_COUNTER][1]} {_join(desk, 'en')}.")


def _words_steps(words: list[Word], language: Language, gap_ms: int) -> list[Step]:
    steps: list[Step] = []
    for i, word in enumerate(words):
        if i:
            steps.append(Pause(gap_ms))
        steps.append(Clip(word.clip(language)))
    return steps


def call_script(number: str, counter: str, options: SpeechOptions | None = None, *,
                recall: bool = False) -> list[Step]:
    """The clips and pauses of one announcement, in order (chime, then each language)."""
    opts = options or SpeechOptions()
    steps: list[Step] = []
    if opts.chime:
        steps += [Clip(CHIME), Pause(opts.chime_gap_ms)]
    for i, language in enumerate(opts.languages):
        ticket, desk = call_words(number, counter, language, opts)
        call = _opening(language, recall)
        to_counter = VI_TO_COUNTER if language == "vi" else EN_TO_COUNTER
        if i:
            steps.append(Pause(opts.language_gap_ms))
        steps += [Clip(call), Pause(opts.phrase_gap_ms)]
        steps += _words_steps(ticket, language, opts.word_gap_ms)
        steps += [Pause(opts.phrase_gap_ms), Clip(to_counter), Pause(opts.phrase_gap_ms)]
        steps += _words_steps(desk, language, opts.word_gap_ms)
    return steps
