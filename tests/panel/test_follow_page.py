"""The QR page `/q/{ticket}` on a citizen's phone (390×844, an en-US browser): the number, the
service, the people ahead, live, and the counter once called, nothing wider than the screen,
nothing personal."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from server.follow_page import minutes_text
from tests.panel.conftest import TIMEOUT_MS, PageErrors, issue

PHONE = {"width": 390, "height": 844}


def phone_page(browser, errors: PageErrors):
    context = browser.new_context(viewport=PHONE, locale="en-US", device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors.attach(page)
    return page


def no_horizontal_overflow(page) -> None:
    width = page.evaluate("() => document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a 390 px phone"


def test_the_qr_page_follows_the_ticket_until_its_counter_calls_it(browser, live, shots):
    errors = PageErrors()
    first, mine = issue(live, "TKQ", "TKQ")
    page = phone_page(browser, errors)
    page.goto(f"{live.url}/q/{mine['id']}")
    svc = live.cfg.service("TKQ")
    expect(page.locator("#number")).to_have_text(mine["number"])
    expect(page.locator("#service")).to_contain_text(svc.name)
    expect(page.locator("#ahead")).to_have_text("1")
    expect(page.locator("#live")).to_contain_text("người đang chờ trước Ông/Bà")
    expect(page.locator("#live")).to_contain_text(re.compile(r"khoảng \d+ phút"))
    expect(page.locator(".hall-name")).to_have_text(live.cfg.hall.name)
    no_horizontal_overflow(page)
    number_size = page.eval_on_selector("#number", "n => parseFloat(getComputedStyle(n).fontSize)")
    assert number_size >= 80, number_size  # large type, as on the kiosk
    box = page.locator("#number").bounding_box()
    assert box["height"] < 1.5 * number_size, "the number wraps onto two lines"
    page.screenshot(path=str(shots / "follow-waiting.png"))

    label = live.cfg.counter(5).label
    officer = live.client(live.login("lan", counter=5))
    called = officer.post("/api/v1/counters/5/next")
    assert called.json()["ticket"]["number"] == first["number"]
    # the page asks again by itself: the one ahead was called, this one is next
    expect(page.locator("#ahead")).to_have_text("0", timeout=20_000)
    expect(page.locator("#live")).to_contain_text("Ông/Bà là người kế tiếp")
    officer.post("/api/v1/counters/5/skip").raise_for_status()
    assert officer.post("/api/v1/counters/5/next").json()["ticket"]["number"] == mine["number"]
    call = page.locator("#call")
    expect(call).to_contain_text(f"Mời Ông/Bà đến quầy {label}", timeout=20_000)
    expect(call).to_contain_text(f"Please go to counter {label}")
    expect(page.locator("#ahead")).to_have_count(0)
    no_horizontal_overflow(page)
    page.screenshot(path=str(shots / "follow-called.png"))

    # missed, then called back by number when the citizen returns: the page still follows
    officer.post("/api/v1/counters/5/skip").raise_for_status()
    expect(page.locator("#state")).to_contain_text("Vắng mặt", timeout=20_000)
    expect(call).to_have_count(0)
    again = officer.post("/api/v1/counters/5/call", json={"number": mine["number"]})
    assert again.status_code == 200, again.text
    expect(call).to_contain_text(f"Mời Ông/Bà đến quầy {label}", timeout=20_000)
    assert errors.errors == []


def test_the_qr_page_of_a_missing_ticket_says_so_in_both_languages(live):
    r = live.client().get("/q/999999")
    assert r.status_code == 404
    assert "Không tìm thấy số thứ tự này." in r.text and "This ticket was not found." in r.text
    assert r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text and "style=" not in r.text  # the CSP allows neither


def test_waits_read_in_minutes_and_hours_never_as_a_clock():
    assert minutes_text(30) == ("1 phút", "1 min")
    assert minutes_text(12 * 60) == ("12 phút", "12 min")
    assert minutes_text(65 * 60) == ("1 giờ 5 phút", "1 h 5 min")
    assert minutes_text(2 * 3600) == ("2 giờ", "2 h")
