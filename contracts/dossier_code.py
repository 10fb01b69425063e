"""One dossier code, one spelling: how every way in reads a code before it is matched or stored.

A hall's pattern written with `\\d` (the old default did) lets Python's `re` take any Unicode
decimal digit: `000.00.31.H12-２５０７０１-０００１` (full-width), `𝟎𝟎𝟎…` (mathematical),
`٠٠٠…` (Arabic-Indic) and `०००…` (Devanagari) all matched, were stored as typed, and one
dossier was counted once per spelling. So a code is first brought to one form, then matched
with `re.ASCII` (`\\d` is `[0-9]` there):

1. NFKC: full-width letters and digits, mathematical digits, superscripts, circled digits and
   the no-break space become their plain forms;
2. any other decimal digit (Arabic-Indic, Devanagari, …: NFKC keeps them) becomes its ASCII
   digit, by its Unicode value;
3. surrounding white space and zero-width marks go; letters are upper-cased (codes are
   case-insensitive: receipts print them upper-case, officers type either).

Anything that is still not ASCII then fails the pattern, and the refusal names the character.
The panel's `normaliseCode` (counter_panel/web/static/common.js) does the same steps.
"""

from __future__ import annotations

import re
import unicodedata

_EDGES = " \t\r\n\u200b\u200c\u200d\u2060\ufeff"


def _ascii_digit(ch: str) -> str:
    if ch.isascii() or not ch.isdecimal():
        return ch
    return str(unicodedata.decimal(ch))


def normalise_dossier_code(raw: str) -> str:
    """The one spelling of a typed or scanned code (see the module's steps 1–3)."""
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(_ascii_digit(ch) for ch in text)
    return text.strip(_EDGES).upper()


def fits_pattern(pattern: str, code: str) -> bool:
    """Whether an already normalised code fits the hall's pattern, digits meaning 0–9 only."""
    return re.fullmatch(pattern, code, re.ASCII) is not None


def stray_character(code: str) -> str | None:
    """The first character of a normalised code that no pattern of ASCII codes can take, to
    name it in the refusal (None when all are ASCII)."""
    return next((ch for ch in code if not ch.isascii()), None)
