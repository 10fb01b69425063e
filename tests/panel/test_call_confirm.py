"""The officer's panel when "Call a number" is refused for a ticket Next would not give the
counter: the server's reason is shown in the call dialog with "Vẫn gọi" (Call anyway), which
calls it with `confirm: true`; the event log records the confirmed override. Real Chromium
against a real server (LAYSO_SCREENSHOTS=DIR keeps the dialog's screenshot)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.panel.conftest import PageErrors, issue, open_panel, settled

pytestmark = pytest.mark.browser


def expect(locator):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def test_call_anyway_after_the_servers_reason(browser, live, shots) -> None:
    errors = PageErrors()
    [ct] = issue(live, "CT")  # counter 2 of the demo hall serves HT only
    panel = open_panel(browser, live, errors, "lan", 2)
    calls: list[dict] = []
    panel.on("request", lambda req: calls.append(json.loads(req.post_data or "{}"))
             if req.url.endswith("/call") else None)

    panel.keyboard.press("Alt+G")
    panel.fill("#call-number", ct["number"])
    panel.press("#call-number", "Enter")
    dialog = panel.locator("#dlg-call")
    msg = dialog.locator(".error")
    expect(msg).to_contain_text(f"Số {ct['number']} thuộc lĩnh vực Chứng thực")
    expect(msg).to_contain_text("does not serve")
    anyway = panel.locator("#call-anyway")
    expect(anyway).to_be_visible()
    expect(anyway).to_have_text("Vẫn gọi")
    expect(panel.locator("#current")).to_have_attribute("data-state", "idle")
    settled(panel)
    panel.screenshot(path=str(shots / "panel-call-anyway.png"))

    # Another number typed: the confirmation was for the one refused, so the button goes.
    panel.fill("#call-number", "1001")
    expect(anyway).to_be_hidden()
    panel.fill("#call-number", ct["number"])
    panel.press("#call-number", "Enter")
    expect(anyway).to_be_visible()
    settled(panel)
    anyway.click()
    expect(dialog).to_be_hidden()
    expect(panel.locator("#current")).to_have_attribute("data-state", "called")
    expect(panel.locator("#cur-number")).to_have_text(ct["number"])
    assert calls == [{"number": ct["number"]}, {"number": ct["number"]},
                     {"number": ct["number"], "confirm": True}]
    with live._db().engine.connect() as conn:
        [payload] = conn.execute(text("SELECT payload FROM event WHERE type = 'called'"))\
            .scalars().all()
    event = json.loads(payload)
    assert (event["counter"], event["confirmed"], event["override"]) == (
        2, True, "other_service")
    assert errors.errors == []
