"""One dossier, one stored spelling: every digit family a keyboard, scanner or attacker can
send gives the one ASCII code (or a 422 that names the character), through the real HTTP
endpoints; and the migration rewrites codes stored in odd spellings, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from contracts.dossier_code import fits_pattern, normalise_dossier_code
from contracts.hall_config import DEFAULT_CONFIG, load_hall_config
from server.db.database import normalise_url
from server.db.migrate import upgrade
from server.db.models import Ticket, Visit

CFG = load_hall_config(DEFAULT_CONFIG)
CODE = "000.00.31.H12-250701-0001"
_ZEROS = {"fullwidth": 0xFF10, "math bold": 0x1D7CE, "math double-struck": 0x1D7D8,
          "math monospace": 0x1D7F6, "Arabic-Indic": 0x0660, "Extended Arabic-Indic": 0x06F0,
          "Devanagari": 0x0966, "Bengali": 0x09E6, "Thai": 0x0E50}
SUPERSCRIPT = dict(zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹", strict=True))


def spelled(family: str, code: str = CODE) -> str:
    if family == "superscript":
        return "".join(SUPERSCRIPT.get(ch, ch) for ch in code)
    zero = _ZEROS[family]
    return "".join(chr(zero + int(ch)) if ch.isdigit() else ch for ch in code)


FAMILIES = [*_ZEROS, "superscript"]
OLD_PATTERN = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3}-\d{6}-\d{4,}$"


@pytest.mark.parametrize("family", FAMILIES)
def test_each_digit_family_gives_the_ascii_code(family: str) -> None:
    odd = spelled(family)
    assert odd != CODE
    assert normalise_dossier_code(odd) == CODE
    assert normalise_dossier_code(f"\u00a0{odd.lower()}\u200b\n") == CODE
    assert fits_pattern(CFG.dossier.pattern, normalise_dossier_code(odd))


def test_digits_mean_ascii_even_in_an_old_backslash_d_pattern() -> None:
    """A hall file that still says `\\d` does not let other scripts' digits through."""
    assert not fits_pattern(OLD_PATTERN, spelled("Arabic-Indic"))
    assert fits_pattern(OLD_PATTERN, CODE)
    assert r"\d" not in CFG.dossier.pattern


def test_every_way_in_stores_one_form(live) -> None:
    kiosk = live.client(live.device_token("kiosk-1"))
    officer = live.client(live.login("an", counter=1))
    for family in FAMILIES:
        assert kiosk.post("/api/v1/tickets", json={"service": "HT"}).status_code == 201
        assert officer.post("/api/v1/counters/1/next").status_code == 200
        fin = officer.post("/api/v1/counters/1/finish",
                           json={"dossier_code": spelled(family), "outcome": "received"})
        assert fin.status_code == 200, (family, fin.text)
        assert fin.json()["dossier_code"] == CODE, family
    for family in ("math bold", "Devanagari"):  # the kiosk's way in: collect a result
        r = kiosk.post("/api/v1/tickets", json={"dossier_code": spelled(family)})
        assert r.status_code == 201, r.text
        assert r.json()["service"] == "TKQ"
    with live._db().engine.connect() as conn:
        assert conn.execute(text("SELECT DISTINCT dossier_code FROM visit WHERE dossier_code "
                                 "IS NOT NULL")).scalars().all() == [CODE]
        assert conn.execute(text("SELECT DISTINCT dossier_code FROM ticket WHERE dossier_code "
                                 "IS NOT NULL")).scalars().all() == [CODE]


def test_a_lookalike_letter_is_refused_by_name(live) -> None:
    kiosk = live.client(live.device_token("kiosk-1"))
    officer = live.client(live.login("an", counter=1))
    assert kiosk.post("/api/v1/tickets", json={"service": "HT"}).status_code == 201
    assert officer.post("/api/v1/counters/1/next").status_code == 200
    cyrillic = CODE.replace("H", "\u041d")  # CYRILLIC CAPITAL LETTER EN, looks like H
    r = officer.post("/api/v1/counters/1/finish", json={"dossier_code": cyrillic})
    assert r.status_code == 422 and r.json()["error"] == "bad_dossier_code"
    assert "U+041D" in r.json()["detail"] and "Ký tự" in r.json()["detail"]


def _migrate_odd_codes(url: str) -> None:
    upgrade(url, "0005_h1")
    engine = create_engine(normalise_url(url), poolclass=NullPool)
    now = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    odd = {f: spelled(f) for f in FAMILIES} | {"ascii": CODE, "lower": CODE.lower(),
                                                "spaced": f" {CODE} ", "none": None,
                                                "other": "000.00.31.H12-250701-0002"}
    try:
        with Session(engine) as s:
            for i, code in enumerate(odd.values()):
                s.add(Ticket(id=i + 1, day=date(2026, 7, 1), service="HT", service_seq_key="HT",
                             seq=i, number=str(1001 + i), state="served", issued_at=now,
                             queued_at=now, dossier_code=code))
                s.add(Visit(id=i + 1, ticket_id=i + 1, counter=1, service="HT",
                            status="finished", called_at=now, dossier_code=code))
            s.commit()
        upgrade(url, "head")
        with engine.connect() as conn:
            for table in ("ticket", "visit"):
                rows = dict(conn.execute(text(f"SELECT id, dossier_code FROM {table}")).all())
                assert {rows[i + 1] for i, f in enumerate(odd) if odd[f] is not None
                        and f != "other"} == {CODE}, table
                assert rows[len(odd) - 1] is None and rows[len(odd)] == odd["other"]
    finally:
        engine.dispose()


def test_migration_rewrites_stored_codes_on_sqlite(tmp_path) -> None:
    _migrate_odd_codes(f"sqlite:///{tmp_path / 'm.sqlite3'}")


@pytest.mark.postgres
def test_migration_rewrites_stored_codes_on_postgres(pg_url) -> None:
    _migrate_odd_codes(pg_url)
