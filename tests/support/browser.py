"""Headless Chromium for the page tests: Debian's package driven by Python Playwright through
`executable_path` (no browser download), or a skip that names what is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for name in (os.environ.get("LAYSO_CHROMIUM"), "chromium", "chromium-browser"):
        if name and (found := shutil.which(name)):
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Python Playwright is missing: `.venv/bin/pip install playwright` (the "
                    "browser itself comes from Debian's `chromium` package)")
    exe = chromium_path()
    if exe is None:
        pytest.skip("Chromium is missing: `apt-get install chromium` (or set LAYSO_CHROMIUM "
                    "to a Chromium binary)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
