"""`layso backup` and `layso restore`: a backup taken while the server issues tickets holds
every ticket acknowledged before it, restores into a new database a new server runs on, and
a restore never overwrites data by accident."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from server.db.migrate import alembic_config
from tests.support.live import LiveServer, drop_postgres, postgres_url
from tests.trust.cli import layso, layso_process


def _issue_until(live: LiveServer, stop: threading.Event, acked: list[dict]) -> None:
    """Issue tickets as fast as the server answers, recording each acknowledged one."""
    with live.client(live.login("quanly", role="manager")) as boss:
        services = ("HT", "CT", "DD", "TKQ")
        i = 0
        while not stop.is_set():
            r = boss.post("/api/v1/tickets", json={"service": services[i % 4]})
            assert r.status_code == 201, r.text
            acked.append(r.json())
            i += 1


def _db(path: Path) -> contextlib.closing[sqlite3.Connection]:
    """An SQLite connection that is closed on leaving the block (sqlite3's own context
    manager only commits, and an open connection would hold the file)."""
    return contextlib.closing(sqlite3.connect(path))


def _consistent(path: Path) -> tuple[int, int]:
    """(tickets, events) of an SQLite file, checking it is a snapshot of whole transactions:
    each ticket's issue event was committed with it, and the hall's sequence is the log's."""
    with _db(path) as conn:
        tickets = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
        issued = conn.execute("SELECT count(*) FROM event WHERE type = 'ticket_issued'") \
            .fetchone()[0]
        seq = conn.execute("SELECT seq FROM hall_state").fetchone()[0]
        top = conn.execute("SELECT coalesce(max(seq), 0) FROM event").fetchone()[0]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert tickets == issued and seq == top, (tickets, issued, seq, top)
    return tickets, top


def test_backup_while_serving_then_restore_and_serve(tmp_path):
    db = tmp_path / "hall.sqlite3"
    live = LiveServer.start(db_url=f"sqlite:///{db}")
    stop = threading.Event()
    acked: list[dict] = []
    writer = threading.Thread(target=_issue_until, args=(live, stop, acked), daemon=True)
    writer.start()
    try:
        while len(acked) < 20:
            stop.wait(0.05)
        before = list(acked)  # acknowledged before the backup began
        r = layso_process("backup", "--db", f"sqlite:///{db}", "--out",
                          str(tmp_path / "b.sqlite3"))
        assert r.returncode == 0, r.stderr
        assert "backed up" in r.stdout and "tickets" in r.stdout
        stop.wait(0.3)
    finally:
        stop.set()
        writer.join(timeout=10)
        live.stop()
    assert len(acked) > len(before), "the server kept issuing during the backup"
    tickets, _ = _consistent(tmp_path / "b.sqlite3")
    assert len(before) <= tickets <= len(acked)

    restored = tmp_path / "restored.sqlite3"
    r = layso("restore", str(tmp_path / "b.sqlite3"), "--db", f"sqlite:///{restored}")
    assert r.returncode == 0, r.stderr
    again = LiveServer.start(db_url=f"sqlite:///{restored}")
    try:
        board = again.client(again.device_token("board-new", "display"))
        for t in before:
            got = board.get(f"/api/v1/tickets/{t['id']}")
            assert got.status_code == 200, (t, got.text)
            assert (got.json()["number"], got.json()["service"]) == (t["number"], t["service"])
        # numbering goes on after the last ticket in the backup: no number is handed out twice
        kiosk = again.client(again.device_token("kiosk-new"))
        new = kiosk.post("/api/v1/tickets", json={"service": "HT"}).json()
        with _db(tmp_path / "b.sqlite3") as conn:
            numbers = {n for (n,) in conn.execute("SELECT number FROM ticket WHERE service='HT'")}
        assert new["number"] not in numbers and int(new["number"]) == int(max(numbers)) + 1
    finally:
        again.stop()


def test_restore_refuses_to_overwrite_data_without_force(tmp_path):
    db = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    live = LiveServer.start(db_url=db)
    try:
        live.client(live.device_token("k")).post("/api/v1/tickets", json={"service": "HT"})
        assert layso("backup", "--db", db, "--out", str(tmp_path / "b.sqlite3")).returncode == 0
        r = layso("backup", "--db", db, "--out", str(tmp_path / "b.sqlite3"))
        assert r.returncode == 1 and "exists" in r.stderr and "--force" in r.stderr
        # the server still has the file open: even --force must not pull it away
        r = layso("restore", str(tmp_path / "b.sqlite3"), "--db", db, "--force")
        assert r.returncode == 1 and "stop `layso serve` first" in r.stderr, r.stderr
    finally:
        live.stop()
    other = tmp_path / "other.sqlite3"
    live = LiveServer.start(db_url=f"sqlite:///{other}")
    for _ in range(3):
        live.client(live.device_token("k2")).post("/api/v1/tickets", json={"service": "CT"})
    live.stop()
    r = layso("restore", str(tmp_path / "b.sqlite3"), "--db", f"sqlite:///{other}")
    assert r.returncode == 1 and "already holds data" in r.stderr and "--force" in r.stderr
    with _db(other) as conn:
        assert conn.execute("SELECT count(*) FROM ticket").fetchone()[0] == 3  # untouched
    r = layso("restore", str(tmp_path / "b.sqlite3"), "--db", f"sqlite:///{other}", "--force")
    assert r.returncode == 0, r.stderr
    with _db(other) as conn:
        assert [s for (s,) in conn.execute("SELECT service FROM ticket")] == ["HT"]
    assert not Path(f"{other}-wal").exists() or Path(f"{other}-wal").stat().st_size == 0


