"""The citizen's page /dat-lich on a phone-sized Chromium (390×844): choose a field, see the
queue, get the code from the gateway simulator, take a number, follow it on /q/{id}."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

PHONE_SCREEN = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("LAYSO_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_number_from_a_phone_end_to_end(browser, citizen_hall, sim, shots):
    live = citizen_hall
    kiosk = live.client(live.device_token("kiosk-1"))
    for _ in range(2):
        kiosk.post("/api/v1/tickets", json={"service": "HT"}).raise_for_status()
    context = browser.new_context(viewport=PHONE_SCREEN, locale="vi-VN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live.url}/dat-lich")
        ht = page.locator(".service[data-code=HT]")
        expect(ht).to_contain_text("Hộ tịch")
        expect(ht).to_contain_text("Đang chờ 2 người")
        expect(page.locator(".service[data-code=TKQ]")).to_be_disabled()
        page.screenshot(path=str(shots / "dat-lich-1-services.png"), full_page=True)
        ht.tap()
        expect(ht).to_have_attribute("aria-checked", "true")
        page.fill("#phone", "0912 345 678")
        page.click("#send-code")
        expect(page.locator("#step-code")).to_be_visible()
        code = sim.next_code("+84912345678", 0).code
        page.fill("#code", "000000" if code != "000000" else "111111")
        page.click("#take")
        expect(page.locator("#error")).to_contain_text("Mã xác nhận không đúng")
        page.fill("#code", code)
        page.screenshot(path=str(shots / "dat-lich-2-code.png"), full_page=True)
        page.click("#take")
        expect(page.locator("#step-done")).to_be_visible()
        expect(page.locator("#number")).to_have_text("1003")
        expect(page.locator("#done-wait")).to_contain_text("Trước Ông/Bà còn 2 người")
        page.screenshot(path=str(shots / "dat-lich-3-number.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_SCREEN["width"], f"the page scrolls sideways: {width}px"
        href = page.get_attribute("#follow", "href")
        assert href and href.startswith("/q/")
        page.click("#follow")
        expect(page).to_have_url(f"{live.url}{href}")
        expect(page.locator("h1")).to_have_text("1003")
        assert "912345678" not in page.content()
    finally:
        context.close()
    assert errors == []
