"""A mistyped `--db`, a database out of reach, a port in use: each is one line on stderr and
exit code 2 from `layso serve` (and the data commands), before anything is created."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from layso.servers import free_port
from tests.support.live import postgres_url

ROOT = Path(__file__).resolve().parents[2]


def layso(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("LAYSO_DB", "LAYSO_CONFIG")}
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "layso", *args], text=True,
                          capture_output=True, cwd=cwd, env={**environ, **(env or {})},
                          timeout=120)


def assert_one_line(r: subprocess.CompletedProcess, *words: str) -> str:
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert len(lines) == 1, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and r.stdout == ""
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize(("db", "words"), [
    ("sqlite:/x.sqlite3", ["not a database URL", "sqlite:///FILE"]),  # was: ./sqlite:/x.sqlite3
    ("sqlite://x.sqlite3", ["names no file"]),  # was: an in-memory database
    ("sqlite:///nope/deeper/h.sqlite3", ["nope/deeper does not exist"]),  # was: made it
    ("mysql://u:pw@127.0.0.1/hall", ["mysql is not supported"]),  # was: a driver traceback
    ("notes.txt", ["is not an SQLite database"]),  # a bare path to some other file
])
def test_a_wrong_db_is_one_line_and_nothing_is_created(tmp_path, db, words):
    (tmp_path / "notes.txt").write_text("shopping list\n")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for command in (["serve", "--port", str(free_port())], ["user", "list"]):
        line = assert_one_line(layso(tmp_path, *command, "--db", db), *words)
        assert line.startswith(f"layso {command[0]}: --db ")
        assert "pw@" not in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_an_unreachable_postgresql_is_one_line(tmp_path):
    port = free_port()  # nothing listens there
    url = f"postgresql://layso:secret@127.0.0.1:{port}/hall"
    line = assert_one_line(layso(tmp_path, "serve", "--port", str(free_port()), "--db", url),
                           "cannot reach PostgreSQL", f"port {port}", "Connection refused")
    assert "secret" not in line


def test_a_missing_postgresql_database_is_one_line(tmp_path):
    url = postgres_url()
    if url is None:
        pytest.skip("no local PostgreSQL")
    from tests.support.live import drop_postgres

    drop_postgres(url)  # the server answers; the database is not there
    assert_one_line(layso(tmp_path, "serve", "--port", str(free_port()), "--db", url),
                    "cannot reach PostgreSQL", "does not exist")


def test_a_port_in_use_is_found_before_the_database_is_made(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        db = tmp_path / "hall.sqlite3"
        assert_one_line(layso(tmp_path, "serve", "--port", str(port), "--db", f"sqlite:///{db}"),
                        f"port {port}", "already in use")
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []
