"""Numbers as spoken words, Vietnamese and English, as pure functions.

A speech engine cannot be trusted with digits (espeak-ng reads 15 as "mười năm"), so the
announcer never gives it one: it chains a clip per word, and the words come from here.

Vietnamese rules (standard reading, each one a choice a hall can change where usage varies):

- 10–19 use **mười**, the tens from 20 use **mươi**: 10 mười, 20 hai mươi.
- A final 1 after **mươi** is **mốt** (21 hai mươi mốt), but stays **một** after mười (11) and
  after linh (101).
- A final 5 after mười or mươi is **lăm** (15 mười lăm, 25 hai mươi lăm), **năm** elsewhere
  (5, 105 một trăm linh năm).
- A final 4 after mươi is **bốn** by default (24 hai mươi bốn), or **tư** (hai mươi tư), the
  Northern colloquial form. Default bốn: it is the word every region reads, the same word as the
  digit alone, and the form used when numbers are read out formally.
- An empty tens place before a non-zero unit is **linh** (105 một trăm linh năm), or **lẻ** (the
  Southern form).
- A group of three digits that is not the leading group always says its hundreds, even when
  zero: 1023 một nghìn không trăm hai mươi ba; an all-zero group is left out entirely
  (1 000 023 một triệu không trăm hai mươi ba).
- Thousands are **nghìn** by default (standard, and what official texts write), or **ngàn**.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Literal

MAX_NUMBER = 999_999_999
"""The largest number spoken (triệu is the highest unit; ticket ranges stop at 999 999)."""

VI_DIGITS: tuple[str, ...] = (
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
)
VI_VOCABULARY: frozenset[str] = frozenset(
    VI_DIGITS + ("mốt", "tư", "lăm", "mười", "mươi", "trăm", "linh", "lẻ", "nghìn", "ngàn", "triệu")
)
"""Every word `vi_words` can produce, whatever the options."""

EN_ONES: tuple[str, ...] = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
)
EN_TENS: tuple[str, ...] = (
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
)
EN_VOCABULARY: frozenset[str] = frozenset(
    EN_ONES + EN_TENS[2:] + ("hundred", "thousand", "million", "and")
)
"""Every word `en_words` and `en_digit_words` can produce."""


@dataclass(frozen=True)
class ViOptions:
    """Regional variants of Vietnamese number reading (see the module docstring)."""

    four_after_tens: Literal["bốn", "tư"] = "bốn"
    empty_tens: Literal["linh", "lẻ"] = "linh"
    thousand: Literal["nghìn", "ngàn"] = "nghìn"

    def __post_init__(self) -> None:
        for name, allowed in (("four_after_tens", ("bốn", "tư")), ("empty_tens", ("linh", "lẻ")),
                              ("thousand", ("nghìn", "ngàn"))):
            value = unicodedata.normalize("NFC", getattr(self, name))
            if value not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
            object.__setattr__(self, name, value)


def _check(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"a whole number is needed, not {n!r}")
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"{n} is out of range: numbers from 0 to {MAX_NUMBER:,} can be spoken")


def _vi_group(value: int, full: bool, opts: ViOptions) -> list[str]:
    """Words of one group of three digits; `full` says the hundreds even when zero."""
    hundreds, tens, units = value // 100, value // 10 % 10, value % 10
    words: list[str] = []
    if hundreds or full:
        words += [VI_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(opts.empty_tens)
            words.append(VI_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else VI_DIGITS[units])
    else:
        words += [VI_DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append(opts.four_after_tens)
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(VI_DIGITS[units])
    return words


def vi_words(n: int, options: ViOptions | None = None) -> list[str]:
    """The Vietnamese words of `n` (0 ≤ n ≤ 999 999 999), NFC, one list item per word.

    >>> " ".join(vi_words(1023))
    'một nghìn không trăm hai mươi ba'
    """
    _check(n)
    opts = options or ViOptions()
    if n == 0:
        return ["không"]
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words: list[str] = []
    for value, unit in ((millions, "triệu"), (thousands, opts.thousand), (units, "")):
        if value == 0:
            continue
        words += _vi_group(value, full=bool(words), opts=opts)
        if unit:
            words.append(unit)
    return words


def vi_digit_words(digits: str) -> list[str]:
    """Each digit of `digits` as its own word: "001" → không không một."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{digits!r} is not a run of digits")
    return [VI_DIGITS[int(d)] for d in digits]


def _en_group(value: int) -> list[str]:
    hundreds, rest = divmod(value, 100)
    words: list[str] = []
    if hundreds:
        words += [EN_ONES[hundreds], "hundred"]
        if rest:
            words.append("and")
    if rest >= 20:
        words.append(EN_TENS[rest // 10])
        if rest % 10:
            words.append(EN_ONES[rest % 10])
    elif rest:
        words.append(EN_ONES[rest])
    return words


def en_words(n: int) -> list[str]:
    """English words of `n`, British style with "and": 1023 → one thousand and twenty three.

    Tokens stay separate ("twenty", "three") because each one is a clip; `en_text` writes the
    hyphen back.
    """
    _check(n)
    if n == 0:
        return ["zero"]
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words: list[str] = []
    for value, unit in ((millions, "million"), (thousands, "thousand"), (units, "")):
        if value == 0:
            continue
        if words and value < 100:
            words.append("and")
        words += _en_group(value)
        if unit:
            words.append(unit)
    return words


def en_digit_words(digits: str) -> list[str]:
    """Each digit as a word, "zero" for 0 (never "oh", which a non-native listener mishears)."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{digits!r} is not a run of digits")
    return [EN_ONES[int(d)] for d in digits]


def en_text(words: list[str]) -> str:
    """Join English number tokens as written: twenty-three, not twenty three."""
    out: list[str] = []
    for word in words:
        if out and out[-1] in EN_TENS[2:] and word in EN_ONES[1:10]:
            out[-1] = f"{out[-1]}-{word}"
        else:
            out.append(word)
    return " ".join(out)
