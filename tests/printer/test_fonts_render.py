"""The ticket typeface carries every Vietnamese letter; the raster ticket is drawn with it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import common.fonts as fonts
from contracts.ticket_view import TicketView, sample_ticket_view
from drivers.printer import render
from drivers.printer.layout import QR, Paper, Text, ticket_layout, wrap
from drivers.printer.render import render_ticket_image

WEIGHTS = ("Regular", "Bold", "ExtraBold")  # what render.py draws with


@pytest.mark.parametrize("weight", WEIGHTS)
def test_ticket_font_covers_every_vietnamese_letter(weight: str) -> None:
    path = fonts.checked_font_path(weight)
    assert fonts.missing_letters(path) == ""


def _freesansbold() -> Path:
    pygame = pytest.importorskip("pygame")
    return Path(pygame.__file__).parent / "freesansbold.ttf"


def test_a_font_without_vietnamese_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _freesansbold()
    missing = fonts.missing_letters(bad)
    assert "ờ" in missing and len(missing) >= 90  # FIELD-NOTES: 94 of 146 missing
    monkeypatch.setattr(fonts, "font_path", lambda weight="Regular": bad)
    render._font.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="lacks Vietnamese letters"):
            fonts.checked_font_path("Regular")
        with pytest.raises(RuntimeError, match="lacks Vietnamese letters"):
            render_ticket_image(sample_ticket_view(), 384)
    finally:
        render._font.cache_clear()


@pytest.mark.parametrize("dots", [384, 576])
def test_render_sizes_and_modes(dots: int) -> None:
    view = sample_ticket_view()
    mono = render_ticket_image(view, dots)
    grey = render_ticket_image(view, dots, mono=False)
    assert mono.mode == "1" and grey.mode == "L"
    assert mono.width == grey.width == dots
    assert mono.height == grey.height > 600
    assert set(mono.convert("L").getdata()) == {0, 255}
    assert render_ticket_image(view, dots).tobytes() == mono.tobytes()  # deterministic


def test_render_refuses_a_strip_too_narrow() -> None:
    with pytest.raises(ValueError, match="256 dots"):
        render_ticket_image(sample_ticket_view(), 100)


def test_layout_has_the_ticket_content_in_order() -> None:
    view = sample_ticket_view().model_copy(update={"priority": "Diện ưu tiên",
                                                   "priority_en": "Priority"})
    blocks = ticket_layout(view, Paper.for_width(58))
    roles = [b.role for b in blocks if isinstance(b, Text)]
    assert roles.index("hall") < roles.index("number") < roles.index("service")
    number = next(b for b in blocks if isinstance(b, Text) and b.role == "number")
    assert number.text == "1023" and number.size == 4 and number.bold
    texts = " | ".join(b.text for b in blocks if isinstance(b, Text))
    assert "Diện ưu tiên / Priority" in texts
    assert "Số người chờ trước / Ahead: 7" in texts
    assert "Dự kiến chờ (phút) / Wait (min): 21" in texts
    assert "Quầy / Counters: 1, 2, 5A" in texts
    assert "23/11/2026 09:41" in texts
    assert [b.data for b in blocks if isinstance(b, QR)] == ["http://127.0.0.1:8000/q/1"]


def test_layout_is_nfc_and_shrinks_a_long_number() -> None:
    view = TicketView(hall_name="Ho\u0302\u0323i", service_code="X",
                      service_name="Hộ tịch", number="HT-1234567",
                      issued_at=datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=7))),
                      waiting_ahead=0, qr_url=None)
    blocks = ticket_layout(view, Paper.for_width(58))
    assert blocks[0].text == "Hội"
    number = next(b for b in blocks if isinstance(b, Text) and b.role == "number")
    assert len(number.text) * number.size <= Paper.for_width(58).columns
    assert any(isinstance(b, Text) and b.text.startswith("Sắp đến lượt") for b in blocks)
    assert not any(isinstance(b, QR) for b in blocks)


def test_wrap_fits_and_cuts_long_words() -> None:
    lines = wrap("một hai ba bốn năm sáu bảy tám chín mười", 12, len)
    assert all(len(line) <= 12 for line in lines)
    assert " ".join(lines) == "một hai ba bốn năm sáu bảy tám chín mười"
    assert wrap("x" * 25, 10, len) == ["x" * 10, "x" * 10, "x" * 5]
    assert wrap("", 10, len) == [""]
