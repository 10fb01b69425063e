"""Where each part of the board goes, for 16:9 and 9:16 screens and 5 to 60+ counters.

Pure geometry (pygame.Rect only as a value), so a layout can be checked without drawing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pygame import Rect

Orientation = Literal["landscape", "portrait"]


@dataclass(frozen=True)
class Layout:
    orientation: Orientation
    size: tuple[int, int]
    header: Rect
    call: Rect  # the latest call, very large
    recent: Rect  # the last several calls
    grid: Rect  # a cell per counter
    waiting: Rect  # waiting count per service
    ticker: Rect  # scrolling notices
    grid_cols: int
    grid_rows: int
    waiting_cols: int
    margin: int

    @property
    def unit(self) -> float:
        """One "point" of the 1080-pixel design, scaled to this screen."""
        return min(self.size) / 1080

    def cell(self, index: int) -> Rect:
        """The rect of the counter cell at `index` (row by row)."""
        gap = max(4, self.margin // 2)
        col, row = index % self.grid_cols, index // self.grid_cols
        w = (self.grid.w - gap * (self.grid_cols - 1)) / self.grid_cols
        h = (self.grid.h - gap * (self.grid_rows - 1)) / self.grid_rows
        return Rect(round(self.grid.x + col * (w + gap)), round(self.grid.y + row * (h + gap)),
                    math.floor(w), math.floor(h))


def grid_shape(n: int, width: int, height: int, aspect: float = 1.7) -> tuple[int, int]:
    """Columns and rows that give `n` cells the biggest size at about `aspect` (w:h)."""
    n = max(1, n)
    best = (1, n)
    best_size = -1.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        size = min(width / cols / aspect, height / rows)
        if size > best_size + 1e-9:
            best, best_size = (cols, rows), size
    return best


def orientation_of(size: tuple[int, int]) -> Orientation:
    return "portrait" if size[1] > size[0] else "landscape"


def make_layout(size: tuple[int, int], n_counters: int, n_services: int,
                orientation: Orientation | None = None) -> Layout:
    orientation = orientation or orientation_of(size)
    w, h = size
    u = min(w, h) / 1080
    m = max(6, round(16 * u))
    if orientation == "landscape":
        header_h = round(h * 0.085)
        ticker_h = round(h * 0.065)
        header = Rect(0, 0, w, header_h)
        ticker = Rect(0, h - ticker_h, w, ticker_h)
        body = Rect(m, header_h + m, w - 2 * m, h - header_h - ticker_h - 2 * m)
        many = n_counters > 12
        top_h = round(body.h * (0.40 if many else 0.50))
        left_w = round(body.w * 0.62)
        call = Rect(body.x, body.y, left_w, top_h)
        recent = Rect(call.right + m, body.y, body.right - call.right - m, top_h)
        lower = Rect(body.x, call.bottom + m, body.w, body.bottom - call.bottom - m)
        side_w = round(body.w * 0.30) if many else recent.w
        grid = Rect(lower.x, lower.y, lower.w - side_w - m, lower.h)
        waiting = Rect(grid.right + m, lower.y, side_w, lower.h)
        waiting_cols = 2 if n_services > 9 else 1
    else:
        header_h = round(h * 0.085)
        ticker_h = round(h * 0.04)
        header = Rect(0, 0, w, header_h)
        ticker = Rect(0, h - ticker_h, w, ticker_h)
        body = Rect(m, header_h + m, w - 2 * m, h - header_h - ticker_h - 2 * m)
        many = n_counters > 12
        call = Rect(body.x, body.y, body.w, round(body.h * (0.20 if many else 0.24)))
        recent = Rect(body.x, call.bottom + m, body.w, round(body.h * 0.15))
        rows_waiting = math.ceil(n_services / (3 if n_services > 8 else 2))
        waiting_h = min(round(body.h * 0.26), round((rows_waiting * 62 + 80) * u))
        waiting = Rect(body.x, body.bottom - waiting_h, body.w, waiting_h)
        grid = Rect(body.x, recent.bottom + m, body.w, waiting.y - m - recent.bottom - m)
        waiting_cols = 3 if n_services > 8 else 2
    cols, rows = grid_shape(n_counters, grid.w, grid.h)
    return Layout(orientation, size, header, call, recent, grid, waiting, ticker, cols, rows,
                  waiting_cols, m)
