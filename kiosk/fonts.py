"""The typeface the kiosk draws with: Be Vietnam Pro, refused if it lacks a Vietnamese letter.

`font_paths()` is the one list of font files the kiosk opens, so the coverage test checks
exactly what the screen uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from common.fonts import checked_font_path

if TYPE_CHECKING:
    import pygame

WEIGHTS = ("Regular", "Medium", "SemiBold", "Bold", "ExtraBold")


def font_paths() -> dict[str, Path]:
    """Every font file the kiosk opens, by weight; raises if one lacks a Vietnamese letter."""
    return {weight: checked_font_path(weight) for weight in WEIGHTS}


class Fonts:
    """pygame fonts by weight and pixel size, opened once."""

    def __init__(self) -> None:
        import pygame

        if not pygame.font.get_init():
            pygame.font.init()
        self.paths = font_paths()
        self._cache: dict[tuple[str, int], pygame.font.Font] = {}

    def get(self, weight: str, px: int) -> pygame.font.Font:
        import pygame

        px = max(8, int(px))
        key = (weight, px)
        font = self._cache.get(key)
        if font is None:
            font = pygame.font.Font(str(self.paths[weight]), px)
            self._cache[key] = font
        return font
