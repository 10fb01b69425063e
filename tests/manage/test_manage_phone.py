"""The manager's page on a 390 px phone (issue 13): nothing wider than the screen, on the live
view and on the report, and a counter card keeps its label and state pill on one line."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.manage.test_manage_page import DAY, hall, keep, morning  # noqa: F401 - fixture
from tests.support.live import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def page_width(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth")


def test_the_manager_page_fits_a_phone(hall, browser, tmp_path) -> None:  # noqa: F811
    live, clock = hall
    morning(live, clock)
    live.add_user("giamdoc", "manager")
    context = browser.new_context(viewport=PHONE, locale="en-US", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live.url}/manage")
    assert page_width(page) <= PHONE["width"]
    page.fill("#login-user", "giamdoc")
    page.fill("#login-pass", PASSWORD)
    page.click("#btn-login")
    page.wait_for_selector("#conn[data-state=online]")
    page.wait_for_selector(".counter[data-counter='1'][data-state='serving']")
    page.wait_for_selector("#queues tbody tr")
    shots = Path(os.environ.get("LAYSO_SCREENSHOTS") or tmp_path)
    shot = shots / "manage-phone-live.png"
    page.screenshot(path=str(shot), full_page=True)
    keep(shot)
    assert page_width(page) <= PHONE["width"], f"the live view is {page_width(page)} px wide"
    for card in page.query_selector_all(".counter"):
        label = card.query_selector(".c-label").bounding_box()
        pill = card.query_selector(".state-pill").bounding_box()
        line = float(card.eval_on_selector(".c-label", "n => parseFloat(getComputedStyle(n)"
                                           ".lineHeight) || n.getBoundingClientRect().height"))
        assert label["height"] <= line * 1.3, f"{card.inner_text()!r}: the label wraps"
        assert abs((label["y"] + label["height"] / 2) - (pill["y"] + pill["height"] / 2)) < 8, \
            f"{card.inner_text()!r}: the pill is not beside its label"

    # durations carry their units: the longest wait (47 min) is no "47:00"
    longest = page.inner_text("#kpis-live .kpi:nth-child(2) .kpi-value")
    assert re.fullmatch(r"\d+ min|\d+ phút", longest), longest
    assert not re.search(r"\b\d+:\d\d\b", page.inner_text("#queues")), page.inner_text("#queues")

    page.click("#tab-reports")
    page.wait_for_selector("#kpis-report .kpi")
    # the report's date reads dd/mm/yyyy in an en-US browser (no <input type=date>)
    assert page.get_attribute("#r-date", "type") == "text"
    assert page.input_value("#r-date") == DAY.strftime("%d/%m/%Y")
    page.fill("#r-date", "")
    page.locator("#r-date").press_sequentially("28042026")
    assert page.input_value("#r-date") == "28/04/2026"
    page.click("#btn-report")
    page.wait_for_selector("#report-period:has-text('28/04/2026')")
    shot = shots / "manage-phone-report.png"
    page.screenshot(path=str(shot), full_page=True)
    keep(shot)
    assert page_width(page) <= PHONE["width"], f"the report is {page_width(page)} px wide"
    assert errors == []
