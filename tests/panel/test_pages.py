"""The page files themselves: served with the strict policy, no inline script, Vietnamese in
NFC, and a string catalogue where every key the pages use exists in both languages."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from counter_panel import WEB

STATIC = WEB / "static"
TEXT_FILES = sorted(p for p in WEB.rglob("*") if p.suffix in {".html", ".js", ".css"})


def catalogue() -> dict[str, set[str]]:
    js = (STATIC / "common.js").read_text(encoding="utf-8")
    block = js[js.index("export const STRINGS = {"):js.index("\n};\n")]
    vi = block[block.index("  vi: {"):block.index("\n  en: {")]
    en = block[block.index("\n  en: {"):]
    keys = re.compile(r"^ {4}(\w+):", re.M)
    return {"vi": set(keys.findall(vi)), "en": set(keys.findall(en))}


def test_the_pages_and_their_files_are_served(live):
    client = live.client()
    for path in ("/panel", "/rate/1"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in r.headers["content-security-policy"]
    for name in ("common.js", "panel.js", "rate.js", "common.css", "panel.css", "rate.css",
                 "fonts/BeVietnamPro-Regular.woff", "fonts/OFL.txt"):
        assert client.get(f"/static/{name}").status_code == 200, name


@pytest.mark.parametrize("page", ["panel.html", "rate.html"])
def test_no_inline_script_so_the_policy_allows_the_page(page):
    html = (WEB / page).read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all('src="/static/' in s and 'type="module"' in s for s in scripts)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers either
    for ref in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert (STATIC / ref).is_file(), ref


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: str(p.relative_to(WEB)))
def test_vietnamese_text_is_nfc(path: Path):
    text = path.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text), f"{path.name} has decomposed characters"


def test_both_languages_have_every_string():
    keys = catalogue()
    assert keys["vi"] and keys["vi"] == keys["en"], keys["vi"] ^ keys["en"]


def test_every_string_the_pages_use_is_in_the_catalogue():
    known = catalogue()["vi"]
    used: set[str] = set()
    for page in ("panel.html", "rate.html"):
        html = (WEB / page).read_text(encoding="utf-8")
        used |= set(re.findall(r'data-i18n(?:-placeholder|-title)?="(\w+)"', html))
    for script in ("panel.js", "rate.js"):
        js = (STATIC / script).read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["'](\w+)["']""", js))
        used |= set(re.findall(r"""\bsetBi\([^,]+,\s*["'](\w+)["']""", js))
        used |= set(re.findall(r"""\bbi\(\s*["'](\w+)["']""", js))
        used |= {f"state_{s}" for s in ("idle", "called", "serving", "paused")}
        used |= {f"conn_{s}" for s in ("online", "connecting", "offline")}
    missing = used - known
    assert not missing, f"strings used but not in the catalogue: {sorted(missing)}"


def test_the_catalogue_writes_vietnamese_with_every_tone_mark():
    js = (STATIC / "common.js").read_text(encoding="utf-8")
    for phrase in ("Đăng nhập quầy", "Gọi tiếp", "Gọi lại", "Vắng mặt", "Kết thúc",
                   "Chuyển…", "Tạm dừng…", "Tiếp tục", "Mã hồ sơ", "Hẹn trả (tùy chọn)",
                   "Cảm ơn Ông/Bà!", "Xin cho biết lý do chưa hài lòng",
                   "Ông/Bà có hài lòng với lượt phục vụ vừa rồi?"):
        assert f'"{phrase}"' in js, phrase
