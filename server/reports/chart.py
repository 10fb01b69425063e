"""Bar charts drawn by the server: SVG for the page, PNG (Pillow) for documents.

No chart library and nothing fetched at run time: a chart is a small description (categories,
series, title) laid out once and drawn by either back end, so both pictures agree.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from server.reports.tables import active_hours

WIDTH, HEIGHT = 900, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 20, 64, 44
FONT_STACK = "'Be Vietnam Pro', 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
INK, MUTED, GRID = "#1f2937", "#6b7280", "#e5e7eb"
BLUE, GREEN = "#2563eb", "#16a34a"
LEVEL_COLOURS = ("#dc2626", "#f59e0b", "#84cc16", "#16a34a", "#0d9488")


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]
    colour: str
    colours: tuple[str, ...] = ()  # one per bar, when the bars of a series differ


@dataclass(frozen=True)
class Chart:
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    y_label: str = ""
    note: str = ""
    percent_labels: tuple[str, ...] = field(default=())  # text over each bar (one series)


@dataclass(frozen=True)
class _Bar:
    x: float
    y: float
    w: float
    h: float
    colour: str
    label: str


@dataclass(frozen=True)
class _Layout:
    bars: tuple[_Bar, ...]
    ticks: tuple[tuple[float, str], ...]  # (y, text)
    xlabels: tuple[tuple[float, str], ...]  # (x centre, text)
    legend: tuple[tuple[str, str], ...]  # (colour, name)


def nice_step(top: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) giving about `ticks` gridlines up to `top`."""
    if top <= 0:
        return 1
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return max(m * power, 1)
    return 10 * power


def _fmt(v: float) -> str:
    return f"{int(v):,}".replace(",", ".") if float(v).is_integer() else f"{v:.1f}"


def layout(chart: Chart) -> _Layout:
    n = max(len(chart.categories), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value = max((v for s in chart.series for v in s.values), default=0)
    step = nice_step(top_value)
    y_max = max(step * math.ceil(top_value / step), step)
    slot = plot_w / n
    bar_w = min(slot * 0.72 / max(len(chart.series), 1), 56)
    group_w = bar_w * len(chart.series)
    bars = []
    for si, s in enumerate(chart.series):
        for i, v in enumerate(s.values):
            h = plot_h * v / y_max
            x = LEFT + i * slot + (slot - group_w) / 2 + si * bar_w
            colour = s.colours[i] if i < len(s.colours) else s.colour
            label = chart.percent_labels[i] if chart.percent_labels else (
                _fmt(v) if v and n <= 16 else "")
            bars.append(_Bar(x, TOP + plot_h - h, max(bar_w - 2, 1), h, colour, label))
    ticks = tuple((TOP + plot_h - plot_h * k * step / y_max, _fmt(k * step))
                  for k in range(int(round(y_max / step)) + 1))
    every = max(1, math.ceil(n / 16))
    xlabels = tuple((LEFT + i * slot + slot / 2, c) for i, c in enumerate(chart.categories)
                    if i % every == 0)
    legend = tuple((s.colour, s.name) for s in chart.series) if len(chart.series) > 1 else ()
    return _Layout(tuple(bars), ticks, xlabels, legend)


def to_svg(chart: Chart) -> str:
    lay = layout(chart)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(chart.title)}" '
           f'font-family="{FONT_STACK}">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           f'<text x="{LEFT}" y="26" font-size="16" font-weight="600" fill="{INK}">'
           f'{escape(chart.title)}</text>']
    if chart.note:
        out.append(f'<text x="{LEFT}" y="46" font-size="12" fill="{MUTED}">'
                   f'{escape(chart.note)}</text>')
    for y, text in lay.ticks:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{GRID}"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y + 4:.1f}" font-size="11" fill="{MUTED}" '
                   f'text-anchor="end">{escape(text)}</text>')
    if chart.y_label:
        out.append(f'<text x="14" y="{TOP + (HEIGHT - TOP - BOTTOM) / 2:.1f}" font-size="11" '
                   f'fill="{MUTED}" text-anchor="middle" transform="rotate(-90 14 '
                   f'{TOP + (HEIGHT - TOP - BOTTOM) / 2:.1f})">{escape(chart.y_label)}</text>')
    for b in lay.bars:
        out.append(f'<rect x="{b.x:.1f}" y="{b.y:.1f}" width="{b.w:.1f}" height="{b.h:.1f}" '
                   f'rx="2" fill="{b.colour}"/>')
        if b.label:
            out.append(f'<text x="{b.x + b.w / 2:.1f}" y="{b.y - 4:.1f}" font-size="10" '
                       f'fill="{INK}" text-anchor="middle">{escape(b.label)}</text>')
    base = HEIGHT - BOTTOM
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{base}" y2="{base}" '
               f'stroke="{MUTED}"/>')
    for x, text in lay.xlabels:
        out.append(f'<text x="{x:.1f}" y="{base + 16}" font-size="11" fill="{MUTED}" '
                   f'text-anchor="middle">{escape(text)}</text>')
    lx = WIDTH - RIGHT
    for colour, name in reversed(lay.legend):
        width = 14 + 7 * len(name)
        lx -= width + 12
        out.append(f'<rect x="{lx}" y="16" width="10" height="10" rx="2" fill="{colour}"/>')
        out.append(f'<text x="{lx + 14}" y="25" font-size="12" fill="{INK}">'
                   f'{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


@cache
def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    from common.fonts import font_path

    return ImageFont.truetype(str(font_path("SemiBold" if bold else "Regular")), size)


def to_png(chart: Chart, scale: int = 2) -> bytes:
    from PIL import Image, ImageDraw

    lay = layout(chart)
    img = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "#ffffff")
    d = ImageDraw.Draw(img)

    def s(v: float) -> float:
        return v * scale

    d.text((s(LEFT), s(12)), chart.title, fill=INK, font=_font(16 * scale, True))
    if chart.note:
        d.text((s(LEFT), s(34)), chart.note, fill=MUTED, font=_font(12 * scale))
    small = _font(11 * scale)
    for y, text in lay.ticks:
        d.line([(s(LEFT), s(y)), (s(WIDTH - RIGHT), s(y))], fill=GRID, width=scale)
        d.text((s(LEFT - 8), s(y)), text, fill=MUTED, font=small, anchor="rm")
    for b in lay.bars:
        if b.h > 0:
            d.rounded_rectangle([s(b.x), s(b.y), s(b.x + b.w), s(b.y + b.h)],
                                radius=2 * scale, fill=b.colour)
        if b.label:
            d.text((s(b.x + b.w / 2), s(b.y - 3)), b.label, fill=INK,
                   font=_font(10 * scale), anchor="ms")
    base = HEIGHT - BOTTOM
    d.line([(s(LEFT), s(base)), (s(WIDTH - RIGHT), s(base))], fill=MUTED, width=scale)
    for x, text in lay.xlabels:
        d.text((s(x), s(base + 5)), text, fill=MUTED, font=small, anchor="ma")
    font = _font(12 * scale)
    lx = s(WIDTH - RIGHT)
    for colour, name in reversed(lay.legend):
        lx -= s(26) + d.textlength(name, font=font)
        d.rounded_rectangle([lx, s(16), lx + s(10), s(26)], radius=2 * scale, fill=colour)
        d.text((lx + s(14), s(21)), name, fill=INK, font=font, anchor="lm")
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


