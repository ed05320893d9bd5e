"""Trainers' group sessions, their participants, and the answers shared with the trainer.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("trainer", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("themes", sa.JSON, nullable=False),
        sa.Column("prompts", sa.Integer, nullable=False),
        sa.Column("trainer_paced", sa.Boolean, nullable=False),
        sa.Column("closing_question", sa.Text, nullable=False),
        sa.Column("current", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_group_sessions_trainer", "group_sessions", ["trainer"])
    op.create_table(
        "participants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("group_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("shares", sa.Boolean, nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("answered", sa.Integer, nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "sender_id", "channel"),
        sa.UniqueConstraint("session_id", "number"),
    )
    op.create_index("ix_participants_session_id", "participants", ["session_id"])
    op.create_table(
        "shared_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("group_sessions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("participant_id", sa.Integer,
                  sa.ForeignKey("participants.id", ondelete="CASCADE"), nullable=False),
        sa.Column("prompt", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("vector", sa.JSON, nullable=False),
        sa.Column("findings", sa.JSON, nullable=False),
        sa.Column("passage", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_shared_answers_session_id", "shared_answers", ["session_id"])
    op.create_index("ix_shared_answers_participant_id", "shared_answers", ["participant_id"])


def downgrade() -> None:
    op.drop_table("shared_answers")
    op.drop_table("participants")
    op.drop_table("group_sessions")
