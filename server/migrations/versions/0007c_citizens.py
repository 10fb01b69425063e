"""one-time codes and remote tickets

`otp_code`: the code last sent to a phone (hashed), its expiry, wrong tries and lock.
`remote_ticket`: the tickets taken from a phone, with the phone (erased after
`citizens.keep_phone_days`), for the per-phone and per-service limits. New tables.

Revision ID: 0007c_citizens
Revises: 0007b_outbox
Create Date: 2026-12-04
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

from server.db.types import UTCDateTime

revision = "0007c_citizens"
down_revision = "0007b_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "otp_code",
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("salt", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("phone"),
    )
    op.create_index("ix_otp_code_expires", "otp_code", ["expires_at"])
    op.create_table(
        "remote_ticket",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id"),
    )
    op.create_index("ix_remote_ticket_day_phone", "remote_ticket", ["day", "phone"])
    op.create_index("ix_remote_ticket_day_service", "remote_ticket", ["day", "service"])


def downgrade() -> None:
    op.drop_index("ix_remote_ticket_day_service", table_name="remote_ticket")
    op.drop_index("ix_remote_ticket_day_phone", table_name="remote_ticket")
    op.drop_table("remote_ticket")
    op.drop_index("ix_otp_code_expires", table_name="otp_code")
    op.drop_table("otp_code")
