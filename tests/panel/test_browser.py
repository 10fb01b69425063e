"""The officer's panel and the rating tablet in a real headless Chromium against a real server.

Skipped with a message saying what is missing when Chromium or Playwright is not installed.
Set LAYSO_SCREENSHOTS=DIR to keep the screenshots; run with -s to see the measured latency.
"""

from __future__ import annotations

import json
import re
import statistics
import time

import pytest
from sqlmodel import select

from server.db.models import Rating, Visit
from tests.panel.conftest import (
    TABLET,
    PageErrors,
    issue,
    new_page,
    open_panel,
    restart_same_port,
    settled,
)

pytestmark = pytest.mark.browser

CODE = "000.00.31.H12-250701-0001"


def expect(locator):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def stored_ratings(live) -> list[tuple[Rating, Visit]]:
    db = live._db()
    try:
        return db.read(lambda s: [(r, s.get(Visit, r.visit_id)) for r in s.exec(select(Rating))])
    finally:
        db.dispose()


def open_tablet(browser, live, errors: PageErrors, counter: int = 1):
    token = live.device_token(f"rate-{counter}", "rating", counter=counter)
    tablet = new_page(browser, errors, TABLET)
    tablet.goto(f"{live.url}/rate/{counter}?token={token}")
    expect(tablet.locator("#view-idle")).to_be_visible()
    expect(tablet.locator("#conn")).to_have_attribute("data-state", "online")
    return tablet, token


