"""The clip catalogue: every clip an announcement can use, its id, words and file name.

Clip ids are ASCII and stable (`vi.word.muoi_huyen` is "mười"), so a hall can record its own
clips against this list; the Vietnamese text lives in the manifest. `required_clips` is what a
pack must hold for a given set of options, checked when the pack is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from display.voice.numbers import EN_VOCABULARY, VI_VOCABULARY, ViOptions

CHIME = "chime"
VI_CALL = "vi.phrase.call"
VI_RECALL = "vi.phrase.recall"
VI_TO_COUNTER = "vi.phrase.to_counter"
EN_CALL = "en.phrase.call"
EN_RECALL = "en.phrase.recall"
EN_TO_COUNTER = "en.phrase.to_counter"

PHRASES: dict[str, tuple[str, str]] = {
    VI_CALL: ("vi", "Mời công dân có số thứ tự"),
    VI_RECALL: ("vi", "Mời lại công dân có số thứ tự"),  # a recall says it is one
    VI_TO_COUNTER: ("vi", "đến quầy số"),
    EN_CALL: ("en", "Ticket number"),
    EN_RECALL: ("en", "Once again, ticket number"),
    EN_TO_COUNTER: ("en", "please go to counter"),
}

# Vietnamese word -> ASCII id stem; the tone is spelled out where two words share letters.
VI_WORD_IDS: dict[str, str] = {
    "không": "khong", "một": "mot", "mốt": "mot_sac", "hai": "hai", "ba": "ba",
    "bốn": "bon", "tư": "tu", "năm": "nam", "lăm": "lam", "sáu": "sau", "bảy": "bay",
    "tám": "tam", "chín": "chin", "mười": "muoi_huyen", "mươi": "muoi", "trăm": "tram",
    "linh": "linh", "lẻ": "le", "nghìn": "nghin", "ngàn": "ngan", "triệu": "trieu",
}
assert set(VI_WORD_IDS) == VI_VOCABULARY, "every number word needs a clip id"

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# How each letter is named when spoken in Vietnamese (the school alphabet's names; F, J, W, Z
# are not Vietnamese letters but appear on counters, so they get their usual loan names).
# An English letter clip's text is the letter itself: every English speaker knows its name.
VI_LETTER_NAMES: dict[str, str] = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "E": "e", "F": "ép", "G": "giê", "H": "hát",
    "I": "i", "J": "gi", "K": "ca", "L": "e-lờ", "M": "em-mờ", "N": "en-nờ", "O": "o",
    "P": "pê", "Q": "quy", "R": "e-rờ", "S": "ét-xì", "T": "tê", "U": "u", "V": "vê",
    "W": "vê kép", "X": "ích-xì", "Y": "i dài", "Z": "dét",
}


@dataclass(frozen=True)
class ClipSpec:
    """One clip of the catalogue: what it says, in which language, where a pack keeps it."""

    id: str
    text: str
    language: str  # "vi", "en" or "" (a sound, not speech)
    file: str  # path inside the pack folder


def word_clip(language: str, word: str) -> str:
    """The clip id of a number word: ("vi", "mười") → vi.word.muoi_huyen."""
    if language == "vi":
        return f"vi.word.{VI_WORD_IDS[word]}"
    if language == "en":
        if word not in EN_VOCABULARY:
            raise KeyError(word)
        return f"en.word.{word}"
    raise KeyError(language)


def letter_clip(language: str, letter: str) -> str:
    """The clip id of a letter: ("vi", "A") → vi.letter.a."""
    upper = letter.upper()
    if upper not in LETTERS or len(upper) != 1:
        raise KeyError(letter)
    return f"{language}.letter.{upper.lower()}"


def _catalogue() -> dict[str, ClipSpec]:
    specs: list[ClipSpec] = [ClipSpec(CHIME, "", "", "chime.wav")]
    for clip_id, (language, text) in PHRASES.items():
        specs.append(ClipSpec(clip_id, text, language, f"{language}/{clip_id.split('.')[-1]}.wav"))
    for word, stem in VI_WORD_IDS.items():
        specs.append(ClipSpec(f"vi.word.{stem}", word, "vi", f"vi/word-{stem}.wav"))
    for word in sorted(EN_VOCABULARY):
        specs.append(ClipSpec(f"en.word.{word}", word, "en", f"en/word-{word}.wav"))
    for letter in LETTERS:
        specs.append(ClipSpec(letter_clip("vi", letter), VI_LETTER_NAMES[letter], "vi",
                              f"vi/letter-{letter.lower()}.wav"))
        specs.append(ClipSpec(letter_clip("en", letter), letter, "en",
                              f"en/letter-{letter.lower()}.wav"))
    return {spec.id: spec for spec in specs}


CATALOGUE: dict[str, ClipSpec] = _catalogue()
"""Every clip a shipped pack holds, by id."""


def required_clips(languages: Iterable[str], vi_options: ViOptions | None = None) -> set[str]:
    """The clips a pack must hold to speak any call in `languages`.

    Of the regional variants (bốn/tư after mươi, linh/lẻ, nghìn/ngàn) only the ones
    `vi_options` selects are required, so a hall that records just its own variant passes.
    """
    opts = vi_options or ViOptions()
    langs = set(languages)
    variants = {"tư", "lẻ", "ngàn", "linh", "nghìn"}
    wanted_vi = (VI_VOCABULARY - variants) | {
        opts.four_after_tens, opts.empty_tens, opts.thousand}
    needed = {CHIME}
    for clip_id, (language, _) in PHRASES.items():
        if language in langs:
            needed.add(clip_id)
    if "vi" in langs:
        needed |= {word_clip("vi", w) for w in wanted_vi}
        needed |= {letter_clip("vi", c) for c in LETTERS}
    if "en" in langs:
        needed |= {word_clip("en", w) for w in EN_VOCABULARY}
        needed |= {letter_clip("en", c) for c in LETTERS}
    return needed
