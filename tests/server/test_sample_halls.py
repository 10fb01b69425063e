"""The sample hall files follow the administration of today (after 1 July 2025).

District-level units are gone and commune/ward centres are "Trung tâm Phục vụ hành chính công
xã/phường …"; the 2025 reorganisation merged several provincial departments (Decree
45/2025/NĐ-CP). A sample that names a unit that no longer exists misleads whoever copies it.
"""

from __future__ import annotations

from pathlib import Path

from contracts.hall_config import load_hall_config
from contracts.ticket_view import sample_ticket_view

ROOT = Path(__file__).resolve().parents[2]
# names of units that ceased to exist in 2025: the district level and the merged departments
GONE = ("UBND quận", "UBND huyện", "Bộ phận Một cửa UBND", "Kế hoạch và Đầu tư",
        "Giao thông vận tải", "Tài nguyên và Môi trường", "Phát triển nông thôn",
        "Thông tin và Truyền thông", "Lao động — Thương binh", "Lao động - Thương binh",
        "Thương binh và Xã hội")


def _names(path: str) -> list[str]:
    cfg = load_hall_config(ROOT / path)
    return [cfg.hall.name, *(s.name for s in cfg.services), *(c.name or "" for c in cfg.counters)]


def test_the_demo_hall_is_a_ward_centre_of_today() -> None:
    cfg = load_hall_config(ROOT / "config/demo.toml")
    assert cfg.hall.name.startswith("Trung tâm Phục vụ hành chính công phường ")
    assert sample_ticket_view().hall_name == cfg.hall.name
    for name in _names("config/demo.toml"):
        assert not any(g in name for g in GONE), name


def test_the_provincial_sample_names_a_province_and_only_todays_departments() -> None:
    cfg = load_hall_config(ROOT / "config/provincial.toml")
    assert cfg.hall.name == "Trung tâm Phục vụ hành chính công Thành phố Hồ Chí Minh"
    assert (len(cfg.services), len(cfg.counters)) == (20, 60)
    text = (ROOT / "config/provincial.toml").read_text(encoding="utf-8")
    for name in _names("config/provincial.toml"):
        assert not any(g in name for g in GONE), name
    # every service is listed under the department (sở) that handles it, named in a comment
    blocks = text.split("[[services]]")[1:]
    for before, block in zip(text.split("[[services]]")[:-1], blocks, strict=True):
        department = before.rstrip().splitlines()[-1]
        assert department.startswith("# Sở ") or "Trung tâm" in department, block[:40]
    assert "Decree 45/2025/NĐ-CP" in text  # the source is named in the file
