"""Draw a ticket as a picture: what raster mode prints, and what the kiosk shows on screen.

One function, `render_ticket_image`, so screen and paper agree. Text is drawn with the hall
typeface (Be Vietnam Pro, checked to carry every Vietnamese letter), then thresholded to
black and white for the print head, without dithering so the result is the same every time.
"""

from __future__ import annotations

from functools import cache

from PIL import Image, ImageDraw, ImageFont

from contracts.ticket_view import TicketView
from drivers.printer.layout import QR, Block, Feed, Paper, Rule, Text, ticket_layout, wrap

CELL_PX = 24  # font A is 24 dots high; size 1 text is drawn at 24 px
SMALL_PX = 19
MARGIN = 8  # dots kept clear at each side
LINE_GAP = 4
_TALL = "ẤỖỂỸÁ"  # capitals with stacked marks: the line must have room for them


@cache
def _font(weight: str, px: int) -> ImageFont.FreeTypeFont:
    from common.fonts import checked_font_path

    return ImageFont.truetype(str(checked_font_path(weight)), px)


def _style(block: Text) -> tuple[ImageFont.FreeTypeFont, int, int]:
    """Font, ascent and descent (room above and below the baseline) for a text block."""
    if block.small:
        font = _font("Regular", SMALL_PX)
    elif block.size >= 3:
        font = _font("ExtraBold", CELL_PX * block.size)
    else:
        font = _font("Bold" if block.bold else "Regular", CELL_PX * block.size)
    ascent, descent = font.getmetrics()
    top = -font.getbbox(_TALL, anchor="ls")[1]
    return font, max(ascent, top), descent


def _qr_image(data: str, module: int) -> Image.Image:
    import qrcode

    level = qrcode.constants.ERROR_CORRECT_M
    code = qrcode.QRCode(box_size=module, border=2, error_correction=level)
    code.add_data(data)
    code.make(fit=True)
    return code.make_image().get_image().convert("L")


def render_blocks(blocks: list[Block], paper: Paper, *, mono: bool = True) -> Image.Image:
    """Draw layout blocks onto a strip `paper.dots` wide, as tall as they need."""
    width = paper.dots
    usable = width - 2 * MARGIN
    pieces: list[tuple[int, Image.Image | None]] = []  # (height, image or blank)
    for block in blocks:
        if isinstance(block, Text):
            font, ascent, descent = _style(block)
            height = ascent + descent + LINE_GAP
            for line in wrap(block.text, usable, font.getlength):
                img = Image.new("L", (width, height), 255)
                draw = ImageDraw.Draw(img)
                length = font.getlength(line)
                if block.align == "center":
                    x = MARGIN + (usable - length) / 2
                elif block.align == "right":
                    x = MARGIN + usable - length
                else:
                    x = MARGIN
                draw.text((round(x), ascent), line, font=font, fill=0, anchor="ls")
                pieces.append((height, img))
        elif isinstance(block, Rule):
            img = Image.new("L", (width, 12), 255)
            ImageDraw.Draw(img).rectangle((MARGIN, 5, width - MARGIN - 1, 6), fill=0)
            pieces.append((12, img))
        elif isinstance(block, QR):
            qr = _qr_image(block.data, block.module)
            if qr.width > usable:
                side = usable - usable % block.module
                qr = qr.resize((side, side), Image.Resampling.NEAREST)
            img = Image.new("L", (width, qr.height), 255)
            img.paste(qr, ((width - qr.width) // 2, 0))
            pieces.append((qr.height, img))
        elif isinstance(block, Feed):
            pieces.append((CELL_PX * block.lines, None))
    total = MARGIN + sum(h for h, _ in pieces) + MARGIN
    canvas = Image.new("L", (width, total), 255)
    y = MARGIN
    for height, img in pieces:
        if img is not None:
            canvas.paste(img, (0, y))
        y += height
    if not mono:
        return canvas
    return canvas.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)


def render_ticket_image(view: TicketView, width_dots: int = 576, *,
                        mono: bool = True) -> Image.Image:
    """The ticket as an image `width_dots` wide (384 for 58 mm paper, 576 for 80 mm).

    `mono=True` gives the 1-bit image raster mode prints (mode "1"); `mono=False` gives the
    same drawing in grey levels (mode "L"), smoother for a screen.
    """
    if width_dots < 256:
        raise ValueError(f"a ticket needs at least 256 dots across, not {width_dots}")
    paper = Paper(width_dots)
    return render_blocks(ticket_layout(view, paper), paper, mono=mono)