def test_a_backup_of_an_older_schema_is_migrated_on_restore(tmp_path):
    old = tmp_path / "old.sqlite3"
    url = f"sqlite:///{old}"
    cfg = alembic_config(url)
    revisions = [s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()]
    first, head = revisions[-1], revisions[0]
    if first == head:
        pytest.skip("only one schema revision so far")
    command.upgrade(cfg, first)
    with _db(old) as conn:
        conn.execute("INSERT INTO hall_state (hall, seq, day_open) VALUES ('demo', 7, 0)")
        conn.commit()
    r = layso("restore", str(old), "--db", f"sqlite:///{tmp_path / 'new.sqlite3'}")
    assert r.returncode == 0, r.stderr
    assert f"schema upgraded from {first} to {head}" in r.stdout
    with _db(tmp_path / "new.sqlite3") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head
        assert conn.execute("SELECT seq FROM hall_state").fetchone()[0] == 7


def test_a_backup_from_a_newer_schema_is_refused_with_a_reason(tmp_path):
    db = tmp_path / "a.sqlite3"
    LiveServer.start(db_url=f"sqlite:///{db}").stop()
    assert layso("backup", "--db", f"sqlite:///{db}", "--out", str(tmp_path / "b.sqlite3")) \
        .returncode == 0
    with _db(tmp_path / "b.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
        conn.commit()
    target = tmp_path / "new.sqlite3"
    r = layso("restore", str(tmp_path / "b.sqlite3"), "--db", f"sqlite:///{target}")
    assert r.returncode == 1 and "(9999)" in r.stderr and "newer Layso" in r.stderr, r.stderr
    assert not target.exists() and not list(tmp_path.glob(".*restoring"))


def test_restore_says_what_is_wrong_with_the_file(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    target = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    r = layso("restore", str(junk), "--db", target)
    assert r.returncode == 1 and "not an SQLite backup" in r.stderr
    r = layso("restore", str(tmp_path / "missing.sqlite3"), "--db", target)
    assert r.returncode == 1 and "no backup file" in r.stderr
    other = tmp_path / "other.sqlite3"
    with _db(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    r = layso("restore", str(other), "--db", target)
    assert r.returncode == 1 and "not a Layso database" in r.stderr
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP\x01\x0e\x00")
    r = layso("restore", str(dump), "--db", target)
    assert r.returncode == 1 and "pg_dump file" in r.stderr
    r = layso("backup", "--db", f"sqlite:///{tmp_path / 'nothing.sqlite3'}", "--out",
              str(tmp_path / "b.sqlite3"))
    assert r.returncode == 1 and "no database at" in r.stderr
    assert not (tmp_path / "nothing.sqlite3").exists()  # a typo creates nothing


@pytest.mark.postgres
def test_postgres_backup_and_restore(pg_url, tmp_path, request):
    live = LiveServer.start(db_url=pg_url)
    try:
        kiosk = live.client(live.device_token("k"))
        issued = [kiosk.post("/api/v1/tickets", json={"service": s}).json()
                  for s in ("HT", "CT", "HT")]
        r = layso("backup", "--db", pg_url, "--out", str(tmp_path / "hall.dump"))
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "hall.dump").read_bytes()[:5] == b"PGDMP"
    finally:
        live.stop()
    target = postgres_url()
    assert target is not None
    request.addfinalizer(lambda: drop_postgres(target))
    r = layso("restore", str(tmp_path / "hall.dump"), "--db", target)
    assert r.returncode == 0, r.stderr
    r = layso("restore", str(tmp_path / "hall.dump"), "--db", target)
    assert r.returncode == 1 and "already holds data" in r.stderr
    r = layso("restore", str(tmp_path / "hall.dump"), "--db", target, "--force")
    assert r.returncode == 0, r.stderr
    again = LiveServer.start(db_url=target)
    try:
        board = again.client(again.device_token("board-new", "display"))
        for t in issued:
            got = board.get(f"/api/v1/tickets/{t['id']}").json()
            assert got["number"] == t["number"]
        new = again.client(again.device_token("k-new")).post(
            "/api/v1/tickets", json={"service": "HT"}).json()
        assert new["number"] == "1003"
    finally:
        again.stop()
