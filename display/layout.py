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
    banner: Rect | None = None  # the disconnected banner, when the board lost the server
    packed: bool = False  # many counters: one-line cells, the recent calls as a strip

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


def packed_shape(n: int, width: int, height: int, gap: int) -> tuple[int, int]:
    """Columns and rows of one-line cells ("12  A023") whose type comes out largest.

    The type of such a cell is bound by its height (a line is 1.28 × the size, in a cell
    padded by 12 %) or by its width (label, gap and number are about 5.1 × the size)."""
    n = max(1, n)
    best, best_size = (1, n), -1.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        w = (width - gap * (cols - 1)) / cols
        h = (height - gap * (rows - 1)) / rows
        size = min((w - 0.24 * h) / 5.1, (h - 4) / 1.28)
        if size > best_size + 1e-9:
            best, best_size = (cols, rows), size
    return best


def orientation_of(size: tuple[int, int]) -> Orientation:
    return "portrait" if size[1] > size[0] else "landscape"


PORTRAIT_WAITING = 0.36  # of a 9:16 board's body, with many counters
MANY = 12  # above this many counters the board packs its cells (a provincial hall: 60)


def make_layout(size: tuple[int, int], n_counters: int, n_services: int,
                orientation: Orientation | None = None, *, lost: bool = False,
                banner_lines: int = 2) -> Layout:
    """The geometry of the board. `lost`: room for the disconnected banner under the header,
    taken from the body (everything moves down) so the banner never covers the call;
    `banner_lines` 3 when it has an English line.

    With more than `MANY` counters the recent calls become a one-line strip under the call,
    the counter cells hold label and number on one line (so the label can be large) and,
    in landscape, the waiting list gets the whole height of the right column: its names
    are wrapped, never cut, and they need the room."""
    orientation = orientation or orientation_of(size)
    w, h = size
    u = min(w, h) / 1080
    m = max(6, round(16 * u))
    many = n_counters > MANY
    header_h = round(h * 0.085)
    ticker_h = round(h * (0.065 if orientation == "landscape" else 0.04))
    banner_h = round(h * (0.10 if orientation == "landscape" else 0.065)
                     * (1 + 0.3 * (banner_lines - 2))) if lost else 0
    header = Rect(0, 0, w, header_h)
    banner = Rect(0, header_h, w, banner_h) if lost else None
    ticker = Rect(0, h - ticker_h, w, ticker_h)
    top = header_h + banner_h
    body = Rect(m, top + m, w - 2 * m, h - top - ticker_h - 2 * m)
    strip_h = round(64 * u)
    aspect = 1.7
    if orientation == "landscape" and many:
        side_w = round(body.w * 0.32)
        left = Rect(body.x, body.y, body.w - side_w - m, body.h)
        # the banner's room comes mostly from the call (dimmed while lost, it may be stale),
        # so the counter labels keep their size
        call = Rect(left.x, left.y, left.w, round((body.h + banner_h) * 0.32 - banner_h * 0.6))
        recent = Rect(left.x, call.bottom + m, left.w, strip_h)
        grid = Rect(left.x, recent.bottom + m, left.w, left.bottom - recent.bottom - m)
        waiting = Rect(left.right + m, body.y, side_w, body.h)
        waiting_cols = 2 if n_services > 9 else 1
    elif orientation == "landscape":
        top_h = round(body.h * 0.50)
        left_w = round(body.w * 0.62)
        call = Rect(body.x, body.y, left_w, top_h)
        recent = Rect(call.right + m, body.y, body.right - call.right - m, top_h)
        lower = Rect(body.x, call.bottom + m, body.w, body.bottom - call.bottom - m)
        grid = Rect(lower.x, lower.y, lower.w - recent.w - m, lower.h)
        waiting = Rect(grid.right + m, lower.y, recent.w, lower.h)
        waiting_cols = 2 if n_services > 9 else 1
    else:
        call = Rect(body.x, body.y, body.w, round(body.h * (0.18 if many else 0.24)))
        if many:
            recent = Rect(body.x, call.bottom + m, body.w, strip_h)
        else:
            recent = Rect(body.x, call.bottom + m, body.w, round(body.h * 0.15))
        waiting_cols = 3 if n_services > 8 else 2
        rows_waiting = math.ceil(n_services / waiting_cols)
        # a row per service, and room for some names on two lines
        waiting_h = min(round(body.h * (PORTRAIT_WAITING if many else 0.26)),
                        round((rows_waiting * (80 if many else 62) + (110 if many else 80)) * u))
        waiting = Rect(body.x, body.bottom - waiting_h, body.w, waiting_h)
        grid = Rect(body.x, recent.bottom + m, body.w, waiting.y - m - recent.bottom - m)
    if many:
        cols, rows = packed_shape(n_counters, grid.w, grid.h, max(4, m // 2))
    else:
        cols, rows = grid_shape(n_counters, grid.w, grid.h, aspect)
    return Layout(orientation, size, header, call, recent, grid, waiting, ticker, cols, rows,
                  waiting_cols, m, banner, many)
