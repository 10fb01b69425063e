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
