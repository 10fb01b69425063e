"""Draw simulated devices as PNG-ready Pillow images: LED dot matrices, keypads, rating boxes.

The dot matrix is drawn on a fixed grid, so `read_rows` can read a rendered panel back into
text: tests use it to prove the picture shows what the device was told.
"""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from simulators.bus.font5x7 import HEIGHT, WIDTH, char_of, glyph

PITCH = 6
RADIUS = 2
MARGIN = 10
CELL = WIDTH + 1  # dots a character takes, with its gap
ROW = HEIGHT + 3
UNLIT = (45, 12, 8)
BACKGROUND = (12, 12, 12)


def lit_colour(brightness: int) -> tuple[int, int, int]:
    k = 0.35 + 0.65 * max(0, min(brightness, 15)) / 15
    return (int(255 * k), int(48 * k), int(16 * k))


def matrix_size(cells: int, rows: int) -> tuple[int, int]:
    return (2 * MARGIN + (cells * CELL - 1) * PITCH, 2 * MARGIN + (rows * ROW - 3) * PITCH)


def _dot_centre(row: int, cell: int, y: int, x: int) -> tuple[int, int]:
    return (MARGIN + (cell * CELL + x) * PITCH + PITCH // 2,
            MARGIN + (row * ROW + y) * PITCH + PITCH // 2)


def draw_matrix(rows: Sequence[str], cells: int, brightness: int = 8,
                dark: Sequence[bool] = ()) -> Image.Image:
    """`rows` of at most `cells` characters; a row whose `dark` flag is set is all unlit."""
    image = Image.new("RGB", matrix_size(cells, len(rows)), BACKGROUND)
    draw = ImageDraw.Draw(image)
    on = lit_colour(brightness)
    for r, text in enumerate(rows):
        off_row = r < len(dark) and dark[r]
        for c in range(cells):
            g = glyph(text[c] if c < len(text) else " ")
            for y in range(HEIGHT):
                for x in range(WIDTH):
                    cx, cy = _dot_centre(r, c, y, x)
                    colour = on if g[y][x] and not off_row else UNLIT
                    draw.ellipse((cx - RADIUS, cy - RADIUS, cx + RADIUS, cy + RADIUS),
                                 fill=colour)
    return image


def read_rows(image: Image.Image, rows: int, cells: int) -> list[str]:
    """Read a `draw_matrix` image back into text ('?' for a cell that is no known glyph)."""
    rgb = image.convert("RGB")
    threshold = (UNLIT[0] + lit_colour(0)[0]) // 2
    out = []
    for r in range(rows):
        text = ""
        for c in range(cells):
            dots = tuple(
                tuple(rgb.getpixel(_dot_centre(r, c, y, x))[0] > threshold for x in range(WIDTH))
                for y in range(HEIGHT)
            )
            text += char_of(dots) or "?"
        out.append(text)
    return out


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        from common.fonts import font_path

        return ImageFont.truetype(str(font_path("SemiBold")), size)
    except (ImportError, OSError):
        return ImageFont.load_default()


def with_caption(image: Image.Image, caption: str) -> Image.Image:
    """`image` with a line of text under it (device, address, blink state)."""
    font = _font(14)
    out = Image.new("RGB", (max(image.width, 240), image.height + 24), BACKGROUND)
    out.paste(image, (0, 0))
    ImageDraw.Draw(out).text((MARGIN, image.height + 3), caption, fill=(200, 200, 200),
                             font=font)
    return out


def draw_buttons(labels: Sequence[str], lit: int | None = None, led: bool | None = None,
                 columns: int = 3) -> Image.Image:
    """A keypad face: rounded keys with their labels; `lit` is the last key pressed; `led`
    draws the rating box's lamp (green while the visit can be rated)."""
    font = _font(16)
    w, h, gap = 150, 56, 10
    rows = (len(labels) + columns - 1) // columns
    top = 40 if led is not None else 0
    image = Image.new("RGB", (gap + columns * (w + gap), top + gap + rows * (h + gap)),
                      (40, 44, 52))
    draw = ImageDraw.Draw(image)
    if led is not None:
        draw.ellipse((gap, 10, gap + 20, 30), fill=(40, 220, 90) if led else (30, 60, 40))
        draw.text((gap + 30, 10), "Mời đánh giá" if led else "", fill=(230, 230, 230), font=font)
    for i, label in enumerate(labels):
        x = gap + (i % columns) * (w + gap)
        y = top + gap + (i // columns) * (h + gap)
        fill = (250, 200, 60) if i == lit else (220, 224, 230)
        draw.rounded_rectangle((x, y, x + w, y + h), radius=10, fill=fill)
        draw.text((x + w / 2, y + h / 2), label, fill=(20, 20, 20), font=font, anchor="mm")
    return image