def test_call_recall_finish_with_dossier_then_rate_and_see_it_in_the_figures(
        browser, live, shots):
    errors = PageErrors()
    issue(live, "HT", "HT")
    panel = open_panel(browser, live, errors, "lan", 1)
    expect(panel.locator("#queue-list .q-item")).to_have_count(2)
    tablet, token = open_tablet(browser, live, errors)
    # "Xin mời công dân đến lượt" invited whoever's turn it was; the tablet asks to wait
    expect(tablet.locator("#idle-label")).to_contain_text("Vui lòng chờ đến lượt")
    tablet.screenshot(path=str(shots / "rate-idle.png"))
    assert "token=" not in tablet.url  # entered once, kept on the tablet, out of the address bar
    assert tablet.evaluate("localStorage.getItem('layso.rating.token')") == token

    panel.click("#btn-next")
    expect(panel.locator("#current")).to_have_attribute("data-state", "called")
    expect(panel.locator("#cur-number")).to_have_text("1001")
    expect(tablet.locator("#idle-number")).to_have_text("1001")
    expect(panel.locator("#queue-list .q-item")).to_have_count(1)

    settled(panel)
    panel.keyboard.press("F3")  # recall by its shortcut
    expect(panel.locator("#cur-hint")).to_contain_text("1/3")
    settled(panel)
    panel.keyboard.press("F4")  # the citizen arrived
    expect(panel.locator("#current")).to_have_attribute("data-state", "serving")
    settled(panel)
    expect(panel.locator("#dossier")).to_be_focused()  # ready for the barcode scanner
    # expect() polls without evaluating a string in the page: the page's CSP forbids eval
    # with its units, never "0:12" (minutes or hours?)
    expect(panel.locator("#cur-timer")).to_have_text(re.compile(r"^\d+ (giây|phút)"))

    # each outcome carries the name of the official form it hands over (Circular 01/2018)
    expect(panel.locator("#outcomes span[data-outcome=received] .outcome-form")).to_have_text(
        "Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    expect(panel.locator("#outcomes span[data-outcome=supplement] .outcome-form")).to_have_text(
        "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    panel.click("#outcomes span[data-outcome=received]")
    panel.focus("#dossier")
    panel.keyboard.type(CODE.lower())  # a scanner types like a keyboard …
    expect(panel.locator("#dossier")).to_have_value(CODE)
    expect(panel.locator("#dossier-hint")).to_contain_text("Mã hợp lệ")
    panel.screenshot(path=str(shots / "panel-serving.png"))
    panel.keyboard.press("Enter")  # … and ends with Enter
    expect(panel.locator("#current")).to_have_attribute("data-state", "idle")

    expect(tablet.locator("#view-ask")).to_be_visible()
    expect(tablet.locator("#ask-ticket")).to_contain_text("1001")
    assert tablet.locator(".level .vi").all_inner_texts() == [
        "Rất hài lòng", "Hài lòng", "Không hài lòng"]
    assert tablet.locator(".level .en").all_inner_texts() == [
        "Very satisfied", "Satisfied", "Dissatisfied"]
    tablet.screenshot(path=str(shots / "rate-ask.png"))
    tablet.click(".level[data-score='3']")
    expect(tablet.locator("#view-thanks")).to_be_visible()
    expect(tablet.locator("#thanks-title")).to_contain_text("Cảm ơn Ông/Bà!")
    tablet.screenshot(path=str(shots / "rate-thanks.png"))

    # The panel's own figures follow the rating live.
    expect(panel.locator("#st-ratings li[data-score='3'] .bar-count")).to_have_text("1")
    expect(panel.locator("#st-served")).to_have_text("1")
    expect(panel.locator("#st-dossiers")).to_have_text("1")
    panel.screenshot(path=str(shots / "panel-after-rating.png"))

    [(rating, visit)] = stored_ratings(live)
    assert (rating.score, rating.counter, rating.reason) == (3, 1, None)
    assert (visit.dossier_code, visit.outcome) == (CODE, "received")
    assert errors.errors == []


def test_low_rating_asks_a_reason_and_a_reloaded_tablet_offers_the_open_window(
        browser, live, shots):
    errors = PageErrors()
    issue(live, "HT")
    officer = live.client(live.login("lan", counter=1))
    tablet, _ = open_tablet(browser, live, errors)
    officer.post("/api/v1/counters/1/next").raise_for_status()
    expect(tablet.locator("#idle-number")).to_have_text("1001")
    officer.post("/api/v1/counters/1/finish", json={"outcome": "guidance"}).raise_for_status()
    expect(tablet.locator("#view-ask")).to_be_visible()

    tablet.reload()  # the window is still open: the tablet offers it again
    expect(tablet.locator("#view-ask")).to_be_visible()
    expect(tablet.locator("#ask-ticket")).to_contain_text("1001")
    tablet.click(".level-low")
    expect(tablet.locator("#view-reason")).to_be_visible()
    reasons = tablet.locator(".reason-btn:not(.skip)").all_inner_texts()
    assert reasons == live.cfg.rating.low_reasons
    tablet.screenshot(path=str(shots / "rate-reason.png"))
    assert "Thái độ phục vụ chưa tốt" in reasons  # the official wording of the criteria
    tablet.click(".reason-btn >> text=Thời gian chờ đợi lâu")
    expect(tablet.locator("#view-thanks")).to_be_visible()

    [(rating, visit)] = stored_ratings(live)
    assert (rating.score, rating.reason, visit.outcome) == (1, "Thời gian chờ đợi lâu", "guidance")
    assert errors.errors == []


def test_transfer_between_two_open_panels_appears_on_the_other_at_once(browser, live, shots):
    errors = PageErrors()
    issue(live, "HT")  # counters 1 and 2 both serve Hộ tịch
    one = open_panel(browser, live, errors, "lan", 1)
    two = open_panel(browser, live, errors, "minh", 2)
    expect(two.locator("#queue-list .q-item")).to_have_count(1)

    one.click("#btn-next")
    expect(one.locator("#cur-number")).to_have_text("1001")
    expect(two.locator("#queue-list .q-item")).to_have_count(0)  # called elsewhere, live

    settled(one)
    one.keyboard.press("Alt+T")
    expect(one.locator("#dlg-transfer")).to_be_visible()
    one.check("#transfer-form input[value=counter]")
    one.check("#transfer-counter input[value='2']")
    one.click("#transfer-reason-chips button >> nth=1")
    expect(one.locator("#transfer-reason")).to_have_value("Cần quầy chuyên môn")
    one.screenshot(path=str(shots / "panel-transfer.png"))
    one.click("#transfer-form button[type=submit]")
    expect(one.locator("#dlg-transfer")).to_be_hidden()
    expect(one.locator("#current")).to_have_attribute("data-state", "idle")

    row = two.locator("#queue-list .q-item.is-here")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("1001")
    expect(row).to_contain_text("Chuyển đến quầy này")
    expect(two.locator("#toast")).to_contain_text("Cần quầy chuyên môn")
    two.keyboard.press("F2")
    expect(two.locator("#cur-number")).to_have_text("1001")
    expect(two.locator("#current")).to_have_attribute("data-state", "called")
    assert errors.errors == []


def test_refused_actions_show_the_servers_message_and_leave_the_page_usable(browser, live):
    errors = PageErrors()
    issue(live, "HT")
    panel = open_panel(browser, live, errors, "lan", 1)

    # A second officer on a held counter is told who holds it.
    live.add_user("hoa")
    other = new_page(browser, errors)
    other.goto(f"{live.url}/panel?counter=1")
    other.fill("#login-user", "hoa")
    other.fill("#login-pass", "mật-khẩu-thử-1")
    other.click("#btn-login")
    expect(other.locator("#login-error")).to_contain_text("Quầy 1 đang do lan giữ")
    expect(other.locator("#work-view")).to_be_hidden()

    # Calling a number that does not exist today: the server's words, in the dialog.
    panel.keyboard.press("Alt+G")
    panel.fill("#call-number", "9999")
    panel.press("#call-number", "Enter")
    expect(panel.locator("#dlg-call .error")).to_have_text(
        "Hôm nay không có số thứ tự 9999. (No ticket 9999 today.)")
    expect(panel.locator("#dlg-call")).to_be_visible()
    panel.keyboard.press("Escape")
    expect(panel.locator("#current")).to_have_attribute("data-state", "idle")

    # The page is still usable.
    panel.click("#btn-next")
    expect(panel.locator("#cur-number")).to_have_text("1001")

    officer = live.client(live.login("lan", counter=1))

    # A dossier code that does not fit: refused in place, with the hall's example (never the
    # regular expression), nothing sent.
    finishes = []
    panel.on("request", lambda req: finishes.append(req.url) if req.url.endswith("/finish")
             else None)
    panel.click("#outcomes span[data-outcome=received]")
    panel.fill("#dossier", "000.00.31-2507")
    panel.press("#dossier", "Enter")
    msg = panel.locator("#finish-msg")
    expect(msg).to_contain_text("không đúng mẫu")
    expect(msg).to_contain_text(live.cfg.dossier.example)
    expect(msg).not_to_contain_text(live.cfg.dossier.pattern)
    expect(panel.locator("#dossier")).to_have_class(re.compile(r"\binvalid\b"))
    expect(panel.locator("#dossier")).to_be_focused()
    assert finishes == []
    expect(panel.locator("#current")).to_have_attribute("data-state", "called")
    assert officer.get("/api/v1/counters/1/current").json()["ticket"]["state"] == "called"

    # Received without any code is refused in place too; a good code then finishes.
    panel.fill("#dossier", "")
    panel.click("#btn-finish")
    expect(msg).to_contain_text("cần có mã hồ sơ")
    panel.fill("#dossier", CODE)
    panel.press("#dossier", "Enter")
    expect(panel.locator("#current")).to_have_attribute("data-state", "idle")
    expect(msg).to_be_hidden()
    assert len(finishes) == 1

    settled(panel)
    # Pause with a reason; while paused Next is not offered; Resume by the same shortcut.
    panel.keyboard.press("Alt+P")
    panel.click("#pause-reasons span[data-reason=meeting]")
    panel.click("#pause-form button[type=submit]")
    expect(panel.locator("#current")).to_have_attribute("data-state", "paused")
    expect(panel.locator("#cur-hint")).to_contain_text("Họp")
    assert officer.get("/api/v1/counters").json()[0]["pause_reason"] == "Họp"
    expect(panel.locator("#btn-next")).to_be_disabled()
    settled(panel)
    panel.keyboard.press("Alt+P")
    expect(panel.locator("#current")).to_have_attribute("data-state", "idle")
    assert errors.errors == []


def test_a_code_only_the_server_can_check_shows_the_servers_422(browser, tmp_path):
    """Python's possessive `{4,}+` has no JavaScript equivalent: the page cannot check the
    code itself, so the server's refusal is what the officer sees: with the hall's example,
    never the regular expression (issue 13)."""
    from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
    from tests.support.live import LiveServer

    pattern = r"^[A-Z]{3}-\d{4,}+$"
    base = load_hall_config(DEFAULT_CONFIG)
    cfg = base.model_copy(update={"dossier": base.dossier.model_copy(
        update={"pattern": pattern, "example": "ABC-12345"})})
    live = LiveServer.start(db_url=f"sqlite:///{tmp_path / 'hall.sqlite3'}", cfg=cfg)
    try:
        errors = PageErrors()
        issue(live, "HT")
        panel = open_panel(browser, live, errors, "lan", 1)
        assert panel.evaluate("() => { try { new RegExp('^(?:' + "
                              f"{json.dumps(pattern)} + ')$'); return true; }} "
                              "catch { return false; } }") is False
        panel.click("#btn-next")
        expect(panel.locator("#current")).to_have_attribute("data-state", "called")
        panel.click("#outcomes span[data-outcome=received]")
        panel.fill("#dossier", "AB-1")
        panel.press("#dossier", "Enter")
        msg = panel.locator("#finish-msg")
        expect(msg).to_contain_text("Mã hồ sơ 'AB-1' không đúng mẫu")
        expect(msg).to_contain_text("ABC-12345")
        expect(msg).not_to_contain_text(pattern)
        expect(panel.locator("#current")).to_have_attribute("data-state", "called")
        panel.fill("#dossier", "abc-12345")
        panel.press("#dossier", "Enter")
        expect(panel.locator("#current")).to_have_attribute("data-state", "idle")
        assert errors.errors == []
    finally:
        live.stop()


def test_double_click_on_next_calls_one_ticket(browser, live, board):
    errors = PageErrors()
    issue(live, "HT", "HT")
    panel = open_panel(browser, live, errors, "lan", 1)
    posts: list[str] = []
    panel.on("request", lambda req: posts.append(req.url)
             if req.method == "POST" and req.url.endswith("/next") else None)
    panel.dblclick("#btn-next")
    expect(panel.locator("#current")).to_have_attribute("data-state", "called")
    expect(panel.locator("#btn-recall")).to_be_enabled()  # the action is over
    panel.keyboard.press("F2")  # Next while a citizen is called: refused in the page
    _, called = board.next_of("called")
    assert called["number"] == "1001"
    assert posts == [f"{live.url}/api/v1/counters/1/next"]
    expect(panel.locator("#action-msg")).to_be_hidden()
    manager = live.client(live.login("boss", role="manager"))
    assert manager.get("/api/v1/counters/1/queue").json()["total"] == 1
    assert errors.errors == []


def test_reload_lost_network_and_server_restart_come_back_to_the_true_state(browser, live):
    errors = PageErrors()
    issue(live, "HT", "HT", "HT")
    panel = open_panel(browser, live, errors, "lan", 1)
    panel.click("#btn-next")
    expect(panel.locator("#cur-number")).to_have_text("1001")
    settled(panel)
    panel.keyboard.press("F4")
    expect(panel.locator("#current")).to_have_attribute("data-state", "serving")
    settled(panel)

    panel.reload()  # mid-visit: still signed in, same citizen, same state
    expect(panel.locator("#work-view")).to_be_visible()
    expect(panel.locator("#cur-number")).to_have_text("1001")
    expect(panel.locator("#current")).to_have_attribute("data-state", "serving")
    expect(panel.locator("#queue-list .q-item")).to_have_count(2)

    # The network drops; meanwhile the counter's hardware keypad finishes and calls on.
    keypad_token = live.device_token("keypad-1", "keypad", counter=1)
    keypad = live.client(keypad_token)
    panel.context.set_offline(True)
    expect(panel.locator("#conn")).to_have_attribute("data-state", "offline")
    keypad.post("/api/v1/counters/1/finish", json={"outcome": "guidance"}).raise_for_status()
    keypad.post("/api/v1/counters/1/next").raise_for_status()
    panel.context.set_offline(False)
    expect(panel.locator("#cur-number")).to_have_text("1002")
    expect(panel.locator("#current")).to_have_attribute("data-state", "called")
    expect(panel.locator("#st-served")).to_have_text("1")

    # The server restarts; what happened while it was away shows once it is back.
    again = restart_same_port(live)
    try:
        keypad = again.client(keypad_token)
        keypad.post("/api/v1/counters/1/skip").raise_for_status()
        keypad.post("/api/v1/counters/1/next").raise_for_status()
        expect(panel.locator("#cur-number")).to_have_text("1003", timeout=20_000)
        expect(panel.locator("#conn")).to_have_attribute("data-state", "online")
        expect(panel.locator("#st-noshow")).to_have_text("1")
    finally:
        again.stop()
    assert errors.errors == []


def test_median_time_from_a_click_on_next_to_the_boards_event(browser, live, board, tmp_path):
    """Recorded, not asserted (speed is for benchmarks): printed with -s and written to
    tmp_path/next-to-board.json. Measured from the click event inside the page (wall clock,
    `performance.timeOrigin + performance.now()`) to the board's receipt of `called`; the
    time from Playwright's click call (which adds its own actionability checks) too."""
    rounds = 12
    issue(live, *["HT"] * rounds)
    errors = PageErrors()
    panel = open_panel(browser, live, errors, "lan", 1)
    panel.evaluate("""() => { window.__clicks = [];
        document.querySelector('#btn-next').addEventListener('click',
          () => window.__clicks.push(performance.timeOrigin + performance.now()),
          { capture: true }); }""")
    keypad = live.client(live.device_token("keypad-1", "keypad", counter=1))
    from_click, from_call = [], []
    for i in range(rounds):
        expect(panel.locator("#btn-next")).to_be_enabled()
        t0 = time.time()
        panel.click("#btn-next")
        at, ev = board.next_of("called")
        clicked_ms = panel.evaluate(f"window.__clicks[{i}]")
        from_click.append(at * 1000 - clicked_ms)
        from_call.append((at - t0) * 1000)
        assert ev["counter"] == 1
        expect(panel.locator("#current")).to_have_attribute("data-state", "called")
        keypad.post("/api/v1/counters/1/finish", json={"outcome": "guidance"}).raise_for_status()
        expect(panel.locator("#current")).to_have_attribute("data-state", "idle")
    result = {"rounds": rounds,
              "median_ms": round(statistics.median(from_click), 1),
              "min_ms": round(min(from_click), 1), "max_ms": round(max(from_click), 1),
              "median_from_playwright_click_ms": round(statistics.median(from_call), 1)}
    (tmp_path / "next-to-board.json").write_text(json.dumps(result))
    print(f"\nclick on Next → board's `called` event: {result}")
    assert len(from_click) == rounds and errors.errors == []
