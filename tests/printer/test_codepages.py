"""Every Vietnamese letter survives each text-mode code page, through the simulator's decoder."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest

from common.fonts import VIETNAMESE_LETTERS
from drivers.printer.codepages import CP1258, TCVN3, codepage_for, decoding_table, split_tone
from simulators.printer.decoder import EscPosDecoder
from simulators.printer.device import code_page_tables
from simulators.printer.receipt import Line
from tests.printer.conftest import VISCII_TABLE

CODEPAGES = {
    "tcvn3": lambda: codepage_for("tcvn3"),
    "cp1258": lambda: codepage_for("cp1258"),
    "viscii": lambda: codepage_for("viscii", tables=(VISCII_TABLE,)),
}


def decode_lines(data: bytes) -> list[str]:
    """Feed bytes to the simulator's decoder and return the printed text lines."""
    lines: list[str] = []
    tables = code_page_tables(None, {VISCII_TABLE: "VISCII"})
    decoder = EscPosDecoder(576, tables, lambda el: lines.append(el.text)
                            if isinstance(el, Line) else None, lambda: None, lambda n: None)
    decoder.feed(data)
    decoder.flush()
    return lines


def print_line(codepage, text: str) -> bytes:
    return b"\x1b@" + codepage.select() + codepage.encode(text).data + b"\n"


def test_there_are_146_letters() -> None:
    assert len(VIETNAMESE_LETTERS) == 146
    assert all(unicodedata.is_normalized("NFC", ch) for ch in VIETNAMESE_LETTERS)


@pytest.mark.parametrize("key", list(CODEPAGES))
def test_every_letter_round_trips_one_by_one(key: str) -> None:
    codepage = CODEPAGES[key]()
    wrong = {}
    for letter in VIETNAMESE_LETTERS:
        got = decode_lines(print_line(codepage, letter))
        if got != [letter]:
            wrong[letter] = got
    assert not wrong, f"{key}: letters that come back wrong: {wrong}"


@pytest.mark.parametrize("key", list(CODEPAGES))
def test_all_letters_in_one_line_round_trip(key: str) -> None:
    """Mixed case in one line: TCVN-3 switches tables mid-line and must switch back."""
    codepage = CODEPAGES[key]()
    text = " ".join(VIETNAMESE_LETTERS) + " Ấp Đông — 'Ờ' ở đây"
    expected = text if key == "cp1258" else text.replace("—", "-")
    assert decode_lines(print_line(codepage, text)) == [expected]


@pytest.mark.parametrize("key", list(CODEPAGES))
def test_encoded_text_leaves_the_base_table_selected(key: str) -> None:
    codepage = CODEPAGES[key]()
    data = codepage.encode("ĐƯỜNG LÊ LỢI").data
    last_select = data.rfind(b"\x1bt")
    if last_select >= 0:
        assert data[last_select + 2] == codepage.tables[0]


def test_tcvn3_switches_to_the_capitals_table_for_capitals_with_marks() -> None:
    codepage = codepage_for("tcvn3")
    assert codepage.tables == (30, 31)
    data = codepage.encode("Hà NỘI").data
    # Ộ is 0xE9 in the capitals' table; ASCII prints the same in both, so no switch for "I"
    assert data == b"H\xb5 N\x1bt\x1f\xe9I\x1bt\x1e"


def test_cp1258_splits_only_the_tone_mark() -> None:
    """Python's codec refuses "ờ"; the encoder sends ơ (precomposed) + combining grave."""
    with pytest.raises(UnicodeEncodeError):
        "ờ".encode("cp1258")
    codepage = codepage_for("cp1258")
    assert codepage.encode("ờ").data == "ơ".encode("cp1258") + "\u0300".encode("cp1258")
    assert codepage.encode("Ẫ").data == "Â".encode("cp1258") + "\u0303".encode("cp1258")
    assert codepage.encode("á").data == "á".encode("cp1258")  # precomposed in CP1258: kept
    assert split_tone("ự") == ("ư", "\u0323")
    assert split_tone("ô") == ("ô", "")


def test_cp1258_uses_the_profile_numbers() -> None:
    assert codepage_for("cp1258").tables == (52,)  # Epson-like default profile
    assert codepage_for("cp1258", profile="POS-5890").tables[0] in (27, 94)
    assert codepage_for("cp1258", profile="RP326").tables == (35,)


def test_viscii_needs_a_table_number() -> None:
    with pytest.raises(ValueError, match="self-test page"):
        codepage_for("viscii")
    with pytest.raises(ValueError, match="unknown code page"):
        codepage_for("utf8")


def test_characters_a_code_page_lacks_become_readable_ascii() -> None:
    codepage = codepage_for("tcvn3")
    text = "“Hộ tịch” — 5 phút…"
    assert decode_lines(print_line(codepage, text)) == ['"Hộ tịch" - 5 phút...']
    assert decode_lines(print_line(codepage, "中文")) == ["??"]


def _iconv(encoding: str, byte: int) -> str | None:
    done = subprocess.run(["iconv", "-f", encoding, "-t", "UTF-8"], input=bytes([byte]),
                          capture_output=True, check=False)
    return done.stdout.decode() if done.returncode == 0 and done.stdout else None


@pytest.mark.skipif(shutil.which("iconv") is None, reason="glibc iconv is not installed")
def test_viscii_table_matches_glibc() -> None:
    table = decoding_table("VISCII")
    for byte in [*range(0x80, 0x100), 0x02, 0x05, 0x06, 0x14, 0x19, 0x1E]:
        assert table[byte] == _iconv("VISCII", byte), hex(byte)


@pytest.mark.skipif(shutil.which("iconv") is None, reason="glibc iconv is not installed")
def test_tcvn3_tables_match_glibc() -> None:
    """Lowercase table = TCVN 5712; the capitals' table puts each capital on its lowercase code."""
    lower, upper = decoding_table(TCVN3.encodings[0]), decoding_table(TCVN3.encodings[1])
    for byte in range(0x80, 0x100):
        ref = _iconv("TCVN5712-1", byte)
        if lower[byte] is not None:
            assert lower[byte] == ref, hex(byte)
        if upper[byte] is not None and upper[byte] not in "ĂÂĐ":
            assert ref is not None and upper[byte] == ref.upper(), hex(byte)


def test_cp1258_class_covers_letters_only_via_its_table() -> None:
    assert CP1258.encodings == ("CP1258",)
    assert decoding_table("CP1258")[0xCC] == "\u0300"
