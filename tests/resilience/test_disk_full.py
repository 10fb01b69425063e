"""The disk fills under the hall: on a really full filesystem (a 4 MB tmpfs, mounted for the
test), SQLite answers SQLITE_FULL and PostgreSQL SQLSTATE 53100. What must hold: a 503
naming the cause ("hết dung lượng đĩa / disk full") with Retry-After, never a 500 or a reset
connection; the cause logged once (with a count later), not a traceback per request; the
manager's live view shows it; nothing acknowledged is lost; and once space is freed the
hall takes tickets again by itself, with no restart."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from layso.servers import free_port, login, make_accounts, wait_http
from tests.support.live import LiveServer, drop_postgres
from tests.support.wait import until

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "bench.toml"  # open all day, no per-kiosk limit to speak of
ADMIN = "host=127.0.0.1 port=5432 dbname=test user=postgres"
PASSWORD = "mật-khẩu-thử-1"
FILLER = "filler"


@contextlib.contextmanager
def small_filesystem(where: Path, size: str):
    """A tmpfs of `size` mounted at `where` (needs root), unmounted afterwards."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) to mount a small tmpfs that can really fill up")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); this test needs a "
                    "filesystem that can really fill up")
    try:
        (where / FILLER).touch()  # before anything else takes the space: see fill()
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
        with contextlib.suppress(OSError):
            where.rmdir()


def fill(folder: Path) -> Path:
    """Write a file in `folder` until the filesystem refuses (ENOSPC). The file is made when
    the filesystem is mounted (see small_filesystem): by now the database may already have
    taken every block, and creating a file can itself be refused."""
    path = folder / FILLER
    chunk = os.urandom(64 * 1024)
    try:
        with path.open("ab") as f:
            while True:
                f.write(chunk)
                f.flush()
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    return path


class Kiosk:
    """One kiosk on one keep-alive connection, retrying a refused ticket with the same key
    as kiosk/client.py does; every answer is checked as it comes."""

    def __init__(self, url: str, token: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30,
                                   headers={"Authorization": f"Bearer {token}"})
        self.key = uuid.uuid4().hex
        self.acknowledged: dict[int, str] = {}
        self.refused = 0

    def ticket(self) -> int:
        """One try (raises on a reset connection); the status."""
        r = self.client.post("/api/v1/tickets", json={"service": "HT"},
                             headers={"Idempotency-Key": self.key})
        if r.status_code == 201:
            self.acknowledged[r.json()["id"]] = r.json()["number"]
            self.key = uuid.uuid4().hex
        else:
            assert r.status_code == 503, (r.status_code, r.text)
            body = r.json()
            assert body["error"] == "disk_full", body
            assert "hết dung lượng đĩa" in body["detail"] and "disk is full" in body["detail"]
            assert int(r.headers["retry-after"]) > 0
            self.refused += 1
        return r.status_code

    def close(self) -> None:
        self.client.close()


def _manager_view(url: str, token: str) -> dict:
    r = httpx.get(f"{url}/api/v1/manage/live", headers={"Authorization": f"Bearer {token}"},
                  timeout=30)
    r.raise_for_status()
    return r.json()


