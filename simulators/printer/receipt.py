"""What came out of the simulated printer: the elements of a receipt, as text and as a picture.

The text dump is for tests and technicians (text lines decoded to Unicode NFC, images and
codes as bracketed notes); the picture is the receipt at the printer's dot width, with
raster images placed as they are and text drawn in the hall typeface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from PIL import Image, ImageDraw, ImageFont

DEFAULT_LINE_DOTS = 30  # ESC 2: 1/6 inch at 180 dpi-ish heads; what Epson 203 dpi units use


@dataclass(frozen=True)
class Style:
    font_b: bool = False
    bold: bool = False
    underline: int = 0
    width: int = 1
    height: int = 1


@dataclass
class Line:
    """One printed text line: runs of (text, style) and the justification it started with."""

    runs: list[tuple[str, Style]] = field(default_factory=list)
    align: int = 0  # 0 left, 1 center, 2 right
    spacing: int = DEFAULT_LINE_DOTS

    @property
    def text(self) -> str:
        import unicodedata

        return unicodedata.normalize("NFC", "".join(t for t, _ in self.runs))


@dataclass
class Raster:
    image: Image.Image  # mode "1", black = printed
    align: int = 0


@dataclass
class QRCode:
    data: bytes
    module: int = 3
    ec: str = "L"
    align: int = 0


@dataclass
class Barcode:
    kind: int
    data: bytes
    height: int = 162
    align: int = 0


@dataclass
class Feed:
    dots: int


@dataclass
class Note:
    """Something received that the simulator does not draw (kept so a dump shows it)."""

    text: str


Element = Line | Raster | QRCode | Barcode | Feed | Note


@cache
def _font(bold: bool, px: int) -> ImageFont.FreeTypeFont:
    from common.fonts import checked_font_path

    return ImageFont.truetype(str(checked_font_path("Bold" if bold else "Regular")), px)


def _x(align: int, dots: int, width: float) -> int:
    if align == 1:
        return max(0, round((dots - width) / 2))
    if align == 2:
        return max(0, round(dots - width))
    return 0


@dataclass
class Receipt:
    """Everything printed between two cuts."""

    dots: int
    elements: list[Element] = field(default_factory=list)
    cut: bool = False

    def text(self) -> str:
        """The dump: one line per text line, images and codes as [notes]."""
        out: list[str] = []
        for el in self.elements:
            if isinstance(el, Line):
                out.append(el.text)
            elif isinstance(el, Raster):
                out.append(f"[raster {el.image.width}x{el.image.height}]")
            elif isinstance(el, QRCode):
                data = el.data.decode("utf-8", "replace")
                out.append(f"[QR module={el.module} ec={el.ec}: {data}]")
            elif isinstance(el, Barcode):
                out.append(f"[barcode {el.kind}: {el.data.decode('latin-1')}]")
            elif isinstance(el, Note):
                out.append(f"[{el.text}]")
        return "\n".join(out) + ("\n" if out else "")

    def lines(self) -> list[str]:
        return [el.text for el in self.elements if isinstance(el, Line)]

    def rasters(self) -> list[Image.Image]:
        return [el.image for el in self.elements if isinstance(el, Raster)]

    def raster_image(self) -> Image.Image | None:
        """The raster fragments stacked, as one image (None when there are none)."""
        parts = self.rasters()
        if not parts:
            return None
        width = max(p.width for p in parts)
        out = Image.new("1", (width, sum(p.height for p in parts)), 1)
        y = 0
        for p in parts:
            out.paste(p, (0, y))
            y += p.height
        return out

    def render(self) -> Image.Image:
        """The receipt as a 1-bit picture at the printer's dot width."""
        pieces: list[tuple[int, Image.Image | None, int]] = []
        for el in self.elements:
            if isinstance(el, Raster):
                pieces.append((el.image.height, el.image, _x(el.align, self.dots, el.image.width)))
            elif isinstance(el, Line):
                pieces.append(self._line_piece(el))
            elif isinstance(el, QRCode):
                img = _qr(el)
                if img is not None:
                    pieces.append((img.height, img, _x(el.align, self.dots, img.width)))
            elif isinstance(el, Barcode):
                img = _barcode_placeholder(el, self.dots)
                pieces.append((img.height, img, _x(el.align, self.dots, img.width)))
            elif isinstance(el, Feed):
                pieces.append((el.dots, None, 0))
        height = max(1, sum(h for h, _, _ in pieces))
        canvas = Image.new("1", (self.dots, height), 1)
        y = 0
        for h, img, x in pieces:
            if img is not None:
                canvas.paste(img.convert("1"), (x, y))
            y += h
        return canvas

    def _line_piece(self, line: Line) -> tuple[int, Image.Image | None, int]:
        tall = max((s.height for _, s in line.runs), default=1)
        cell = 24 * tall
        height = max(line.spacing, cell + max(0, line.spacing - 24))
        img = Image.new("L", (self.dots, height), 255)
        draw = ImageDraw.Draw(img)
        runs = []
        for text, style in line.runs:
            px = (17 if style.font_b else 24) * min(style.width, style.height)
            font = _font(style.bold, max(6, px - 4))
            runs.append((text, font, font.getlength(text), style))
        total = sum(length for _, _, length, _ in runs)
        x = float(_x(line.align, self.dots, total))
        baseline = cell - 4
        for text, font, length, style in runs:
            draw.text((x, baseline), text, font=font, fill=0, anchor="ls")
            if style.underline:
                draw.line((x, baseline + 2, x + length, baseline + 2), fill=0,
                          width=style.underline)
            x += length
        return height, img.point(lambda v: 255 if v >= 128 else 0).convert("1"), 0


def _qr(el: QRCode) -> Image.Image | None:
    import qrcode

    levels = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M,
              "Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
    try:
        code = qrcode.QRCode(box_size=max(1, el.module), border=0,
                             error_correction=levels.get(el.ec, levels["L"]))
        code.add_data(el.data)
        code.make(fit=True)
        return code.make_image().get_image().convert("1")
    except (ValueError, qrcode.exceptions.DataOverflowError):
        return None


def _barcode_placeholder(el: Barcode, dots: int) -> Image.Image:
    """A box with the human-readable text: enough to see where a barcode went."""
    height = max(24, min(el.height, 255)) + 24
    img = Image.new("L", (min(dots, 360), height), 255)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, img.width - 1, height - 25), outline=0, width=2)
    draw.text((4, height - 2), el.data.decode("latin-1"), font=_font(False, 18), fill=0,
              anchor="ls")
    return img.convert("1")
