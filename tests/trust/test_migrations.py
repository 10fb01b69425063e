"""Schema migrations, walked revision by revision, on SQLite and on PostgreSQL.

From an empty database up to head one step at a time (each step lands on its own revision
and keeps the rows already there), then the result must match the models exactly (Alembic's
compare_metadata finds nothing), then down to base one step at a time (nothing left but
Alembic's own table), then up again. Revisions are read from the migrations folder, so a
new one is covered the day it is added.
"""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import server.db.models  # noqa: F401  (registers the tables in SQLModel.metadata)
from server.db.database import normalise_url
from server.db.migrate import alembic_config


def _revisions(cfg) -> list[str]:
    """base → head, and a single line of history (a branch would need a merge revision)."""
    script = ScriptDirectory.from_config(cfg)
    heads = script.get_heads()
    assert len(heads) == 1, f"several heads {heads}: add a merge revision"
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def _current(engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _diff(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _walk(url: str) -> None:
    cfg = alembic_config(url)
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    revisions = _revisions(cfg)
    try:
        assert _current(engine) is None
        for i, rev in enumerate(revisions):
            command.upgrade(cfg, rev)
            assert _current(engine) == rev
            if i == 0:  # rows written under the first schema must live through every step
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO hall_state (hall, seq, day_open) "
                                      "VALUES ('demo', 41, false)"))
                    conn.execute(text(
                        "INSERT INTO user_account (username, full_name, role, password_hash, "
                        "active, failed_logins, created_at) VALUES ('lan', 'Nguyễn Thị Lan', "
                        "'officer', '$argon2id$x', true, 0, '2026-11-23 02:00:00')"))
            with engine.connect() as conn:
                assert conn.execute(text("SELECT seq FROM hall_state")).scalar_one() == 41
                assert conn.execute(text("SELECT full_name FROM user_account")).scalar_one() \
                    == "Nguyễn Thị Lan"
        diff = _diff(engine)
        assert diff == [], f"head does not match the models; a migration is missing: {diff}"

        for rev in reversed(revisions):
            assert _current(engine) == rev
            command.downgrade(cfg, "-1")
        assert _current(engine) is None
        assert _tables(engine) <= {"alembic_version"}, _tables(engine)

        command.upgrade(cfg, "head")
        assert _current(engine) == revisions[-1] and _diff(engine) == []
    finally:
        engine.dispose()


def test_every_revision_up_down_up_on_sqlite(tmp_path):
    _walk(f"sqlite:///{tmp_path / 'm.sqlite3'}")


@pytest.mark.postgres
def test_every_revision_up_down_up_on_postgres(pg_url):
    _walk(pg_url)
