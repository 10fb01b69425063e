"""What the officer saw wrong (issue 13): an info line that outlived its moment and its
language, a red outline left behind a closed dialog, toasts over the ratings block, and a bare
list box for the transfer targets."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.panel.conftest import PageErrors, issue, open_panel, settled


def test_nobody_waiting_follows_the_language_and_goes_when_a_ticket_is_called(browser, live):
    errors = PageErrors()
    panel = open_panel(browser, live, errors, "lan", 1)
    msg = panel.locator("#action-msg")
    panel.click("#btn-next")
    expect(msg).to_have_text("Không còn ai chờ ở quầy này.")
    panel.click("#btn-lang")
    expect(msg).to_have_text("Nobody is waiting for this counter.")
    panel.click("#btn-lang")
    expect(msg).to_have_text("Không còn ai chờ ở quầy này.")

    issue(live, "HT")
    expect(panel.locator("#queue-list .q-item")).to_have_count(1)
    settled(panel)
    panel.click("#btn-next")
    expect(panel.locator("#cur-number")).to_have_text("1001")
    expect(msg).to_be_hidden()
    assert errors.errors == []


def test_a_call_refused_in_its_dialog_leaves_no_red_outline_and_toasts_spare_the_ratings(
        browser, live, shots):
    errors = PageErrors()
    issue(live, "HT")
    panel = open_panel(browser, live, errors, "lan", 1)
    panel.keyboard.press("Alt+G")
    panel.fill("#call-number", "9999")
    panel.press("#call-number", "Enter")
    expect(panel.locator("#dlg-call .error")).to_contain_text("9999")
    panel.keyboard.press("Escape")
    expect(panel.locator("#dlg-call")).to_be_hidden()
    settled(panel)
    assert "refused" not in (panel.get_attribute("#btn-call", "class") or "")
    assert panel.locator(".refused").count() == 0

    panel.click("#btn-next")
    toast = panel.locator("#toast.show")
    expect(toast).to_contain_text("1001")
    side = panel.locator(".col-side").bounding_box()
    box = panel.locator("#toast").bounding_box()
    assert box["x"] + box["width"] <= side["x"], (box, side)  # beside the ratings, not over them
    panel.screenshot(path=str(shots / "panel-called.png"))
    assert errors.errors == []


def test_the_transfer_targets_are_styled_rows_to_choose_from(browser, live, shots):
    errors = PageErrors()
    issue(live, "HT")
    panel = open_panel(browser, live, errors, "lan", 1)
    panel.click("#btn-next")
    expect(panel.locator("#cur-number")).to_have_text("1001")
    settled(panel)
    panel.keyboard.press("Alt+T")
    dialog = panel.locator("#dlg-transfer")
    expect(dialog).to_be_visible()
    assert dialog.locator("select").count() == 0
    rows = dialog.locator("#transfer-service .pick")
    expect(rows).to_have_count(len(live.cfg.services))
    expect(rows.first).to_contain_text(live.cfg.services[0].name)
    row = dialog.locator("#transfer-service .pick").nth(1)
    before = row.evaluate("n => getComputedStyle(n).backgroundColor")
    row.click()
    expect(row.locator("input")).to_be_checked()
    assert row.evaluate("n => getComputedStyle(n).backgroundColor") != before
    panel.screenshot(path=str(shots / "panel-transfer-dialog.png"))
    panel.click("#transfer-form button[type=submit]")
    expect(dialog).to_be_hidden()
    expect(panel.locator("#current")).to_have_attribute("data-state", "idle")
    assert errors.errors == []


def test_dates_read_dd_mm_yyyy_and_durations_carry_units_in_an_en_us_browser(browser, live):
    """`<input type=date>` follows the browser's locale (mm/dd/yyyy in en-US); the due date is
    a dd/mm/yyyy text field instead. Timers and averages say "phút"/"giây", never "0:12"."""
    import json
    import re

    from tests.support.live import PASSWORD

    errors = PageErrors()
    issue(live, "HT")
    live.add_user("lan")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US",
                                  timezone_id="America/New_York")
    panel = context.new_page()
    errors.attach(panel)
    panel.goto(f"{live.url}/panel?counter=1")
    panel.fill("#login-user", "lan")
    panel.fill("#login-pass", PASSWORD)
    panel.click("#btn-login")
    expect(panel.locator("#conn[data-state=online]")).to_be_visible()
    panel.click("#btn-next")
    expect(panel.locator("#cur-number")).to_have_text("1001")
    settled(panel)
    timer = panel.locator("#cur-timer")
    expect(timer).to_have_text(re.compile(r"^\d+ giây$|^\d+ phút \d\d giây$"))

    due = panel.locator("#due-date")
    assert due.get_attribute("type") == "text" and due.get_attribute("placeholder") == "dd/mm/yyyy"
    bodies: list[dict] = []
    panel.on("request", lambda r: bodies.append(json.loads(r.post_data))
             if r.url.endswith("/finish") else None)
    panel.click("#outcomes span[data-outcome=received]")
    panel.fill("#dossier", "000.00.31.H12-250701-0001")
    due.press_sequentially("31022026")  # typed digits get their slashes
    expect(due).to_have_value("31/02/2026")
    panel.press("#dossier", "Enter")
    expect(panel.locator("#finish-msg")).to_contain_text("31/02/2026")  # no such day
    assert bodies == []
    due.fill("")
    due.press_sequentially("05012026")
    expect(due).to_have_value("05/01/2026")
    panel.press("#dossier", "Enter")
    expect(panel.locator("#current")).to_have_attribute("data-state", "idle")
    assert bodies and bodies[0]["due_date"] == "2026-01-05", bodies  # 5 January, not 1 May
    expect(panel.locator("#st-wait")).to_have_text(re.compile(r"^\d+ (giây|phút)"))
    assert errors.errors == []
