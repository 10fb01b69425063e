"""Vietnamese code pages for ESC/POS text mode: encoders for the driver, tables for decoders.

Three single-byte code pages carry Vietnamese on thermal printers:

- TCVN-3 (TCVN 5712 VN3): Epson-style firmware has two tables, ESC t 30 with the lowercase
  letters and ESC t 31 with the capitals at the same codes, so the encoder switches tables
  in the middle of a line when a capital with a tone mark comes.
- CP1258 (Windows Vietnamese): only some letters are precomposed; the others are written as
  a base letter (ô, ơ, ư, ă, â, ê stay precomposed) followed by a combining tone mark.
  Python's `cp1258` codec refuses "ờ", so the tone mark is split off by hand here.
- VISCII (RFC 1456): every letter precomposed; six rare capitals (Ẳ Ẵ Ẫ Ỷ Ỹ Ỵ) sit on C0
  control codes, which no ESC/POS command starts with, so they are sent as they are.

The TCVN-3 tables come from python-escpos's printer database; VISCII is RFC 1456 (checked
against glibc's iconv by the tests). Characters a code page lacks (— “ ” …) become their
closest ASCII so the line still reads, never a crash.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

ESC_T = b"\x1bt"

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng

# VISCII 0x80..0xFF (RFC 1456), and the six capitals it puts on C0 control codes.
_VISCII_HIGH = (
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲÕắằặấầẩậẽẹếềểễệốồổỗỠƠộờởịỰỨỪỬơớƯÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳĐứÒÓÔạỷừửÙÚỹỵÝỡư"
    "àáâãảăữẫèéêẻìíĩỉđựòóôõỏọụùúũủýợỮ"
)
_VISCII_C0 = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}

# What to print for characters a code page lacks: the closest ASCII, so the text still reads.
_FALLBACK = {
    "\u2014": "-", "\u2013": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2026": "...", "\u00a0": " ",
    "\u2022": "*", "\u00b7": ".", "\u2116": "No", "\u20ab": "d", "\u00d7": "x",
}

# Encodings named as in python-escpos's capabilities database, plus VISCII.
ENCODINGS = ("TCVN-3-1", "TCVN-3-2", "CP1258", "VISCII")


@cache
def decoding_table(encoding: str) -> tuple[str | None, ...]:
    """256 entries: the character each byte prints in `encoding` (None: not a character).

    Works for VISCII and every encoding python-escpos knows (its `data` tables or a Python
    codec), so the simulator can decode whichever table ESC t selects.
    """
    table: list[str | None] = [chr(b) if 0x20 <= b < 0x7F else None for b in range(256)]
    if encoding == "VISCII":
        for i, ch in enumerate(_VISCII_HIGH):
            table[0x80 + i] = ch
        for code, ch in _VISCII_C0.items():
            table[code] = ch
        return tuple(table)
    from escpos.capabilities import CAPABILITIES

    spec = CAPABILITIES["encodings"].get(encoding)
    if spec is None:
        raise KeyError(f"unknown code page {encoding!r}")
    if "data" in spec:
        high = "".join(spec["data"])
        for i, ch in enumerate(high[:128]):
            if ch != " ":
                # The database writes Đ as Ð (U+00D0, Icelandic eth); a printer prints Đ.
                table[0x80 + i] = "\u0110" if ch == "\u00d0" else ch
        return tuple(table)
    codec = spec.get("python_encode")
    if not codec:
        raise KeyError(f"code page {encoding!r} has no table or codec to decode with")
    for b in range(0x80, 0x100):
        try:
            ch = bytes([b]).decode(codec)
        except UnicodeDecodeError:
            continue
        if ch.isprintable() or unicodedata.combining(ch):
            table[b] = ch
    return tuple(table)


@dataclass(frozen=True)
class Encoded:
    """Bytes for one run of text, and how many character cells it takes on paper."""

    data: bytes
    cells: int


def split_tone(ch: str) -> tuple[str, str]:
    """("ờ") -> ("ơ", U+0300): the letter without its tone mark (NFC) and the tone mark."""
    decomposed = unicodedata.normalize("NFD", ch)
    tones = "".join(c for c in decomposed if c in TONE_MARKS)
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    return base, tones


def _ascii_fallback(ch: str) -> str:
    if ch in _FALLBACK:
        return _FALLBACK[ch]
    stripped = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    if stripped == "\u0111":
        return "d"
    if stripped == "\u0110":
        return "D"
    return stripped if stripped.isascii() and stripped.isprintable() else "?"


class CodePage:
    """A Vietnamese text code page bound to the ESC t numbers of one printer."""

    key = ""
    label = ""
    encodings: tuple[str, ...] = ()

    def __init__(self, tables: tuple[int, ...]) -> None:
        if len(tables) != len(self.encodings):
            raise ValueError(f"{self.label} needs {len(self.encodings)} ESC t numbers")
        self.tables = tables
        self._map: dict[str, tuple[int, int]] = {}
        for page, encoding in enumerate(self.encodings):
            for byte, ch in enumerate(decoding_table(encoding)):
                if ch is not None and not 0x20 <= byte < 0x7F:
                    self._map.setdefault(ch, (page, byte))

    def select(self) -> bytes:
        """The command that selects this code page's base table."""
        return ESC_T + bytes([self.tables[0]])

    def _char(self, ch: str) -> list[tuple[int | None, int]]:
        """(table index or None for any table, byte) for one NFC character."""
        if 0x20 <= ord(ch) < 0x7F:
            return [(None, ord(ch))]
        if ch in self._map:
            return [self._map[ch]]
        return [(None, ord(c)) for c in _ascii_fallback(ch)]

    def encode(self, text: str) -> Encoded:
        """Bytes for `text` (one line, no LF), assuming and leaving the base table selected."""
        out = bytearray()
        cells = 0
        current = 0
        for ch in unicodedata.normalize("NFC", text):
            if ch in "\r\n\t":
                ch = " "
            for page, byte in self._char(ch):
                if page is not None and page != current:
                    out += ESC_T + bytes([self.tables[page]])
                    current = page
                out.append(byte)
                cells += 1
        if current != 0:
            out += ESC_T + bytes([self.tables[0]])
        return Encoded(bytes(out), cells)


