"""Senders whose data was deleted, so that a write from a turn in flight cannot bring it back.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forgotten_senders",
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_forgotten_senders_forgotten_at", "forgotten_senders", ["forgotten_at"])


def downgrade() -> None:
    op.drop_table("forgotten_senders")
