"""The rating tablet under a hall clock that is not a watch (the demo's fast fake clock): the
countdown is the hall's seconds left, never more than the window, and it ends when the
hall's window does; what a late citizen is told names no visit id and no UTC time."""

from __future__ import annotations

import os
import re
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from server.clock import FakeClock
from tests.panel.conftest import TABLET, PageErrors, issue, new_page
from tests.support.live import LiveServer

pytestmark = pytest.mark.browser

START = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))  # a Monday


def expect(locator):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def seconds_shown(tablet) -> int:
    text = tablet.locator("#countdown-text").inner_text()
    found = re.search(r"Còn (\d+) giây", text)
    assert found, text
    return int(found.group(1))


class Pacer:
    """The demo's fast clock: the hall's time moves `factor` times as fast as a watch, in
    small steps (as `layso demo` moves it)."""

    def __init__(self, clock: FakeClock, factor: float, step_s: float = 0.05) -> None:
        self.clock, self.factor, self.step_s = clock, factor, step_s
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.step_s):
            self.clock.advance(self.step_s * self.factor)

    def __enter__(self) -> Pacer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


def test_the_rating_countdown_follows_a_fast_hall_clock(browser, tmp_path):
    clock = FakeClock(START)
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}", clock=clock)
    window = live.cfg.rating.window_s
    errors = PageErrors()
    try:
        issue(live, "HT")
        officer = live.client(live.login("lan", counter=1))
        token = live.device_token("rate-1", "rating", counter=1)
        tablet = new_page(browser, errors, TABLET)
        tablet.goto(f"{live.url}/rate/1?token={token}")
        expect(tablet.locator("#conn")).to_have_attribute("data-state", "online")

        clock.advance(560)  # the hall's clock ran on after the tablet loaded (it said 620 s)
        officer.post("/api/v1/counters/1/next").raise_for_status()
        finished = officer.post("/api/v1/counters/1/finish", json={"outcome": "guidance"})
        finished.raise_for_status()
        visit_id = finished.json()["visit_id"]
        expect(tablet.locator("#view-ask")).to_be_visible()
        assert 1 <= seconds_shown(tablet) <= window
        shots = os.environ.get("LAYSO_SCREENSHOTS")
        if shots:
            tablet.screenshot(path=str(Path(shots) / "hD-rate-fast-clock.png"))

        clock.advance(window - 20)  # 20 of the hall's seconds left: the tablet says so
        # expect() polls without evaluating a string in the page (its CSP forbids eval)
        expect(tablet.locator("#countdown-text")).to_have_text(
            re.compile(r"Còn (20|1[0-9]|[0-9]) giây"), timeout=20_000)
        assert seconds_shown(tablet) <= 20

        with Pacer(clock, factor=30):  # the demo's pace: the window ends in under a second
            expect(tablet.locator("#view-idle")).to_be_visible(timeout=30_000)

        late = live.client(token).post(f"/api/v1/visits/{visit_id}/rating", json={"score": 3})
        assert late.status_code == 409 and late.json()["error"] == "rating_closed"
        message = late.json()["detail"]
        assert "UTC" not in message and not re.search(r"\d", message), message
        assert message.startswith("Đã hết thời gian đánh giá")
        assert errors.errors == []
    finally:
        live.stop()
