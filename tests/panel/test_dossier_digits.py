"""The panel reads a dossier code as the server does (contracts/dossier_code.py): full-width
or Arabic-Indic digits typed or scanned are taken as the ASCII code, shown as valid, and sent
and stored in the one spelling. Real Chromium against a real server."""

from __future__ import annotations

import pytest
from sqlmodel import select

from server.db.models import Visit
from tests.panel.conftest import PageErrors, issue, open_panel, settled

pytestmark = pytest.mark.browser
CODE = "000.00.31.H12-250701-0001"
FULLWIDTH = "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in CODE)
ARABIC_INDIC = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in CODE)


def expect(locator):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


def test_other_scripts_digits_are_the_ascii_code(browser, live) -> None:
    errors = PageErrors()
    issue(live, "HT", "HT")
    panel = open_panel(browser, live, errors, "lan", 1)
    for typed in (FULLWIDTH, ARABIC_INDIC):
        settled(panel)
        panel.click("#btn-next")
        expect(panel.locator("#current")).to_have_attribute("data-state", "called")
        settled(panel)
        panel.click("#outcomes span[data-outcome=received]")
        panel.fill("#dossier", typed)
        expect(panel.locator("#dossier-hint")).to_contain_text("Mã hợp lệ")
        panel.press("#dossier", "Enter")
        expect(panel.locator("#current")).to_have_attribute("data-state", "idle")
    db = live._db()
    try:
        codes = db.read(lambda s: [v.dossier_code for v in s.exec(select(Visit))])
    finally:
        db.dispose()
    assert codes == [CODE, CODE]
    assert errors.errors == []
