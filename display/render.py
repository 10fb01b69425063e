"""Draw a `BoardState` on a pygame surface: readable from across a hall.

High contrast (white and amber on deep navy), the latest call in the largest type the panel
holds, a blinking panel while a call is new or recalled, and an unmistakable red band when the
board has lost the server (the data under it is dimmed: it may be stale). The renderer keeps
`hotspots` — where it drew the key texts, at which size and colours — so tests and screenshots
can check real pixels.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import pygame
from pygame import Rect

from display.layout import Layout, Orientation, make_layout
from display.model import BoardState, CallView, CounterView, ServiceView
from display.text import Color, Typeface

BLINK_S = 8.0  # a new or recalled call blinks this long
BLINK_HALF_PERIOD = 0.5

NAVY: Color = (7, 22, 46)
PANEL: Color = (16, 40, 74)
PANEL_HI: Color = (22, 56, 104)
HEADER: Color = (12, 58, 122)
TICKER: Color = (4, 14, 30)
AMBER: Color = (255, 205, 0)
WHITE: Color = (255, 255, 255)
DIM: Color = (160, 178, 204)
GREEN: Color = (46, 204, 113)
RED: Color = (214, 40, 40)
ORANGE: Color = (255, 150, 40)
SERVING: Color = (28, 70, 128)

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

NUMBER_WEIGHT = "ExtraBold"
LABEL_WEIGHT = "SemiBold"
TEXT_WEIGHT = "Medium"


@dataclass(frozen=True)
class Hotspot:
    """Where a text was drawn, and how, so its pixels can be reproduced."""

    rect: Rect
    text: str
    weight: str
    size: int
    fg: Color
    bg: Color


@dataclass(frozen=True)
class Fitted:
    """A name the board had to fit (a service, a counter label): the full text, the lines it
    drew, at which size and where, and the room it had. Tests check `whole` on every one."""

    text: str
    lines: tuple[str, ...]
    size: int
    rects: tuple[Rect, ...]
    box: Rect

    @property
    def whole(self) -> bool:
        """Every word drawn, none cut, each line inside its box."""
        full = " ".join(unicodedata.normalize("NFC", self.text).split())
        drawn = " ".join(" ".join(self.lines).split())
        return drawn == full and all(self.box.contains(r) for r in self.rects)


LOST_VI = "Mất kết nối với máy chủ, đang kết nối lại…"
LOST_DETAIL_VI = "Thông tin trên bảng có thể chưa cập nhật"
LOST_EN = "Connection to the server lost, reconnecting… The board may be out of date."
CELL_LABEL_MIN_PX = 30  # px, counter labels at 60 counters on a 1080p board (docs/display.md)


@cache
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown zone from the server must not stop the board
        return ZoneInfo("Asia/Ho_Chi_Minh")


def vi_date(when: datetime) -> str:
    return f"{WEEKDAYS_VI[when.weekday()]}, {when:%d/%m/%Y}"


def duration_vi(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 60:
        return f"{s} giây"
    if s < 3600:
        return f"{s // 60} phút {s % 60} giây"
    return f"{s // 3600} giờ {s % 3600 // 60} phút"


def blink_phase(call: CallView | None, now: float) -> tuple[bool, bool]:
    """(blinking, lit): whether `call` is still new, and whether this frame is the lit one."""
    if call is None or call.shown_at is None:
        return False, False
    age = now - call.shown_at
    if not 0 <= age < BLINK_S:
        return False, False
    return True, int(age / BLINK_HALF_PERIOD) % 2 == 0


class Renderer:
    def __init__(self, size: tuple[int, int], *, orientation: Orientation | None = None,
                 english: bool = False, typeface: Typeface | None = None) -> None:
        self.size = size
        self.orientation = orientation
        self.english = english
        self.type = typeface or Typeface()
        self.hotspots: dict[str, Hotspot] = {}
        self.fitted: dict[str, Fitted] = {}
        self.ticker_text = ""  # the notice line as drawn this frame
        self._plans: dict[tuple, tuple[int, int, list[tuple[str, ...]]]] = {}
        self._inline_sizes: dict[tuple, int] = {}
        self._layout_key: tuple | None = None
        self.layout: Layout | None = None

    # --- helpers -------------------------------------------------------------------------
    @staticmethod
    def _is_lost(state: BoardState) -> bool:
        return not state.connected and (state.lost_since is not None or state.loaded)

    def _layout_for(self, state: BoardState) -> Layout:
        lost = self._is_lost(state)
        key = (self.size, len(state.counters), len(state.services), self.orientation, lost)
        if key != self._layout_key or self.layout is None:
            self.layout = make_layout(self.size, max(1, len(state.counters)),
                                      len(state.services), self.orientation, lost=lost,
                                      banner_lines=3 if self.english else 2)
            self._layout_key = key
        return self.layout

    def _text(self, surface: pygame.Surface, text: str, weight: str, size: int, fg: Color,
              box: Rect, *, align: str = "left", bg: Color | None = None,
              name: str | None = None) -> Rect:
        image = self.type.render(text, weight, size, fg)
        rect = image.get_rect()
        rect.centery = box.centery
        if align == "center":
            rect.centerx = box.centerx
        elif align == "right":
            rect.right = box.right
        else:
            rect.left = box.left
        surface.blit(image, rect)
        if name:
            self.hotspots[name] = Hotspot(rect.copy(), text, weight, size, fg,
                                          bg if bg is not None else NAVY)
        return rect

    def _fit_text(self, surface: pygame.Surface, text: str, weight: str, fg: Color, box: Rect,
                  *, align: str = "left", bg: Color | None = None, name: str | None = None,
                  max_size: int = 0) -> Rect:
        size = self.type.fit(text, weight, box.w, box.h, max_size=max_size)
        return self._text(surface, text, weight, size, fg, box, align=align, bg=bg, name=name)

    def _u(self, layout: Layout, points: float) -> int:
        return max(1, round(points * layout.unit))

    @staticmethod
    def _arrow(surface: pygame.Surface, color: Color, box: Rect) -> None:
        """A bold right arrow (the typeface has no → glyph)."""
        x, y, w, h = box
        shaft = max(2, h // 4)
        head = w * 0.45
        points = [
            (x, y + h / 2 - shaft / 2), (x + w - head, y + h / 2 - shaft / 2),
            (x + w - head, y), (x + w, y + h / 2), (x + w - head, y + h),
            (x + w - head, y + h / 2 + shaft / 2), (x, y + h / 2 + shaft / 2),
        ]
        pygame.draw.polygon(surface, color, points)

    # --- the frame -----------------------------------------------------------------------
    def draw(self, surface: pygame.Surface, state: BoardState, now: float,
             wall: datetime) -> None:
        """Draw the whole board; `now` is monotonic (blink, ticker), `wall` the clock."""
        self.size = surface.get_size()
        layout = self._layout_for(state)
        self.hotspots = {}
        self.fitted = {}
        self.ticker_text = ""
        surface.fill(NAVY)
        local = wall.astimezone(_zone(state.timezone))
        self._header(surface, layout, state, local)
        self._call(surface, layout, state, now, local)
        self._recent(surface, layout, state)
        self._grid(surface, layout, state, now)
        self._waiting(surface, layout, state)
        self._ticker(surface, layout, state, now)
        if self._is_lost(state):
            self._lost(surface, layout, state, now)

    def _header(self, surface: pygame.Surface, layout: Layout, state: BoardState,
                local: datetime) -> None:
        r = layout.header
        pygame.draw.rect(surface, HEADER, r)
        m = layout.margin
        dot = self._u(layout, 11)
        dot_color = GREEN if state.connected else RED
        dot_y = r.y + r.h * 0.26 if layout.orientation == "portrait" else r.centery
        pygame.draw.circle(surface, dot_color, (r.x + m + dot, dot_y), dot)
        left = r.x + m + 3 * dot
        name = state.hall_name or "Layso"
        if layout.orientation == "portrait":
            self._portrait_header(surface, layout, state, local, left)
            return
        clock_w = round(r.w * 0.30)
        name_box = Rect(left, r.y, r.w - clock_w - left - m, r.h)
        if self.english and state.hall_name_en:
            top = Rect(name_box.x, name_box.y + r.h * 0.10, name_box.w, r.h * 0.46)
            bottom = Rect(name_box.x, top.bottom, name_box.w, r.h * 0.34)
            self._fit_text(surface, name, "Bold", WHITE, top, name="hall_name", bg=HEADER)
            self._fit_text(surface, state.hall_name_en, TEXT_WEIGHT, DIM, bottom, bg=HEADER)
        else:
            box = Rect(name_box.x, name_box.y + r.h * 0.2, name_box.w, r.h * 0.6)
            self._fit_text(surface, name, "Bold", WHITE, box, name="hall_name", bg=HEADER)
        clock_box = Rect(r.right - clock_w - m, r.y, clock_w, r.h)
        time_box = Rect(clock_box.x, r.y + r.h * 0.06, clock_box.w, r.h * 0.58)
        date_box = Rect(clock_box.x, time_box.bottom, clock_box.w, r.h * 0.32)
        self._fit_text(surface, f"{local:%H:%M:%S}", "Bold", WHITE, time_box, align="right",
                       name="clock", bg=HEADER, max_size=self.type.fit("00:00:00", "Bold",
                                                                       time_box.w, time_box.h))
        self._fit_text(surface, vi_date(local), TEXT_WEIGHT, DIM, date_box, align="right",
                       bg=HEADER)

    def _portrait_header(self, surface: pygame.Surface, layout: Layout, state: BoardState,
                         local: datetime, left: int) -> None:
        """Narrow screens: the hall's name on its own line, the date and the clock under it."""
        r, m = layout.header, layout.margin
        top = Rect(left, r.y + r.h * 0.06, r.right - left - m, r.h * 0.40)
        self._fit_text(surface, state.hall_name or "Layso", "Bold", WHITE, top,
                       name="hall_name", bg=HEADER)
        row = Rect(r.x + m, top.bottom + r.h * 0.04, r.w - 2 * m, r.h * 0.46)
        clock_w = round(row.w * 0.45)
        clock = Rect(row.right - clock_w, row.y, clock_w, row.h)
        self._fit_text(surface, f"{local:%H:%M:%S}", "Bold", WHITE, clock, align="right",
                       name="clock", bg=HEADER,
                       max_size=self.type.fit("00:00:00", "Bold", clock.w, clock.h))
        date = Rect(row.x, row.y + row.h * 0.2, row.w - clock_w - m, row.h * 0.6)
        self._fit_text(surface, vi_date(local), TEXT_WEIGHT, DIM, date, bg=HEADER)

    def _panel(self, surface: pygame.Surface, rect: Rect, color: Color, layout: Layout,
               border: Color | None = None) -> None:
        radius = self._u(layout, 14)
        pygame.draw.rect(surface, color, rect, border_radius=radius)
        if border:
            pygame.draw.rect(surface, border, rect, width=max(2, self._u(layout, 4)),
                             border_radius=radius)

    def _call(self, surface: pygame.Surface, layout: Layout, state: BoardState, now: float,
              local: datetime) -> None:
        r = layout.call
        latest = state.latest
        blinking, lit = blink_phase(latest, now)
        bg = AMBER if lit else PANEL_HI
        fg_number = NAVY if lit else AMBER
        fg_text = NAVY if lit else WHITE
        self._panel(surface, r, bg, layout, border=AMBER if blinking else None)
        pad = self._u(layout, 24)
        inner = r.inflate(-2 * pad, -2 * pad)
        label_h = round(inner.h * 0.17)
        foot_h = round(inner.h * 0.17)
        label_box = Rect(inner.x, inner.y, inner.w, label_h)
        foot_box = Rect(inner.x, inner.bottom - foot_h, inner.w, foot_h)
        main = Rect(inner.x, label_box.bottom, inner.w, inner.h - label_h - foot_h)

        if not state.loaded:
            self._fit_text(surface, "Đang kết nối máy chủ…", LABEL_WEIGHT, fg_text,
                           main.inflate(0, -main.h // 3), align="center", bg=bg)
            return
        if not state.open and latest is None:
            self._fit_text(surface, "NGOÀI GIỜ LÀM VIỆC", "Bold", fg_text,
                           main.inflate(0, -main.h // 3), align="center", bg=bg, name="closed")
            if state.opens_at:
                opens = state.opens_at.astimezone(local.tzinfo)
                self._fit_text(surface, f"Mở cửa lúc {opens:%H:%M}, {vi_date(opens)}",
                               TEXT_WEIGHT, fg_text, foot_box, align="center", bg=bg)
            return
        if latest is None:
            label = "CHƯA CÓ LƯỢT GỌI" + (" · NO CALLS YET" if self.english else "")
            self._fit_text(surface, label, LABEL_WEIGHT, fg_text, label_box, bg=bg)
            self._fit_text(surface, "Vui lòng chờ gọi số", TEXT_WEIGHT, fg_text,
                           main.inflate(0, -main.h // 2), align="center", bg=bg)
            return
        label = "MỜI LẠI CÔNG DÂN CÓ SỐ" if latest.recall else "MỜI CÔNG DÂN CÓ SỐ"
        if self.english:
            label += " · NOW CALLING"
        self._fit_text(surface, label, LABEL_WEIGHT, fg_text, label_box, bg=bg, name="call_label")
        self._call_line(surface, main, latest, fg_number, fg_text, bg)
        service = self._service_name(state, latest.service)
        if service:
            size = self.type.fit(service, TEXT_WEIGHT, foot_box.w, foot_box.h,
                                 max_size=round(foot_h * 0.8))
            rect = self._text(surface, service, TEXT_WEIGHT, size, fg_text, foot_box, bg=bg)
            self.fitted["call_service"] = Fitted(service, (service,), size, (rect,),
                                                 foot_box.inflate(0, 2))

    def _call_line(self, surface: pygame.Surface, box: Rect, call: CallView, fg_number: Color,
                   fg_text: Color, bg: Color) -> None:
        """"1023 → Quầy 5": one line when the panel is wide, two when it is not."""
        counter = f"Quầy {call.counter_label}"
        t = self.type

        def one_line_width(size: int) -> float:
            return (t.measure(call.number, NUMBER_WEIGHT, size)[0] + 1.3 * size
                    + t.measure(counter, "Bold", size)[0])

        lo, hi = 6, box.h
        while lo < hi:
            mid = (lo + hi + 1) // 2
            fits = (one_line_width(mid) <= box.w
                    and t.measure(call.number, NUMBER_WEIGHT, mid)[1] <= box.h)
            lo, hi = (mid, hi) if fits else (lo, mid - 1)
        one = lo
        half = Rect(box.x, box.y, box.w, box.h // 2)
        two = min(t.fit(call.number, NUMBER_WEIGHT, box.w, half.h),
                  t.fit(counter, "Bold", int(box.w - 1.3 * half.h), half.h))
        if one >= 0.8 * two:
            width = one_line_width(one)
            x = box.centerx - width / 2
            number_box = Rect(x, box.y, t.measure(call.number, NUMBER_WEIGHT, one)[0], box.h)
            self._text(surface, call.number, NUMBER_WEIGHT, one, fg_number, number_box, bg=bg,
                       name="latest_number")
            arrow = Rect(number_box.right + 0.2 * one, box.centery - 0.25 * one, 0.9 * one,
                         0.5 * one)
            self._arrow(surface, fg_text, arrow)
            counter_box = Rect(arrow.right + 0.2 * one, box.y, box.right, box.h)
            self._text(surface, counter, "Bold", one, fg_text, counter_box, bg=bg,
                       name="latest_counter")
        else:
            self._text(surface, call.number, NUMBER_WEIGHT, two, fg_number, half, align="center",
                       bg=bg, name="latest_number")
            lower = Rect(box.x, half.bottom, box.w, box.h - half.h)
            cw = t.measure(counter, "Bold", two)[0]
            total = 1.3 * two + cw
            x = lower.centerx - total / 2
            self._arrow(surface, fg_text, Rect(x, lower.centery - 0.25 * two, 0.9 * two,
                                               0.5 * two))
            self._text(surface, counter, "Bold", two, fg_text,
                       Rect(x + 1.3 * two, lower.y, cw, lower.h), bg=bg, name="latest_counter")

    def _service_name(self, state: BoardState, code: str) -> str:
        service = next((s for s in state.services if s.code == code), None)
        if service is None:
            return ""
        if self.english and service.name_en:
            return f"{service.name} · {service.name_en}"
        return service.name

    def _heading(self, surface: pygame.Surface, layout: Layout, box: Rect, vi: str,
                 en: str) -> Rect:
        """A section title; returns the space left under it."""
        h = self._u(layout, 46)
        title = f"{vi} · {en}" if self.english else vi
        self._fit_text(surface, title, LABEL_WEIGHT, DIM, Rect(box.x, box.y, box.w, h),
                       max_size=self._u(layout, 30))
        return Rect(box.x, box.y + h, box.w, box.h - h)

    def _recent(self, surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
        r = layout.recent
        self._panel(surface, r, PANEL, layout)
        if layout.packed:
            self._recent_strip(surface, layout, state)
            return
        pad = self._u(layout, 16)
        body = self._heading(surface, layout, r.inflate(-2 * pad, -2 * pad), "VỪA GỌI",
                             "RECENT CALLS")
        calls = list(state.recent[1:])
        cols = 2 if layout.orientation == "portrait" else 1
        row_min = self._u(layout, 84)
        rows = max(1, min(6, body.h // row_min))
        col_w = body.w // cols
        row_h = body.h // rows
        shown = calls[: rows * cols]
        if not shown:
            return
        widest_number = max((c.number for c in shown), key=len)
        widest_counter = "Quầy " + max((c.counter_label for c in shown), key=len)
        # one size for every row, the largest at which the widest row fits
        sample = f"{widest_number}{'0' * 3}{widest_counter}"
        size = self.type.fit(sample, "Bold", col_w - 2 * pad, int(row_h * 0.72))
        number_w = self.type.measure(widest_number, NUMBER_WEIGHT, size)[0]
        for i, call in enumerate(shown):
            col, row = i // rows, i % rows
            cell = Rect(body.x + col * col_w, body.y + row * row_h, col_w - pad, row_h)
            if row:
                pygame.draw.line(surface, PANEL_HI, (cell.x, cell.y), (cell.right, cell.y), 2)
            number_box = Rect(cell.x, cell.y, number_w, cell.h)
            self._text(surface, call.number, NUMBER_WEIGHT, size, AMBER, number_box,
                       bg=PANEL, name=f"recent:{i}")
            arrow = Rect(number_box.right + 0.45 * size, cell.centery - 0.2 * size,
                         0.8 * size, 0.4 * size)
            self._arrow(surface, DIM, arrow)
            self._text(surface, f"Quầy {call.counter_label}", "Bold", size, WHITE,
                       Rect(arrow.right + 0.45 * size, cell.y, cell.w, cell.h), bg=PANEL)

    def _recent_strip(self, surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
        """Many counters: the calls before the latest on one line, as many as fit."""
        r = layout.recent
        pad = self._u(layout, 16)
        inner = r.inflate(-2 * pad, -round(r.h * 0.2))
        title = "VỪA GỌI" + (" · RECENT" if self.english else "")
        size = self.type.fit("Quầy 88", "Bold", inner.w, inner.h)
        title_size = round(size * 0.8)
        x = self._text(surface, title, LABEL_WEIGHT, title_size, DIM, inner, bg=PANEL).right
        x += 2 * pad
        for i, call in enumerate(state.recent[1:]):
            number_w = self.type.measure(call.number, NUMBER_WEIGHT, size)[0]
            counter = f"Quầy {call.counter_label}"
            counter_w = self.type.measure(counter, "Bold", size)[0]
            width = number_w + 1.7 * size + counter_w
            if x + width > inner.right:
                break
            self._text(surface, call.number, NUMBER_WEIGHT, size, AMBER,
                       Rect(x, inner.y, number_w, inner.h), bg=PANEL, name=f"recent:{i}")
            arrow = Rect(x + number_w + 0.3 * size, inner.centery - 0.2 * size, 0.8 * size,
                         0.4 * size)
            self._arrow(surface, DIM, arrow)
            self._text(surface, counter, "Bold", size, WHITE,
                       Rect(arrow.right + 0.3 * size, inner.y, counter_w, inner.h), bg=PANEL)
            x += width + 2.5 * size

    def _grid(self, surface: pygame.Surface, layout: Layout, state: BoardState,
              now: float) -> None:
        latest = state.latest
        blinking, lit = blink_phase(latest, now)
        inline = layout.packed and state.counters and self._inline_size(layout, state)
        for i, counter in enumerate(state.counters):
            cell = layout.cell(i)
            is_latest = blinking and latest is not None and latest.counter == counter.number
            if inline:
                self._inline_cell(surface, layout, cell, counter, is_latest and lit, inline)
            else:
                self._counter_cell(surface, layout, cell, counter, is_latest and lit)

    @staticmethod
    def _number_shape(number: str) -> str:
        """A ticket number's widest look-alike ("A023" → "W888"), so the cells' type size
        does not jump when a wider number is called."""
        return "".join("8" if ch.isdigit() else "W" for ch in number)

    def _cell_parts(self, layout: Layout, cell: Rect) -> tuple[Rect, int]:
        pad = max(3, round(cell.h * 0.12))
        return cell.inflate(-2 * pad, -2 * pad), pad

    def _inline_size(self, layout: Layout, state: BoardState) -> int:
        """One type size for every packed cell: the largest at which the widest label and
        the widest number fit on one line side by side."""
        inner, pad = self._cell_parts(layout, layout.cell(0))
        labels = max((c.label for c in state.counters), key=len)
        numbers = frozenset(self._number_shape(c.ticket) for c in state.counters if c.ticket)
        key = (labels, numbers, inner.size, layout.cell(0).size)
        found = self._inline_sizes.get(key)
        if found is None:
            if len(self._inline_sizes) > 64:
                self._inline_sizes.clear()
            found = self._inline_sizes[key] = self._search_inline(layout, inner, labels,
                                                                   numbers)
        return found

    def _search_inline(self, layout: Layout, inner: Rect, labels: str,
                       numbers: frozenset[str]) -> int:
        number = max(numbers or {"W888"}, key=lambda n: self.type.measure(n, NUMBER_WEIGHT,
                                                                          40)[0])
        lo, hi = 6, max(6, inner.h)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            width = (self.type.measure(labels, LABEL_WEIGHT, mid)[0] + 0.8 * mid
                     + self.type.measure(number, NUMBER_WEIGHT, mid)[0])
            tall = self.type.font(NUMBER_WEIGHT, mid).get_linesize()
            # the line's height holds room for stacked tone marks: labels and numbers have
            # none, so the line may fill the cell as long as it stays inside it
            fits = width <= inner.w and tall <= layout.cell(0).h - 4
            lo, hi = (mid, hi) if fits else (lo, mid - 1)
        return lo

    def _inline_cell(self, surface: pygame.Surface, layout: Layout, cell: Rect,
                     counter: CounterView, lit: bool, size: int) -> None:
        """A packed cell: the counter's label in a badge on the left, its number on the right
        ("12 │ A023"), both at one size, so the label is as large as the number."""
        bg, fg, label_fg, border = PANEL, DIM, DIM, None
        badge_bg = PANEL_HI
        text = "—"
        if counter.state == "paused":
            bg, fg, text = (58, 40, 14), ORANGE, "Tạm dừng"
        elif counter.ticket and counter.state == "called":
            bg, fg, label_fg, border = PANEL_HI, AMBER, WHITE, AMBER
            badge_bg = SERVING
            text = counter.ticket
        elif counter.ticket:
            bg, fg, label_fg = SERVING, WHITE, WHITE
            badge_bg = PANEL_HI
            text = counter.ticket
        if lit:
            bg, fg, label_fg, badge_bg = AMBER, NAVY, NAVY, AMBER
        self._panel(surface, cell, bg, layout, border=border)
        inner, pad = self._cell_parts(layout, cell)
        label_w = self.type.measure(counter.label, LABEL_WEIGHT, size)[0]
        badge = Rect(cell.x + max(2, pad // 2), cell.y + max(2, pad // 2),
                     label_w + pad + round(0.3 * size), cell.h - 2 * max(2, pad // 2))
        if border:
            badge = badge.inflate(-2, -4).move(1, 0)
        pygame.draw.rect(surface, badge_bg, badge, border_radius=self._u(layout, 10))
        rect = self._text(surface, counter.label, LABEL_WEIGHT, size, label_fg, badge,
                          align="center", bg=badge_bg)
        self.fitted[f"label:{counter.number}"] = Fitted(counter.label, (counter.label,), size,
                                                        (rect,), cell)
        room = Rect(badge.right, inner.y, inner.right - badge.right, inner.h)
        if counter.ticket:
            number_size = size
        else:
            number_size = min(size, self.type.fit(text, LABEL_WEIGHT, room.w - pad, room.h))
        weight = NUMBER_WEIGHT if counter.ticket else LABEL_WEIGHT
        self._text(surface, text, weight, number_size, fg, room, align="right" if counter.ticket
                   else "center", bg=bg, name=f"counter:{counter.number}")

    def _counter_cell(self, surface: pygame.Surface, layout: Layout, cell: Rect,
                      counter: CounterView, lit: bool) -> None:
        bg, fg, label_fg, border = PANEL, DIM, DIM, None
        text = "—"
        if counter.state == "paused":
            bg, fg, text = (58, 40, 14), ORANGE, "Tạm dừng"
        elif counter.ticket and counter.state == "called":
            bg, fg, label_fg, border = PANEL_HI, AMBER, WHITE, AMBER
            text = counter.ticket
        elif counter.ticket:
            bg, fg, label_fg = SERVING, WHITE, WHITE
            text = counter.ticket
        if lit:
            bg, fg, label_fg = AMBER, NAVY, NAVY
        self._panel(surface, cell, bg, layout, border=border)
        pad = max(3, cell.h // 14)
        inner = cell.inflate(-2 * pad, -2 * pad)
        label_box = Rect(inner.x, inner.y, inner.w, round(inner.h * 0.36))
        number_box = Rect(inner.x, label_box.bottom, inner.w, inner.h - label_box.h)
        label = f"Quầy {counter.label}"
        size = self.type.fit(label, LABEL_WEIGHT, label_box.w, label_box.h)
        rect = self._text(surface, label, LABEL_WEIGHT, size, label_fg, label_box,
                          align="center", bg=bg)
        self.fitted[f"label:{counter.number}"] = Fitted(label, (label,), size, (rect,), cell)
        weight = NUMBER_WEIGHT if counter.ticket else LABEL_WEIGHT
        box = number_box if counter.ticket else number_box.inflate(0, -number_box.h // 3)
        self._fit_text(surface, text, weight, fg, box, align="center", bg=bg,
                       name=f"counter:{counter.number}")

    def _waiting(self, surface: pygame.Surface, layout: Layout, state: BoardState) -> None:
        r = layout.waiting
        self._panel(surface, r, PANEL, layout)
        pad = self._u(layout, 16)
        body = self._heading(surface, layout, r.inflate(-2 * pad, -2 * pad), "ĐANG CHỜ",
                             "WAITING")
        services = list(state.services)
        if not services:
            return
        cols, size, plan = self._waiting_plan(layout, body, services, pad)
        col_w = body.w // cols
        per_col = -(-len(services) // cols)
        line_h = self.type.font(TEXT_WEIGHT, size).get_linesize()
        gap = round(0.3 * size)
        for col in range(cols):
            chunk = list(zip(services[col * per_col:(col + 1) * per_col],
                             plan[col * per_col:(col + 1) * per_col], strict=True))
            used = sum(len(lines) * line_h + gap for _, lines in chunk)
            extra = min((body.h - used) / max(1, len(chunk)), 0.9 * size)
            y = float(body.y)
            for service, lines in chunk:
                h = len(lines) * line_h + gap + extra
                cell = Rect(body.x + col * col_w, round(y), col_w - pad, round(h))
                self._service_row(surface, cell, service, size, lines, line_h)
                y += h

    def _service_geometry(self, size: int) -> tuple[float, float]:
        """(badge width with its gap, count width with its gap) at `size`."""
        return size * 1.65, self.type.measure("888", "Bold", size)[0] + size * 0.5

    def _waiting_plan(self, layout: Layout, body: Rect, services: list[ServiceView],
                      pad: int) -> tuple[int, int, list[tuple[str, ...]]]:
        """Columns, one type size and each name's lines: the largest size at which every
        name is whole (wrapped at spaces onto at most two lines, never cut or abbreviated:
        a citizen matches it with the name on the kiosk and the slip) and every column
        holds its services."""
        cap = self._u(layout, 38)
        key = (tuple((s.name, bool(s.prefix)) for s in services), tuple(body), cap, pad,
               layout.waiting_cols)
        cached = self._plans.get(key)
        if cached is None:  # the search takes milliseconds; the names rarely change
            if len(self._plans) > 64:
                self._plans.clear()
            cached = self._plans[key] = self._search_plan(layout, body, services, pad, cap)
        return cached

    def _search_plan(self, layout: Layout, body: Rect, services: list[ServiceView], pad: int,
                     cap: int) -> tuple[int, int, list[tuple[str, ...]]]:
        best: tuple[int, int, list[tuple[str, ...]]] | None = None
        for cols in range(1, min(layout.waiting_cols, len(services)) + 1):
            lo, hi = 6, max(6, cap)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                fits = self._waiting_lines(services, mid, cols, body, pad) is not None
                lo, hi = (mid, hi) if fits else (lo, mid - 1)
            found = self._waiting_lines(services, lo, cols, body, pad)
            if found is not None and (best is None or lo > best[1]):
                best = (cols, lo, found)
        if best is None:  # not even at 6 px: the longest words on their own lines
            cols = min(layout.waiting_cols, len(services))
            return cols, 6, [tuple(s.name.split()) or ("",) for s in services]
        return best

    def _waiting_lines(self, services: list[ServiceView], size: int, cols: int, body: Rect,
                       pad: int) -> list[tuple[str, ...]] | None:
        """Each name's lines at `size` in `cols` columns, or None if one does not fit."""
        col_w = body.w // cols - pad
        per_col = -(-len(services) // cols)
        badge_w, count_w = self._service_geometry(size)
        lines = []
        for s in services:
            name_w = col_w - count_w - (badge_w if s.prefix else 0)
            wrapped = self.type.wrap(s.name, TEXT_WEIGHT, size, name_w, 2)
            if wrapped is None:
                return None
            lines.append(wrapped)
        line_h = self.type.font(TEXT_WEIGHT, size).get_linesize()
        gap = round(0.3 * size)
        for c in range(cols):
            chunk = lines[c * per_col:(c + 1) * per_col]
            if sum(len(x) * line_h + gap for x in chunk) > body.h:
                return None
        return lines

    def _service_row(self, surface: pygame.Surface, cell: Rect, service: ServiceView,
                     size: int, lines: tuple[str, ...], line_h: int) -> None:
        count = str(service.waiting)
        badge_w, count_w = self._service_geometry(size)
        x = cell.x
        if service.prefix:
            badge = Rect(x, cell.centery - size * 0.62, size * 1.25, size * 1.24)
            pygame.draw.rect(surface, PANEL_HI, badge, border_radius=max(2, size // 6))
            self._text(surface, service.prefix, "Bold", round(size * 0.8), AMBER, badge,
                       align="center", bg=PANEL_HI)
            x = cell.x + badge_w
        name_box = Rect(x, cell.y, cell.right - (count_w - size * 0.5) - size * 0.5 - x, cell.h)
        color = WHITE if service.open else DIM
        top = cell.centery - len(lines) * line_h / 2
        rects = []
        for i, line in enumerate(lines):
            row = Rect(x, round(top + i * line_h), name_box.w, line_h)
            rects.append(self._text(surface, line, TEXT_WEIGHT, size, color, row, bg=PANEL))
        self.fitted[f"service:{service.code}"] = Fitted(service.name, lines, size,
                                                        tuple(rects), name_box.inflate(0, 2))
        number_w = count_w - size * 0.5
        self._text(surface, count, "Bold", size, AMBER if service.waiting else DIM,
                   Rect(cell.right - number_w, cell.y, number_w, cell.h), align="right",
                   bg=PANEL, name=f"waiting:{service.code}")

    def _ticker(self, surface: pygame.Surface, layout: Layout, state: BoardState,
                now: float) -> None:
        r = layout.ticker
        pygame.draw.rect(surface, TICKER, r)
        pygame.draw.line(surface, AMBER, r.topleft, r.topright, max(2, self._u(layout, 3)))
        # with no notices, the hall's name: its English name only where the hall asks
        fallback = state.hall_name_en if self.english and state.hall_name_en else state.hall_name
        notices = state.notices or ((fallback,) if fallback else ())
        if not notices:
            return
        text = "     •     ".join(notices)
        size = max(8, round(r.h * 0.5))
        image = self.type.render(text, TEXT_WEIGHT, size, WHITE)
        self.ticker_text = text
        gap = r.w // 3
        span = image.get_width() + gap
        speed = 110 * layout.unit  # pixels a second
        offset = (now * speed) % span
        clip = surface.get_clip()
        surface.set_clip(r)
        x = r.right - offset
        while x > r.x - image.get_width():
            x -= span
        x += span
        while x < r.right:
            surface.blit(image, (x, r.centery - image.get_height() // 2))
            x += span
        surface.set_clip(clip)

    def _lost(self, surface: pygame.Surface, layout: Layout, state: BoardState,
              now: float) -> None:
        """The red band under the header, in the room the layout kept for it (it covers no
        call). Citizens read Vietnamese, English second only with --english; why the link
        is down is for the technician and goes to the log (display/app.py), not the screen."""
        w, h = layout.size
        band = layout.banner or Rect(0, layout.header.bottom, w, round(h * 0.1))
        under = Rect(0, band.bottom, w, layout.ticker.y - band.bottom)
        shade = pygame.Surface(under.size, pygame.SRCALPHA)
        shade.fill((0, 0, 0, 120))
        surface.blit(shade, under.topleft)
        pygame.draw.rect(surface, RED, band)
        pygame.draw.line(surface, WHITE, band.bottomleft, band.bottomright, 3)
        since = "" if state.lost_since is None else duration_vi(now - state.lost_since)
        detail = LOST_DETAIL_VI + (f" (đã mất kết nối {since})." if since else ".")
        lines = [(LOST_VI, "ExtraBold", 0.50, "lost"), (detail, TEXT_WEIGHT, 0.32, "lost_detail")]
        if self.english:
            lines = [(LOST_VI, "ExtraBold", 0.40, "lost"),
                     (detail, TEXT_WEIGHT, 0.25, "lost_detail"),
                     (LOST_EN, TEXT_WEIGHT, 0.25, "lost_en")]
        y = band.y + band.h * 0.04
        for text, weight, share, name in lines:
            box = Rect(layout.margin, round(y), w - 2 * layout.margin, round(band.h * share))
            self._fit_text(surface, text, weight, WHITE, box, align="center", bg=RED, name=name)
            y += band.h * share + band.h * 0.02
