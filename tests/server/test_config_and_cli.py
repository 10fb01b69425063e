"""Hall files and the technician's commands, run as a technician runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from contracts.hall_config import HallConfigError, load_hall_config
from server.db.migrate import upgrade
from tests.support.live import LiveServer

ROOT = Path(__file__).resolve().parents[2]


def layso(*args: str, stdin: str = "", env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "layso", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=60)


def test_sample_halls_are_valid():
    demo = load_hall_config(ROOT / "config/demo.toml")
    prov = load_hall_config(ROOT / "config/provincial.toml")
    assert len(prov.services) == 20 and len(prov.counters) == 60
    assert demo.rating.levels[-1].name == "Rất hài lòng"
    for path in ("config/demo.toml", "config/provincial.toml"):
        r = layso("check-config", path)
        assert r.returncode == 0 and "OK" in r.stdout


@pytest.mark.parametrize("text, key", [
    ('[hall]\nname="x"\ncolour=1\n', "hall.colour: unknown key"),
    ('[hall]\nname="x"\ntimezone="Mars/Base"\n', "hall.timezone: unknown time zone"),
    ('[hall]\nname="x"\n[[services]]\ncode="A"\nname="a"\nname_en="a"\n[[counters]]\n'
     'number=1\nservices=["B"]\n[hours]\nevery_day=[["08:00","17:00"]]\n',
     "counters[0].services: counter 1 serves unknown service 'B'"),
    ('[hall]\nname="x"\n[[services]]\ncode="A"\nname="a"\nname_en="a"\n[[counters]]\n'
     'number=1\nservices=["A"]\n[hours]\nmon=[["17:00","08:00"]]\n',
     "hours.mon[0]: session ends (08:00) before it starts (17:00)"),
    ("[hall\n", "not valid TOML"),
])
def test_config_errors_name_the_key_and_exit_2(tmp_path, text, key):
    bad = tmp_path / "hall.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(HallConfigError) as err:
        load_hall_config(bad)
    assert key in str(err.value) and str(bad) in str(err.value)
    r = layso("check-config", str(bad))
    assert r.returncode == 2 and key in r.stderr
    r = layso("serve", "--config", str(bad), "--port", "1")
    assert r.returncode == 2 and key in r.stderr  # nothing started


def test_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models changed without a migration: {diff}"


def test_user_and_device_tokens_work_on_a_running_server(tmp_path):
    db = f"sqlite:///{tmp_path / 'hall.sqlite3'}"
    server = LiveServer.start(db)
    try:
        r = layso("user", "add", "lan", "--role", "officer", "--password-stdin", "--db", db,
                  stdin="mật khẩu dài\n")
        assert r.returncode == 0, r.stderr
        r = layso("device", "add", "kiosk-a", "--kind", "kiosk", "--db", db)
        assert r.returncode == 0, r.stderr
        token = r.stdout.strip().splitlines()[-1]
        assert len(token) >= 40 and all(ch.isalnum() or ch in "-_" for ch in token)
        # no restart: both work at once
        t = httpx.post(f"{server.url}/api/v1/tickets", json={"service": "HT"},
                       headers={"Authorization": f"Bearer {token}"})
        assert t.status_code == 201
        login = httpx.post(f"{server.url}/api/v1/auth/login",
                           json={"username": "lan", "password": "mật khẩu dài", "counter": 1})
        assert login.status_code == 200 and login.json()["counter"] == 1
        r = layso("device", "add", "rate-x", "--kind", "rating", "--db", db)
        assert r.returncode == 2 and "--counter" in r.stderr
        assert layso("device", "revoke", "kiosk-a", "--db", db).returncode == 0
        t = httpx.post(f"{server.url}/api/v1/tickets", json={"service": "HT"},
                       headers={"Authorization": f"Bearer {token}"})
        assert t.status_code == 401
    finally:
        server.stop()


def test_help_lists_every_command():
    out = layso("--help").stdout
    for name in ("serve", "kiosk", "display", "sim", "demo", "bench", "report",
                 "check-config", "user", "device", "printer", "say"):
        assert f"  {name} " in out
