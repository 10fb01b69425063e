"""Drawing primitives for the kiosk: fitted text, touch buttons, QR codes, pictures.

Sizes are in units of `u` (the short side of the screen / 1080), so one layout serves a
1920x1080 landscape screen, a 1080x1920 portrait one and anything between. Colours are chosen
for contrast (white on deep colours, near-black on near-white: all above 7:1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from kiosk.fonts import Fonts
from kiosk.i18n import nfc

if TYPE_CHECKING:
    from PIL import Image

Color = tuple[int, int, int]

BG: Color = (241, 243, 247)
INK: Color = (17, 24, 39)
MUTED: Color = (55, 65, 81)
WHITE: Color = (255, 255, 255)
HEADER: Color = (153, 17, 27)  # deep red
GOLD: Color = (255, 214, 10)
SERVICE: Color = (11, 61, 145)  # deep blue
SERVICE_INFO: Color = (255, 226, 140)
PRIORITY: Color = (0, 100, 60)  # deep green
SCAN: Color = (84, 38, 130)  # deep purple
DISABLED: Color = (107, 114, 128)
PAPER: Color = (176, 72, 0)  # amber-brown, white text 5.6:1
OFFLINE: Color = (51, 65, 85)  # slate
CLOSED: Color = (23, 37, 84)  # navy
REFUSED: Color = (170, 20, 30)
BUSY: Color = (146, 64, 14)
OUTLINE: Color = (203, 213, 225)


@dataclass
class Layout:
    """Measures for one screen size."""

    width: int
    height: int

    @property
    def u(self) -> float:
        return min(self.width, self.height) / 1080

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    def px(self, units: float) -> int:
        return max(1, round(units * self.u))


class Canvas:
    """A surface to draw one frame on, remembering where each touch target is."""

    def __init__(self, surface: pygame.Surface, fonts: Fonts) -> None:
        self.surface = surface
        self.fonts = fonts
        self.layout = Layout(*surface.get_size())
        self.buttons: dict[str, pygame.Rect] = {}

    @property
    def w(self) -> int:
        return self.layout.width

    @property
    def h(self) -> int:
        return self.layout.height

    def px(self, units: float) -> int:
        return self.layout.px(units)

    # ---- text ----------------------------------------------------------------------------

    def wrap(self, text: str, font: pygame.font.Font, width: int) -> list[str]:
        lines: list[str] = []
        current = ""
        for word in nfc(text).split():
            candidate = f"{current} {word}" if current else word
            if font.size(candidate)[0] <= width or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
        if current:
            lines.append(current)
        return lines or [""]

    def fit(self, text: str, weight: str, size: float, width: int, max_lines: int = 1,
            min_size: float | None = None) -> tuple[pygame.font.Font, list[str]]:
        """The largest font (from `size` units down) that sets `text` in `max_lines` lines."""
        px = self.px(size)
        floor = self.px(min_size if min_size is not None else size * 0.5)
        while True:
            font = self.fonts.get(weight, px)
            lines = self.wrap(text, font, width)
            if (len(lines) <= max_lines and all(font.size(x)[0] <= width for x in lines)) \
                    or px <= floor:
                return font, lines[:max_lines] if px > floor else lines
            px = max(floor, int(px * 0.92))

    def text(self, text: str, weight: str, size: float, color: Color, *,
             x: int, y: int, anchor: str = "topleft") -> pygame.Rect:
        """One line at (x, y); `anchor` is a pygame.Rect attribute (topleft, center, …)."""
        font = self.fonts.get(weight, self.px(size))
        image = font.render(nfc(text), True, color)
        rect = image.get_rect(**{anchor: (x, y)})
        self.surface.blit(image, rect)
        return rect

    def block(self, text: str, weight: str, size: float, color: Color, rect: pygame.Rect, *,
              max_lines: int = 3, align: str = "center", valign: str = "center",
              min_size: float | None = None, spacing: float = 1.0) -> pygame.Rect:
        """Wrapped text fitted into `rect`; returns the area actually used."""
        font, lines = self.fit(text, weight, size, rect.width, max_lines, min_size)
        step = round(font.get_linesize() * spacing)
        total = step * (len(lines) - 1) + font.get_height()
        if valign == "top":
            y = rect.top
        elif valign == "bottom":
            y = rect.bottom - total
        else:
            y = rect.top + (rect.height - total) // 2
        used = pygame.Rect(rect.left, y, 0, total)
        for line in lines:
            image = font.render(line, True, color)
            if align == "left":
                r = image.get_rect(topleft=(rect.left, y))
            elif align == "right":
                r = image.get_rect(topright=(rect.right, y))
            else:
                r = image.get_rect(midtop=(rect.centerx, y))
            self.surface.blit(image, r)
            used.union_ip(r)
            y += step
        return used

    # ---- shapes --------------------------------------------------------------------------

    def panel(self, rect: pygame.Rect, color: Color, *, radius: float = 24,
              shadow: bool = True, border: Color | None = None) -> None:
        r = self.px(radius)
        if shadow:
            offset = self.px(6)
            pygame.draw.rect(self.surface, (200, 205, 214), rect.move(0, offset), border_radius=r)
        pygame.draw.rect(self.surface, color, rect, border_radius=r)
        if border is not None:
            pygame.draw.rect(self.surface, border, rect, width=max(2, self.px(3)),
                             border_radius=r)

    def button(self, target: str, rect: pygame.Rect, color: Color, *, pressed: bool = False,
               enabled: bool = True, radius: float = 24, border: Color | None = None) -> None:
        """A touch target: registered for hit-testing, drawn raised (or pressed)."""
        if enabled:
            self.buttons[target] = rect
        fill = color if enabled else DISABLED
        if pressed:
            fill = tuple(max(0, c - 40) for c in fill)  # type: ignore[assignment]
            self.panel(rect.move(0, self.px(4)), fill, radius=radius, shadow=False,
                       border=border)
        else:
            self.panel(rect, fill, radius=radius, border=border)

    def chevron(self, center: tuple[int, int], size: int, color: Color, *,
                direction: str = "right", width: int | None = None) -> None:
        cx, cy = center
        half = size // 2
        dx = half // 2 if direction == "right" else -(half // 2)
        points = [(cx - dx, cy - half), (cx + dx, cy), (cx - dx, cy + half)]
        pygame.draw.lines(self.surface, color, False, points, width or max(3, size // 6))

    def qr(self, data: str, rect: pygame.Rect, *, dark: Color = INK,
           light: Color = WHITE) -> pygame.Rect:
        """A QR code of `data`, as large as fits in `rect`, with crisp modules."""
        import qrcode

        code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(data)
        code.make(fit=True)
        matrix = code.get_matrix()
        n = len(matrix)
        small = pygame.Surface((n, n))
        small.fill(light)
        for y, row in enumerate(matrix):
            for x, on in enumerate(row):
                if on:
                    small.set_at((x, y), dark)
        module = max(1, min(rect.width, rect.height) // n)
        side = module * n
        image = pygame.transform.scale(small, (side, side))
        out = image.get_rect(center=rect.center)
        self.surface.blit(image, out)
        return out

    def picture(self, image: Image.Image, rect: pygame.Rect) -> pygame.Rect:
        """A Pillow image scaled to fit `rect` (aspect kept), centred at its top."""
        rgb = image.convert("RGB")
        surf = pygame.image.frombytes(rgb.tobytes(), rgb.size, "RGB")
        scale = min(rect.width / rgb.width, rect.height / rgb.height)
        size = (max(1, int(rgb.width * scale)), max(1, int(rgb.height * scale)))
        surf = pygame.transform.smoothscale(surf, size)
        out = surf.get_rect(midtop=rect.midtop)
        self.surface.blit(surf, out)
        return out
