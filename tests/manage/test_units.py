"""Small pure pieces of the reports: percentiles, periods, paused time, chart layout."""

from __future__ import annotations

from datetime import date

import pytest

from server.reports.chart import Chart, Series, nice_step, to_svg
from server.reports.period import PeriodError, PeriodKind, make_period
from server.reports.stats import percentile, summarise
from server.reports.summary import _paused_seconds


def test_percentiles_interpolate_like_excel_percentile_inc() -> None:
    # Excel: =PERCENTILE.INC({1,2,3,4},0.9) is 3.7; the median of an even count interpolates.
    assert percentile([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([7], 0.9) == 7
    assert summarise([]) == {"count": 0, "mean_s": None, "median_s": None, "p90_s": None,
                             "max_s": None}
    assert summarise([300.04, 100, 200]) == {"count": 3, "mean_s": 200.0, "median_s": 200.0,
                                             "p90_s": 280.0, "max_s": 300.0}
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_periods() -> None:
    week = make_period("week", on=date(2026, 4, 30))
    assert (week.start, week.end, week.kind) == (date(2026, 4, 27), date(2026, 5, 3),
                                                 PeriodKind.week)
    feb = make_period("month", on=date(2028, 2, 10))
    assert (feb.start, feb.end, feb.days) == (date(2028, 2, 1), date(2028, 2, 29), 29)
    one = make_period("range", start=date(2026, 4, 28))
    assert one.kind == PeriodKind.day and one.label("vi") == "ngày 28/04/2026"
    assert make_period("range", start=date(2026, 1, 1), end=date(2026, 12, 31)).days == 365
    with pytest.raises(PeriodError, match="tối đa 366 ngày"):
        make_period("range", start=date(2025, 1, 1), end=date(2026, 12, 31))
    with pytest.raises(PeriodError, match="Unknown period 'year'"):
        make_period("year", on=date(2026, 1, 1))


def test_paused_time_counts_only_opening_hours() -> None:
    sessions = [(0.0, 10.0), (20.0, 30.0), (100.0, 110.0)]
    assert _paused_seconds(sessions, [(5.0, 25.0)]) == 10  # across the lunch break
    assert _paused_seconds(sessions, [(28.0, 105.0)]) == 7  # overnight: 2 s + 5 s
    assert _paused_seconds(sessions, [(10.0, 20.0), (40.0, 90.0)]) == 0
    assert _paused_seconds(sessions, [(0.0, 200.0)]) == 30


def test_charts_escape_text_and_use_round_steps() -> None:
    assert [nice_step(x) for x in (0, 4, 9, 37, 480)] == [1, 1, 2, 10, 100]
    svg = to_svg(Chart("Lượt <đặc biệt> & \"ký tự\"", ("07h", "08h"),
                       (Series("Số phiếu cấp", (3, 0), "#2563eb"),)))
    assert "Lượt &lt;đặc biệt&gt; &amp;" in svg and "<đặc" not in svg
    assert svg.count("<rect") == 1 + 2  # the background and one bar per category


def test_every_vietnamese_text_is_nfc() -> None:
    """A decomposed tone mark (NFD) would show as a box or a stray accent on some screens."""
    import unicodedata
    from pathlib import Path

    from server.reports.tables import KPIS, TABLES

    root = Path(__file__).resolve().parents[2]
    files = [root / "counter_panel/web/manage.html", root / "counter_panel/web/static/manage.js",
             root / "server/reports/tables.py", root / "server/reports/chart.py",
             root / "server/reports/live.py", root / "server/reports/period.py",
             root / "server/reports/export_xlsx.py", root / "docs/reports.md"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), path
    headers = [c.vi for t in TABLES for c in t.columns] + [c.vi for c in KPIS]
    assert all(unicodedata.is_normalized("NFC", h) for h in headers)
    # ỷ: y + hook above, one code point
    assert "Tỷ lệ hài lòng và rất hài lòng (đánh giá tại quầy)" in headers
    assert len("Tỷ") == 2


def test_rating_figures_say_they_are_counter_ratings() -> None:
    """Layso records ratings given on the counter's tablet only: every report label about
    ratings says "đánh giá tại quầy" / "counter ratings", apart from online ratings (issue 13)."""
    from server.reports.tables import KPIS, TABLES

    labels = [(c.vi, c.en) for t in TABLES for c in t.columns] + [(c.vi, c.en) for c in KPIS]
    labels += [(t.vi, "counter ratings") for t in TABLES]  # English: CSV section names
    about = [(vi, en) for vi, en in labels
             if ("đánh giá" in vi or vi.startswith(("Tỷ lệ hài lòng", "Mức độ hài lòng")))]
    assert len(about) >= 6
    for vi, en in about:
        assert "đánh giá tại quầy" in vi, vi
        assert "counter ratings" in en.lower(), en
