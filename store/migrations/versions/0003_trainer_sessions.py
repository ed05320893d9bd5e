"""Trainers' dashboard sign-ins, held server-side so that signing out revokes them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trainer_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("trainer", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_trainer_sessions_trainer", "trainer_sessions", ["trainer"])
    op.create_index("ix_trainer_sessions_expires_at", "trainer_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("trainer_sessions")
