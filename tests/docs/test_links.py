"""Every relative link in README.md and docs/*.md opens a file of this repository.

A clone is all a newcomer has: a link to `../shared/DESIGN.md` (outside the repository) or to
a page nobody wrote is a dead end. Links are Markdown `[text](target)` and `<a href>`; web
addresses and in-page anchors are not checked; a link's `#anchor` is dropped before the file
is looked up. A Markdown file named in backticks (`docs/config.md`) is not a link, but it must
exist too: relative to the page, to the repository's root, or in docs/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|href=\"([^\"]+)\"")
_CODE_BLOCK = re.compile(r"^```.*?^```", re.S | re.M)
_DOC_NAME = re.compile(r"`([\w./-]+\.md)`")


def links(page: Path) -> list[str]:
    text = _CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    return [a or b for a, b in _LINK.findall(text)]


def _is_relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) and not target.startswith("#")


def _resolves(page: Path, target: str) -> bool:
    path = (page.parent / target.split("#", 1)[0]).resolve()
    return path.is_relative_to(ROOT) and path.exists()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(page):
    dead = [t for t in links(page) if _is_relative(t) and not _resolves(page, t)]
    assert not dead, f"{page.relative_to(ROOT)}: links that open nothing in a clone: {dead}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_page_named_in_backticks_exists(page):
    text = _CODE_BLOCK.sub("", page.read_text(encoding="utf-8"))
    missing = []
    for name in _DOC_NAME.findall(text):
        here, root = (page.parent / name).resolve(), (ROOT / name).resolve()
        docs = (ROOT / "docs" / name).resolve()
        if not any(p.is_relative_to(ROOT) and p.exists() for p in (here, root, docs)):
            missing.append(name)
    assert not missing, f"{page.relative_to(ROOT)} names pages that do not exist: {missing}"


def test_the_checks_see_links():
    """The README links its design page, and a link out of the repository counts as dead."""
    readme = ROOT / "README.md"
    assert "docs/design.md" in links(readme)
    assert not _resolves(readme, "../shared/DESIGN.md")
    assert _resolves(ROOT / "docs" / "design.md", "config.md#hall-required")
