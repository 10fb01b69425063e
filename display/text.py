"""Text on the board: the hall typeface at any size, fitted to a box, rendered once and cached.

The board redraws 30 times a second; rendering text is the costly part, so surfaces are cached
by (text, weight, size, colour) and fonts by (weight, size). Text is NFC-normalised first: a
decomposed "ờ" from a database would otherwise draw its tone mark as a separate box.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import pygame

from common.fonts import checked_font_path

Color = tuple[int, int, int]

_MAX_CACHED = 4000
_BREAK_BEFORE = frozenset({"và", "—", "–", "-", "&"})  # where a name may break onto a second line


@cache
def _font_path(weight: str) -> Path:
    return checked_font_path(weight)


class Typeface:
    """Fonts and rendered text of one family, cached."""

    def __init__(self) -> None:
        self._fonts: dict[tuple[str, int], pygame.font.Font] = {}
        self._surfaces: dict[tuple[str, str, int, Color], pygame.Surface] = {}
        self._fits: dict[tuple[str, str, int, int, int], int] = {}

    def font(self, weight: str, size: int) -> pygame.font.Font:
        key = (weight, max(6, int(size)))
        font = self._fonts.get(key)
        if font is None:
            font = pygame.font.Font(str(_font_path(weight)), key[1])
            self._fonts[key] = font
        return font

    def render(self, text: str, weight: str, size: int, color: Color) -> pygame.Surface:
        text = unicodedata.normalize("NFC", text)
        key = (text, weight, int(size), color)
        surface = self._surfaces.get(key)
        if surface is None:
            if len(self._surfaces) > _MAX_CACHED:
                self._surfaces.clear()
            surface = self.font(weight, size).render(text, True, color)
            self._surfaces[key] = surface
        return surface

    def measure(self, text: str, weight: str, size: int) -> tuple[int, int]:
        return self.font(weight, size).size(unicodedata.normalize("NFC", text))

    def fit(self, text: str, weight: str, width: int, height: int, *, max_size: int = 0) -> int:
        """The largest size at which `text` fits in width × height (at least 6)."""
        limit = max_size or height
        key = (unicodedata.normalize("NFC", text), weight, width, height, limit)
        found = self._fits.get(key)
        if found is not None:
            return found
        lo, hi = 6, max(6, int(limit))
        while lo < hi:
            mid = (lo + hi + 1) // 2
            w, h = self.measure(text, weight, mid)
            if w <= width and h <= height:
                lo = mid
            else:
                hi = mid - 1
        if len(self._fits) > _MAX_CACHED:
            self._fits.clear()
        self._fits[key] = lo
        return lo

    def wrap(self, text: str, weight: str, size: int, width: float,
             max_lines: int = 2) -> tuple[str, ...] | None:
        """`text` broken at spaces into at most `max_lines` lines each `width` wide at `size`,
        or None when it does not fit. Never cuts a word: a name on the board is read whole."""
        words = unicodedata.normalize("NFC", text).split()
        if not words:
            return ("",)
        lines: list[str] = []
        line = ""
        for word in words:
            trial = f"{line} {word}" if line else word
            if self.measure(trial, weight, size)[0] <= width:
                line = trial
                continue
            if not line or self.measure(word, weight, size)[0] > width:
                return None  # one word wider than the line
            lines.append(line)
            line = word
        lines.append(line)
        if len(lines) > max_lines:
            return None
        if len(lines) == 2:
            return self._two_lines(words, weight, size, width) or tuple(lines)
        return tuple(lines)

    def _two_lines(self, words: list[str], weight: str, size: int,
                   width: float) -> tuple[str, str] | None:
        """The best break of a name in two: at a phrase boundary (after a comma, around a
        dash, before "và") so that a word of two syllables ("Thể thao") stays together, and
        the most even one among those: "Lao động — Thương binh / và Xã hội"."""
        splits = []
        for i in range(1, len(words)):
            a, b = " ".join(words[:i]), " ".join(words[i:])
            wide = max(self.measure(a, weight, size)[0], self.measure(b, weight, size)[0])
            if wide > width:
                continue
            boundary = (words[i - 1].endswith((",", ";", ":")) or words[i] in _BREAK_BEFORE
                        or (words[i - 1] in _BREAK_BEFORE and words[i - 1] != "và"))
            splits.append((not boundary, wide, (a, b)))
        return min(splits)[2] if splits else None
