"""Number words: a hand-checked table, every number 0–9999 against a table of digit patterns,
and properties over the whole range (vocabulary, NFC, the rules' contexts, round trips)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from display.voice.numbers import (
    EN_VOCABULARY,
    MAX_NUMBER,
    VI_DIGITS,
    VI_VOCABULARY,
    ViOptions,
    en_digit_words,
    en_text,
    en_words,
    vi_digit_words,
    vi_words,
)

# Written out by hand from the rules (and the examples), not from the code.
VI_TABLE = {
    0: "không", 1: "một", 4: "bốn", 5: "năm", 9: "chín",
    10: "mười", 11: "mười một", 14: "mười bốn", 15: "mười lăm", 19: "mười chín",
    20: "hai mươi", 21: "hai mươi mốt", 24: "hai mươi bốn", 25: "hai mươi lăm",
    31: "ba mươi mốt", 45: "bốn mươi lăm", 55: "năm mươi lăm", 90: "chín mươi",
    99: "chín mươi chín",
    100: "một trăm", 101: "một trăm linh một", 104: "một trăm linh bốn",
    105: "một trăm linh năm", 110: "một trăm mười", 111: "một trăm mười một",
    115: "một trăm mười lăm", 121: "một trăm hai mươi mốt", 205: "hai trăm linh năm",
    500: "năm trăm", 505: "năm trăm linh năm", 555: "năm trăm năm mươi lăm",
    999: "chín trăm chín mươi chín",
    1000: "một nghìn", 1001: "một nghìn không trăm linh một",
    1005: "một nghìn không trăm linh năm", 1010: "một nghìn không trăm mười",
    1015: "một nghìn không trăm mười lăm", 1021: "một nghìn không trăm hai mươi mốt",
    1023: "một nghìn không trăm hai mươi ba", 1100: "một nghìn một trăm",
    1105: "một nghìn một trăm linh năm", 2000: "hai nghìn",
    2025: "hai nghìn không trăm hai mươi lăm", 5555: "năm nghìn năm trăm năm mươi lăm",
    9999: "chín nghìn chín trăm chín mươi chín",
    10000: "mười nghìn", 10005: "mười nghìn không trăm linh năm", 15000: "mười lăm nghìn",
    21000: "hai mươi mốt nghìn", 25025: "hai mươi lăm nghìn không trăm hai mươi lăm",
    100000: "một trăm nghìn", 105000: "một trăm linh năm nghìn",
    999999: "chín trăm chín mươi chín nghìn chín trăm chín mươi chín",
    1000000: "một triệu", 1000023: "một triệu không trăm hai mươi ba",
    2005000: "hai triệu không trăm linh năm nghìn",
    15_000_001: "mười lăm triệu không trăm linh một",
}

VI_VARIANTS = {
    (24, ViOptions(four_after_tens="tư")): "hai mươi tư",
    (14, ViOptions(four_after_tens="tư")): "mười bốn",
    (104, ViOptions(four_after_tens="tư")): "một trăm linh bốn",
    (105, ViOptions(empty_tens="lẻ")): "một trăm lẻ năm",
    (1023, ViOptions(thousand="ngàn")): "một ngàn không trăm hai mươi ba",
    (1004, ViOptions("tư", "lẻ", "ngàn")): "một ngàn không trăm lẻ bốn",
}


@pytest.mark.parametrize(("n", "words"), sorted(VI_TABLE.items()))
def test_vietnamese_table(n: int, words: str) -> None:
    assert " ".join(vi_words(n)) == words


@pytest.mark.parametrize(("case", "words"), list(VI_VARIANTS.items()))
def test_vietnamese_regional_variants(case: tuple[int, ViOptions], words: str) -> None:
    n, options = case
    assert " ".join(vi_words(n, options)) == words


# The pattern table: what the last two digits say, by (tens, units) class and context.
# The whole 0–9999 range is checked against it below.
AFTER_MUOI = {0: [], 1: ["mốt"], 4: ["bốn"], 5: ["lăm"]}  # after "mươi"
AFTER_MUOI_HUYEN = {0: [], 5: ["lăm"]}  # after "mười" (11 stays một)


def _tail(tens: int, units: int, after_hundreds: bool) -> list[str]:
    if tens == 0:
        if units == 0:
            return []
        return (["linh"] if after_hundreds else []) + [VI_DIGITS[units]]
    if tens == 1:
        return ["mười"] + AFTER_MUOI_HUYEN.get(units, [VI_DIGITS[units]])
    return [VI_DIGITS[tens], "mươi"] + AFTER_MUOI.get(units, [VI_DIGITS[units]])


def _pattern_words(n: int) -> list[str]:
    thousands, hundreds, tens, units = (int(d) for d in f"{n:04d}")
    if n == 0:
        return ["không"]
    words: list[str] = []
    if thousands:
        words += [VI_DIGITS[thousands], "nghìn"]
    rest = n % 1000
    says_hundreds = hundreds > 0 or (thousands > 0 and rest > 0)
    if says_hundreds:
        words += [VI_DIGITS[hundreds], "trăm"]
    return words + _tail(tens, units, says_hundreds)


def test_every_number_to_9999_follows_the_pattern_table() -> None:
    wrong = [(n, vi_words(n), _pattern_words(n)) for n in range(10_000)
             if vi_words(n) != _pattern_words(n)]
    assert wrong == []


def _parse_vi(words: list[str]) -> int:
    """Read Vietnamese number words back (a reader, not a second speaker)."""
    value = {w: i for i, w in enumerate(VI_DIGITS)} | {"mốt": 1, "tư": 4, "lăm": 5}
    total = group = current = 0
    for word in words:
        if word in value:
            current = value[word]
        elif word == "mười":
            group += 10
        elif word == "mươi":
            group, current = group + current * 10, 0
        elif word == "trăm":
            group, current = group + current * 100, 0
        elif word in ("nghìn", "ngàn"):
            total, group, current = total + (group + current) * 1000, 0, 0
        elif word == "triệu":
            total, group, current = total + (group + current) * 1_000_000, 0, 0
        else:
            assert word in ("linh", "lẻ"), word
    return total + group + current


options_strategy = st.builds(ViOptions, st.sampled_from(["bốn", "tư"]),
                             st.sampled_from(["linh", "lẻ"]), st.sampled_from(["nghìn", "ngàn"]))
numbers = st.integers(min_value=0, max_value=MAX_NUMBER)


@given(numbers, options_strategy)
def test_words_come_from_the_vocabulary_in_nfc(n: int, options: ViOptions) -> None:
    words = vi_words(n, options)
    assert words and set(words) <= VI_VOCABULARY
    for w in words:
        assert w == unicodedata.normalize("NFC", w)
        assert " " not in w


@given(numbers, options_strategy)
def test_words_read_back_to_the_number(n: int, options: ViOptions) -> None:
    assert _parse_vi(vi_words(n, options)) == n


@given(numbers)
def test_contextual_words_only_where_the_rules_allow(n: int) -> None:
    words = vi_words(n)
    pairs = list(zip(words, words[1:], strict=False))
    assert ("mười", "năm") not in pairs  # espeak-ng's mistake: 15 is mười lăm
    assert ("mươi", "năm") not in pairs and ("mươi", "một") not in pairs
    for before, word in pairs:
        if word == "mốt":
            assert before == "mươi"
        if word == "lăm":
            assert before in ("mười", "mươi")
        if word == "linh":
            assert before == "trăm"
    assert words[0] not in ("mốt", "lăm", "linh", "mươi", "trăm", "nghìn", "triệu")
    # the default options never produce the regional alternatives
    assert not {"tư", "lẻ", "ngàn"} & set(words)


@given(numbers, options_strategy)
def test_options_change_only_their_own_words(n: int, options: ViOptions) -> None:
    plain, varied = vi_words(n), vi_words(n, options)
    assert len(plain) == len(varied)
    swaps = {("bốn", options.four_after_tens), ("linh", options.empty_tens),
             ("nghìn", options.thousand)}
    for i, (a, b) in enumerate(zip(plain, varied, strict=True)):
        assert a == b or (a, b) in swaps
        if a == "bốn" and b == "tư":
            assert plain[i - 1] == "mươi"  # tư only replaces a 4 after mươi


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=999))
def test_structure_by_thousands_group(high: int, low: int) -> None:
    """high·1000 + low = words(high) nghìn + the low group said in full (không trăm, linh)."""
    words = vi_words(high * 1000 + low)
    head = vi_words(high) + ["nghìn"]
    assert words[: len(head)] == head
    tail = words[len(head):]
    if low < 100:
        assert tail[:2] == ["không", "trăm"]
        assert tail[2:] == (["linh"] if low < 10 else []) + vi_words(low)
    else:
        assert tail == vi_words(low)


def test_bad_numbers_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="out of range"):
        vi_words(-1)
    with pytest.raises(ValueError, match="out of range"):
        vi_words(MAX_NUMBER + 1)
    with pytest.raises(TypeError):
        vi_words(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vi_words(True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be one of"):
        ViOptions(four_after_tens="bon")  # type: ignore[arg-type]


def test_options_accept_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "tư")
    assert vi_words(24, ViOptions(four_after_tens=decomposed))[-1] == "tư"  # type: ignore


def test_digit_by_digit() -> None:
    assert vi_digit_words("001") == ["không", "không", "một"]
    assert en_digit_words("1023") == ["one", "zero", "two", "three"]
    with pytest.raises(ValueError):
        vi_digit_words("1a")
    with pytest.raises(ValueError):
        en_digit_words("١٢")  # Arabic-Indic digits are digits, but not ours


EN_TABLE = {
    0: "zero", 7: "seven", 13: "thirteen", 20: "twenty", 21: "twenty-one", 99: "ninety-nine",
    100: "one hundred", 105: "one hundred and five", 110: "one hundred and ten",
    1000: "one thousand", 1005: "one thousand and five", 1023: "one thousand and twenty-three",
    1100: "one thousand one hundred", 1234: "one thousand two hundred and thirty-four",
    20_000: "twenty thousand", 100_001: "one hundred thousand and one",
    1_000_023: "one million and twenty-three",
}


@pytest.mark.parametrize(("n", "text"), sorted(EN_TABLE.items()))
def test_english_table(n: int, text: str) -> None:
    assert en_text(en_words(n)) == text


def _parse_en(words: list[str]) -> int:
    small = {w: i for i, w in enumerate(["zero", "one", "two", "three", "four", "five", "six",
                                         "seven", "eight", "nine", "ten", "eleven", "twelve",
                                         "thirteen", "fourteen", "fifteen", "sixteen",
                                         "seventeen", "eighteen", "nineteen"])}
    tens = {w: 10 * i for i, w in enumerate(["", "", "twenty", "thirty", "forty", "fifty",
                                              "sixty", "seventy", "eighty", "ninety"]) if w}
    total = group = 0
    for w in words:
        if w in small:
            group += small[w]
        elif w in tens:
            group += tens[w]
        elif w == "hundred":
            group *= 100
        elif w == "thousand":
            total, group = total + group * 1000, 0
        elif w == "million":
            total, group = total + group * 1_000_000, 0
        else:
            assert w == "and"
    return total + group


@given(numbers)
def test_english_words_read_back_and_stay_in_vocabulary(n: int) -> None:
    words = en_words(n)
    assert set(words) <= EN_VOCABULARY
    assert _parse_en(words) == n
    assert words[0] != "and" and words[-1] != "and"
