"""The ticket's layout, decided once: which lines, in which size, in which order.

Both renderers read this list: the raster one (Pillow, any printer, also the kiosk screen)
and the text one (ESC/POS text with a Vietnamese code page). Sizes are ESC/POS character
size multipliers (1 = the 12x24-dot font A); the raster renderer maps them to pixel sizes.
Word wrapping is left to each renderer, since a proportional font and fixed cells break
lines at different places.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from contracts.ticket_view import TicketView

Align = Literal["left", "center", "right"]

FONT_A_DOTS = 12  # font A cell is 12 x 24 dots
FONT_B_DOTS = 9  # font B cell is 9 x 17 dots
PAPER_DOTS = {58: 384, 80: 576}


@dataclass(frozen=True)
class Paper:
    """A paper roll as the print head sees it: dots across (203 dpi heads)."""

    dots: int

    @classmethod
    def for_width(cls, width_mm: int) -> Paper:
        if width_mm not in PAPER_DOTS:
            raise ValueError(f"paper width {width_mm} mm: choose 58 or 80")
        return cls(PAPER_DOTS[width_mm])

    @property
    def columns(self) -> int:
        """Characters a line holds in font A at normal size."""
        return self.dots // FONT_A_DOTS

    @property
    def small_columns(self) -> int:
        return self.dots // FONT_B_DOTS

    @property
    def number_size(self) -> int:
        return 5 if self.dots >= 512 else 4

    @property
    def qr_module(self) -> int:
        return 6 if self.dots >= 512 else 5


@dataclass(frozen=True)
class Text:
    """A paragraph, wrapped by the renderer to the paper width."""

    text: str
    size: int = 1
    bold: bool = False
    small: bool = False
    align: Align = "center"
    role: str = ""


@dataclass(frozen=True)
class Rule:
    """A thin separator across the paper."""


@dataclass(frozen=True)
class QR:
    data: str
    module: int


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Text | Rule | QR | Feed


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def ticket_layout(view: TicketView, paper: Paper) -> list[Block]:
    """The blocks of one ticket, top to bottom; Vietnamese first, English second and small."""
    number = _nfc(view.number)
    number_size = max(1, min(paper.number_size, paper.columns // max(1, len(number))))
    blocks: list[Block] = [Text(_nfc(view.hall_name), bold=True, role="hall")]
    if view.hall_name_en:
        blocks.append(Text(_nfc(view.hall_name_en), small=True, role="hall_en"))
    blocks += [
        Rule(),
        Text("SỐ THỨ TỰ / YOUR NUMBER", role="label"),
        Text(number, size=number_size, bold=True, role="number"),
        Text(_nfc(view.service_name), size=2, bold=True, role="service"),
    ]
    if view.service_name_en:
        blocks.append(Text(_nfc(view.service_name_en), small=True, role="service_en"))
    if view.priority:
        line = _nfc(view.priority)
        if view.priority_en:
            line += f" / {_nfc(view.priority_en)}"
        blocks.append(Text(line, bold=True, role="priority"))
    blocks.append(Rule())
    blocks.append(Text(f"Ngày / Date: {view.issued_at:%d/%m/%Y %H:%M}", role="issued"))
    blocks.append(Text(f"Số người chờ trước / Ahead: {view.waiting_ahead}", role="ahead"))
    if view.estimated_wait_s > 0:
        minutes = view.estimated_wait_min
        blocks.append(Text(f"Dự kiến chờ (phút) / Wait (min): {minutes}", role="wait"))
    elif view.waiting_ahead == 0:
        blocks.append(Text("Sắp đến lượt Ông/Bà / You are next", role="wait"))
    if view.counters:
        labels = ", ".join(_nfc(c) for c in view.counters)
        blocks.append(Text(f"Quầy / Counters: {labels}", bold=True, role="counters"))
    if view.qr_url:
        blocks += [
            Feed(),
            QR(view.qr_url, paper.qr_module),
            Text("Quét mã để theo dõi lượt gọi", small=True, role="qr_caption"),
            Text("Scan to follow the queue", small=True, role="qr_caption_en"),
        ]
    blocks.append(Rule())
    if view.footer:
        blocks.append(Text(_nfc(view.footer), role="footer"))
    if view.footer_en:
        blocks.append(Text(_nfc(view.footer_en), small=True, role="footer_en"))
    return blocks


def wrap(text: str, limit: float, measure: Callable[[str], float]) -> list[str]:
    """Greedy word wrap so each line's `measure` fits `limit`; long words are cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while measure(word) > limit and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and measure(word[:cut]) > limit:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines or [""]
