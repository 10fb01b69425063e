"""Where there is no screen (a server, CI, the demo over SSH), a pygame app running live can
still be looked at: it saves its screen to a PNG every few seconds."""

from __future__ import annotations

import time
from pathlib import Path


class PeriodicShots:
    """`maybe(surface)` after each frame: writes DIR/NAME.png (the latest) at most every
    `every_s` seconds, atomically, so a viewer never opens half a file."""

    def __init__(self, folder: Path, name: str, every_s: float = 2.0) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / f"{name}.png"
        self.every_s = every_s
        self._last = 0.0
        self.saved = 0

    def maybe(self, surface) -> None:
        now = time.monotonic()
        if now - self._last < self.every_s:
            return
        import pygame

        self._last = now
        tmp = self.path.with_suffix(".tmp.png")
        pygame.image.save(surface, str(tmp))
        tmp.replace(self.path)
        self.saved += 1
