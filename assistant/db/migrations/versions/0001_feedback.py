"""Baseline: the feedback table as the former feedback.sqlite held it.

A database that has this table but no alembic_version (an old feedback.sqlite used as the
application database) is stamped at this revision before upgrading.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("vote", sa.Text, nullable=False),
        sa.Column("lang", sa.Text),
        sa.Column("kind", sa.Text),
        sa.Column("session_hash", sa.Text),
        sa.Column("user_hash", sa.Text, nullable=False),
        sa.Column("sources", sa.Text, nullable=False),
        sa.CheckConstraint("vote IN ('up', 'down')", name="ck_feedback_vote"),
    )


def downgrade() -> None:
    op.drop_table("feedback")
