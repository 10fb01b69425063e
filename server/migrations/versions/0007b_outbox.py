"""the durable outbox of messages to citizens

`outbox`: one row per message (an OTP, a remote ticket's confirmation), written in the
transaction of the fact that causes it and sent later by the deployment's one sender
(`server/outbox/`), retried with backoff; `dedupe_key` is unique (one message per fact, and
the gateway's idempotency key). New table, nothing to carry over.

Revision ID: 0007b_outbox
Revises: 0006b_dossier_codes
Create Date: 2026-12-04
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.db.types import UTCDateTime

revision = "0007b_outbox"
down_revision = "0006b_dossier_codes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", UTCDateTime(), nullable=True),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["sent_at", "next_try_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