# -- the report's charts -------------------------------------------------------------------
_WORDS = {
    "vi": {"issued": "Số phiếu cấp", "served": "Đã phục vụ", "hours": "Lượt theo giờ trong ngày",
           "days": "Lượt theo ngày", "satisfaction": "Mức độ hài lòng (đánh giá tại quầy)",
           "count": "Số lượt", "rate": "Tỷ lệ hài lòng và rất hài lòng",
           "none": "chưa có đánh giá tại quầy"},
    "en": {"issued": "Issued", "served": "Served", "hours": "Visits by hour of the day",
           "days": "Visits by day", "satisfaction": "Satisfaction (counter ratings)",
           "count": "Count", "rate": "Satisfaction rate (top two levels)",
           "none": "no counter ratings yet"},
}
CHARTS = ("hours", "days", "satisfaction")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}".rstrip("0").rstrip(".") + "%"


def report_chart(report: dict[str, Any], kind: str, lang: str = "vi") -> Chart:
    """One of the report's pictures: `hours`, `days` or `satisfaction`."""
    w = _WORDS["en" if lang == "en" else "vi"]
    label = report["period"]["label" if lang != "en" else "label_en"]
    if kind == "hours":
        rows = active_hours(report["by_hour"])
        return Chart(w["hours"], tuple(f"{r['hour']:02d}h" for r in rows), (
            Series(w["issued"], tuple(r["issued"] for r in rows), BLUE),
            Series(w["served"], tuple(r["served"] for r in rows), GREEN)),
            y_label=w["count"], note=f"{report['hall']['name']} · {label}")
    if kind == "days":
        rows = report["by_day"]
        cats = tuple(f"{r['date'][8:10]}/{r['date'][5:7]}" for r in rows)
        return Chart(w["days"], cats, (
            Series(w["issued"], tuple(r["issued"] for r in rows), BLUE),
            Series(w["served"], tuple(r["served"] for r in rows), GREEN)),
            y_label=w["count"], note=f"{report['hall']['name']} · {label}")
    if kind == "satisfaction":
        sat = report["satisfaction"]
        levels = sat["levels"]
        name = "name_en" if lang == "en" else "name"
        colours = _level_colours(len(levels))
        rate = sat["satisfaction_rate"]
        note = f"{w['rate']}: {_pct(rate)}" if rate is not None else w["none"]
        return Chart(w["satisfaction"], tuple(lv[name] for lv in levels), (
            Series(w["count"], tuple(lv["count"] for lv in levels), colours[-1], colours),),
            y_label=w["count"], note=note,
            percent_labels=tuple(f"{lv['count']} · {_pct(lv['share'])}" if lv["count"] else ""
                                 for lv in levels))
    raise ValueError(f"unknown chart {kind!r}; one of {', '.join(CHARTS)}")


def _level_colours(n: int) -> tuple[str, ...]:
    if n <= 1:
        return (LEVEL_COLOURS[-1],)
    return tuple(LEVEL_COLOURS[round(i * (len(LEVEL_COLOURS) - 1) / (n - 1))] for i in range(n))