class TCVN3(CodePage):
    key = "tcvn3"
    label = "TCVN-3"
    encodings = ("TCVN-3-1", "TCVN-3-2")


class VISCII(CodePage):
    key = "viscii"
    label = "VISCII"
    encodings = ("VISCII",)


class CP1258(CodePage):
    key = "cp1258"
    label = "CP1258"
    encodings = ("CP1258",)

    def _char(self, ch: str) -> list[tuple[int | None, int]]:
        if 0x20 <= ord(ch) < 0x7F:
            return [(None, ord(ch))]
        if ch in self._map:
            return [self._map[ch]]
        base, tones = split_tone(ch)
        if tones and base in self._map and all(t in self._map for t in tones):
            return [self._map[base]] + [self._map[t] for t in tones]
        if tones and len(base) == 1 and 0x20 <= ord(base) < 0x7F and all(
            t in self._map for t in tones
        ):
            return [(None, ord(base))] + [self._map[t] for t in tones]
        return [(None, ord(c)) for c in _ascii_fallback(ch)]


CODEPAGES: dict[str, type[CodePage]] = {cls.key: cls for cls in (TCVN3, CP1258, VISCII)}


def codepage_for(key: str, profile: str | None = None,
                 tables: tuple[int, ...] | None = None) -> CodePage:
    """The code page `key` (tcvn3, cp1258, viscii) with ESC t numbers for a printer.

    The numbers come from `tables` when given (read them off the printer's self-test page),
    else from the python-escpos profile's code page list. A printer whose profile lists no
    such table gets a message saying how to give the number.
    """
    cls = CODEPAGES.get(key.lower())
    if cls is None:
        raise ValueError(f"unknown code page {key!r}: choose one of {', '.join(CODEPAGES)}")
    if tables:
        tables = tuple(tables)
        if cls is TCVN3 and len(tables) == 1:
            tables = (tables[0], tables[0] + 1)  # Epson numbers the capitals' table next
        return cls(tables)
    from escpos.capabilities import get_profile

    prof = get_profile(profile)
    listed = {name: int(n) for n, name in prof.codePages.items() if str(n).isdigit()}
    found = tuple(listed.get(enc, -1) for enc in cls.encodings)
    if -1 in found:
        raise ValueError(
            f"printer profile {profile or 'default'!r} lists no {cls.label} table; give its "
            f"ESC t number from the printer's self-test page (codepage_table, or "
            f"--codepage-table N)"
        )
    return cls(found)
