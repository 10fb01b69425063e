"""`layso check-config` names the e-system link and its catalog; a catalog file that cannot
be read stops `check-config` and `serve` with the key at fault (exit 2, nothing started)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from contracts.hall_config import DEFAULT_CONFIG

ROOT = Path(__file__).resolve().parents[2]


def layso(*args: str, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "layso", *args], text=True,
                          capture_output=True, cwd=ROOT, timeout=60, env=env)


def hall_file(tmp_path: Path, esystem: str) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8") + "\n[esystem]\n" + esystem,
                    encoding="utf-8")
    return path


def test_check_config_names_the_link_without_its_secret(tmp_path):
    csv = tmp_path / "tthc.csv"
    csv.write_text("code,name\n1.001193,Đăng ký khai sinh\n", encoding="utf-8")
    path = hall_file(tmp_path, 'kind = "opencps"\nurl = "https://u:url-s3cret@dvc.example.vn"\n'
                     'username = "layso"\npassword_env = "LAYSO_TEST_UNSET_PW"\n'
                     f'catalog = "{csv}"\n')
    env = {k: v for k, v in os.environ.items() if k != "LAYSO_TEST_UNSET_PW"}
    r = layso("check-config", str(path), env=env)
    assert r.returncode == 0, r.stderr
    assert "e-system: opencps at https://dvc.example.vn as layso" in r.stdout
    assert "LAYSO_TEST_UNSET_PW, which is not set" in r.stdout
    assert "procedure catalog: 1 procedures" in r.stdout
    assert "s3cret" not in r.stdout + r.stderr


def test_an_unreadable_catalog_stops_check_config_and_serve(tmp_path):
    path = hall_file(tmp_path, f'catalog = "{tmp_path / "missing.csv"}"\n')
    for args in (("check-config", str(path)), ("serve", "--config", str(path), "--port", "1")):
        r = layso(*args)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "esystem.catalog: cannot read" in r.stderr


def test_a_catalog_without_codes_is_refused(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('[{"ten": "Đăng ký khai sinh"}]', encoding="utf-8")
    r = layso("check-config", str(hall_file(tmp_path, f'catalog = "{bad}"\n')))
    assert r.returncode == 2 and "no row" in r.stderr
