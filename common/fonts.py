"""The typeface every screen and paper ticket uses, and proof that it carries Vietnamese.

Be Vietnam Pro (OFL) comes from PyPI (`fontpkg-be-vietnam-pro`), so the project's own install
provides it; DejaVu Sans from Debian is the fallback. pygame's `Font.metrics()` does not reveal
a missing glyph, so coverage is checked against the font's character map with fontTools.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

_BASE = "aăâeêioôơuưy"
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # huyền, sắc, ngã, hỏi, nặng


def _all_letters() -> str:
    letters = set("đĐ")
    for base in _BASE + _BASE.upper():
        letters.add(base)
        for tone in _TONES:
            letters.add(unicodedata.normalize("NFC", base + tone))
    return "".join(sorted(letters))


VIETNAMESE_LETTERS: str = _all_letters()
"""All 146: the 12 vowels in both cases, each plain and with the 5 tones (144), and đ/Đ."""

_FALLBACKS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans{suffix}.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-{weight}.ttf",
)


def font_path(weight: str = "Regular") -> Path:
    """Path of the hall typeface at `weight` (Regular, Medium, SemiBold, Bold, ExtraBold…)."""
    try:
        import fontpkg_be_vietnam_pro as pkg

        path = Path(pkg.__file__).parent / "files" / f"BeVietnamPro-{weight}.ttf"
        if path.exists():
            return path
    except ImportError:
        pass
    suffix = "-Bold" if weight in ("Bold", "ExtraBold", "Black", "SemiBold") else ""
    for pattern in _FALLBACKS:
        path = Path(pattern.format(suffix=suffix, weight=weight))
        if path.exists():
            return path
    raise FileNotFoundError(
        "no font with Vietnamese letters found: install the project (pip install -e .) for "
        "Be Vietnam Pro, or Debian's fonts-dejavu-core"
    )


@cache
def missing_letters(path: Path, letters: str = VIETNAMESE_LETTERS) -> str:
    """The letters of `letters` that the font at `path` has no glyph for ("" when complete)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(path), lazy=True) as font:
        cmap = font.getBestCmap()
    return "".join(ch for ch in letters if ord(ch) not in cmap)


def checked_font_path(weight: str = "Regular") -> Path:
    """`font_path`, refusing a font that would draw boxes for Vietnamese letters."""
    path = font_path(weight)
    missing = missing_letters(path)
    if missing:
        raise RuntimeError(f"font {path} lacks Vietnamese letters: {missing}")
    return path