def test_sqlite_on_a_full_disk_answers_503_and_recovers_by_itself(tmp_path):
    with small_filesystem(tmp_path / "small", "4m") as small:
        db = f"sqlite:///{small / 'hall.sqlite3'}"
        tokens = make_accounts(db, CONFIG, devices=[("k1", "kiosk", None)],
                               users=[("quanly", "manager", PASSWORD)])
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log_path = tmp_path / "serve.log"  # on the big disk: the log must not fill it either
        with log_path.open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "layso", "serve", "--config", str(CONFIG), "--db", db,
                 "--port", str(port), "--log-level", "warning"],
                cwd=ROOT, env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log,
                stderr=subprocess.STDOUT)
        kiosk = None
        try:
            wait_http(url, 60, proc=proc)
            manager = login(url, "quanly", PASSWORD)
            kiosk = Kiosk(url, tokens["k1"])
            for _ in range(20):
                assert kiosk.ticket() == 201
            filler = fill(small)
            # the database may still have room in pages it holds; it runs out soon
            for _ in range(5000):
                if kiosk.ticket() == 503:
                    break
            assert kiosk.refused == 1, "the full disk was never noticed"
            for _ in range(300):  # a burst on a full disk: answered, every one
                kiosk.ticket()
            assert kiosk.refused > 250

            view = _manager_view(url, manager)
            assert view["store"]["kind"] == "disk_full"
            assert view["store"]["refused"] >= kiosk.refused
            assert [a["kind"] for a in view["alerts"]][0] == "store_fault"
            assert "hết dung lượng đĩa" in view["alerts"][0]["vi"]
            assert httpx.get(f"{url}/healthz", timeout=30).json()["db_fault"] == "disk_full"

            filler.unlink()  # the administrator frees space: no restart
            until(lambda: kiosk.ticket() == 201, "a ticket once space is back", timeout=60)
            for _ in range(10):
                assert kiosk.ticket() == 201
            assert _manager_view(url, manager)["store"] is None
        finally:
            if kiosk is not None:
                kiosk.close()
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        log_text = log_path.read_text(errors="replace")
        # once, not once per request (the line after a minute would carry the count)
        assert log_text.count("database disk_full") == 1, log_text[-3000:]
        assert "Traceback" not in log_text and "Exception in ASGI" not in log_text
        assert "works again after disk_full" in log_text
        assert len(log_text) < 5000, f"the log grew {len(log_text)} bytes"

        with contextlib.closing(sqlite3.connect(small / "hall.sqlite3")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rows = dict(conn.execute("SELECT id, number FROM ticket").fetchall())
        lost = {i: n for i, n in kiosk.acknowledged.items() if rows.get(i) != n}
        assert not lost, f"acknowledged tickets lost: {lost}"
        assert len(kiosk.acknowledged) >= 31


@pytest.mark.postgres
def test_postgresql_out_of_disk_answers_503_and_recovers_by_itself(tmp_path):
    """PostgreSQL's own full disk: the hall's database lives in a tablespace on a small
    tmpfs; a table of filler fills it until PostgreSQL refuses with 53100 (disk_full)."""
    try:
        psycopg.connect(ADMIN, connect_timeout=2).close()
    except psycopg.Error:
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    # outside pytest's own 0700 folder: PostgreSQL's server must reach the mount point
    with small_filesystem(Path(tempfile.mkdtemp(prefix="layso-pgspace-")), "32m") as space:
        shutil.chown(space, "postgres", "postgres")
        name = f"layso_t_{uuid.uuid4().hex[:10]}"
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        try:
            with psycopg.connect(ADMIN, autocommit=True) as c:
                c.execute(f"CREATE TABLESPACE {name} LOCATION '{space}'")
                c.execute(f'CREATE DATABASE "{name}" TABLESPACE {name}')
        except psycopg.Error as exc:
            pytest.skip(f"PostgreSQL cannot use a tablespace on the small tmpfs: {exc}")
        server = None
        kiosk = None
        try:
            tokens = make_accounts(url, CONFIG, devices=[("k1", "kiosk", None)],
                                   users=[("quanly", "manager", PASSWORD)])
            server = LiveServer.start(db_url=url, config=CONFIG, scheduler=False,
                                      devices=False)
            manager = login(server.url, "quanly", PASSWORD)
            kiosk = Kiosk(server.url, tokens["k1"])
            for _ in range(20):
                assert kiosk.ticket() == 201
            with psycopg.connect(url, autocommit=True) as c:
                c.execute("CREATE TABLE filler (n bigint)")
                with contextlib.suppress(psycopg.errors.DiskFull):
                    while True:
                        c.execute("INSERT INTO filler SELECT generate_series(1, 100000)")
            for _ in range(20000):
                if kiosk.ticket() == 503:
                    break
            assert kiosk.refused == 1, "PostgreSQL's full disk was never noticed"
            for _ in range(50):
                kiosk.ticket()
            view = _manager_view(server.url, manager)
            assert view["store"]["kind"] == "disk_full"
            assert "53100" not in view["store"]["vi"]

            with psycopg.connect(url, autocommit=True) as c:
                c.execute("DROP TABLE filler")
            until(lambda: kiosk.ticket() == 201, "a ticket once space is back", timeout=60)
            assert _manager_view(server.url, manager)["store"] is None
            with psycopg.connect(url) as c:
                rows = dict(c.execute("SELECT id, number FROM ticket").fetchall())
            lost = {i: n for i, n in kiosk.acknowledged.items() if rows.get(i) != n}
            assert not lost, f"acknowledged tickets lost: {lost}"
        finally:
            if kiosk is not None:
                kiosk.close()
            if server is not None:
                server.stop()
            drop_postgres(url)
            with psycopg.connect(ADMIN, autocommit=True) as c:
                c.execute(f"DROP TABLESPACE IF EXISTS {name}")
