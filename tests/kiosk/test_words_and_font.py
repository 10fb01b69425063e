"""Every word the kiosk shows exists in both languages, in NFC, and the font the kiosk
actually draws with has a glyph for every Vietnamese letter and every character it shows."""

from __future__ import annotations

import os
import unicodedata

import pygame
import pytest

from common.fonts import VIETNAMESE_LETTERS, missing_letters
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from kiosk.fonts import WEIGHTS, Fonts, font_paths
from kiosk.i18n import CATALOGUE, LANGS, format_date, placeholders, t

TONED = set("àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵđ")


def test_every_entry_has_both_languages_and_the_same_blanks():
    for key, entry in CATALOGUE.items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key
        assert placeholders(entry["vi"]) == placeholders(entry["en"]), key


def test_catalogue_is_nfc_and_vietnamese_is_vietnamese():
    toned = 0
    for key, entry in CATALOGUE.items():
        for text in entry.values():
            assert unicodedata.normalize("NFC", text) == text, key
        toned += bool(TONED & set(entry["vi"].lower()))
    assert toned > len(CATALOGUE) * 0.8  # real Vietnamese, not unaccented ASCII


def test_t_fills_in_and_normalises():
    decomposed = unicodedata.normalize("NFD", "Người cao tuổi")
    text = t("home.priority_prompt", "vi", group=decomposed)
    assert text == "Ưu tiên: Người cao tuổi. Chạm vào lĩnh vực để lấy số"
    assert unicodedata.is_normalized("NFC", text)
    assert t("ticket.ahead", "en", n=3) == "People ahead of you: 3"
    assert t("btn.back", "fr") == "Quay lại"  # unknown language: Vietnamese


def test_dates_read_as_people_write_them():
    from datetime import datetime

    monday = datetime(2026, 11, 23, 9, 41)
    assert format_date(monday, "vi") == "Thứ Hai, 23/11/2026"
    assert format_date(monday, "en") == "Monday 23/11/2026"


@pytest.mark.parametrize("weight", WEIGHTS)
def test_the_kiosk_font_has_every_vietnamese_letter(weight):
    path = font_paths()[weight]
    assert missing_letters(path) == "", f"{path} lacks Vietnamese letters"
    assert len(VIETNAMESE_LETTERS) == 146


def test_the_font_has_every_character_the_kiosk_shows():
    """Catalogue, hall names and the digits and signs drawn around them."""
    cfg = load_hall_config(DEFAULT_CONFIG)
    shown = set("0123456789:/,.•…—-–() ")
    for entry in CATALOGUE.values():
        for text in entry.values():
            shown |= set(text)
    shown |= set(cfg.hall.name + cfg.hall.name_en)
    for s in cfg.services:
        shown |= set(s.name + s.name_en)
    for p in cfg.priority_groups:
        shown |= set(p.name + p.name_en)
    letters = "".join(sorted(ch for ch in shown if not ch.isspace()))
    for weight, path in font_paths().items():
        assert missing_letters(path, letters) == "", weight


def test_the_check_fails_on_a_font_without_vietnamese():
    """The same check on pygame's default font finds the letters it lacks (so it can fail)."""
    default = os.path.join(os.path.dirname(pygame.__file__), "freesansbold.ttf")
    from pathlib import Path

    missing = missing_letters(Path(default))
    assert "ờ" in missing and len(missing) > 50


def test_fonts_open_and_draw_tone_marks():
    fonts = Fonts()
    font = fonts.get("Bold", 48)
    plain = font.render("Moi", True, (0, 0, 0))
    marked = font.render("Mời", True, (0, 0, 0))
    # the marks sit above the letters: the inked area grows upwards, no box is drawn
    assert pygame.mask.from_surface(marked).count() > pygame.mask.from_surface(plain).count()
    assert fonts.get("Bold", 48) is font
