"""rate limits counted in the database, shared by every server process

`rate_limit`: one row per limit and subject (a kiosk's tickets, a sign-in address's
attempts), its window's opening time and hits (`server/ratelimit.py`). The limits used to be
counted in each process's memory, so `--workers 2` doubled them. Nothing to carry over: the
old windows lived in memory only.

Revision ID: 0006_shared_rate_limits
Revises: 0005_h1
Create Date: 2026-12-04
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_shared_rate_limits"
down_revision = "0005_h1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_start", sa.Float(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", "subject"),
    )
    op.create_index("ix_rate_limit_window", "rate_limit", ["window_start"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_window", table_name="rate_limit")
    op.drop_table("rate_limit")
