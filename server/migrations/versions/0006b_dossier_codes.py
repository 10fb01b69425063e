"""dossier codes in one spelling

The old default pattern's `\\d` took any script's digits, so one dossier was stored as
`…-250701-0001`, `…-２５０７０１-０００１`, `…-𝟐𝟓𝟎𝟕𝟎𝟏-𝟎𝟎𝟎𝟏`, `…-٢٥٠٧٠١-٠٠٠١`, … and counted once
per spelling. Every stored `ticket.dossier_code` and `visit.dossier_code` is rewritten to the
form new codes get (contracts/dossier_code.py): NFKC, other scripts' decimal digits as ASCII,
trimmed, upper case. It is done in Python (neither SQLite nor PostgreSQL has NFKC and the
digit mapping in SQL), in batches of rows by id, so a year of history does not sit in memory.

The normalising steps are this revision's own copy: a migration must not change when the code
does. Downgrade keeps the normal form (the old spellings are not worth bringing back).

Revision ID: 0006b_dossier_codes
Revises: 0005_h1
Create Date: 2026-12-04
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006b_dossier_codes"
down_revision = "0006_shared_rate_limits"
branch_labels = None
depends_on = None

BATCH = 1000
TABLES = ("ticket", "visit")
_EDGES = " \t\r\n\u200b\u200c\u200d\u2060\ufeff"


def normal(code: str) -> str:
    text = unicodedata.normalize("NFKC", code)
    text = "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and ch.isdecimal() else ch
                   for ch in text)
    return text.strip(_EDGES).upper()


def _rewrite(conn: sa.Connection, table: str) -> None:
    read = sa.text(f"SELECT id, dossier_code FROM {table} WHERE dossier_code IS NOT NULL "
                   "AND id > :last ORDER BY id LIMIT :n")
    write = sa.text(f"UPDATE {table} SET dossier_code = :code WHERE id = :id")
    last = 0
    while True:
        rows = conn.execute(read, {"last": last, "n": BATCH}).all()
        if not rows:
            return
        changed = [{"id": i, "code": normal(c)} for i, c in rows if normal(c) != c]
        if changed:
            conn.execute(write, changed)
        last = rows[-1][0]


def upgrade() -> None:
    conn = op.get_bind()
    for table in TABLES:
        _rewrite(conn, table)


def downgrade() -> None:
    pass
