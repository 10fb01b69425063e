"""an index for the head of each service's queue

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

WHERE = "state IN ('waiting', 'transferred') AND target_counter IS NULL"


def upgrade() -> None:
    op.create_index("ix_ticket_lane", "ticket",
                    ["day", "service", "transferred", "priority_rank", "id"],
                    sqlite_where=sa.text(WHERE), postgresql_where=sa.text(WHERE))


def downgrade() -> None:
    op.drop_index("ix_ticket_lane", table_name="ticket")
