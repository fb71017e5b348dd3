"""Summons: jury pools, candidates, the notice outbox, send attempts, the served registry.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "summons_pools",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_number", sa.String(64), nullable=False),
        sa.Column("court", sa.String(200), nullable=False),
        sa.Column("court_phone", sa.String(32), nullable=False),
        sa.Column("place", sa.String(300), nullable=False),
        sa.Column("hearing_at", _TS, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("seed", sa.String(64)),
        sa.Column("list_digest", sa.String(64)),
        sa.Column("drawn_at", _TS),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("summary", sa.JSON),
    )
    op.create_table(
        "summons_candidates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "pool_id",
            sa.Integer,
            sa.ForeignKey("summons_pools.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("row_no", sa.Integer, nullable=False),
        sa.Column("iin", sa.String(12), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("email", sa.String(200)),
        sa.Column("address", sa.String(300)),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("draw_order", sa.Integer),
        sa.Column("code", sa.String(16), unique=True),
        sa.Column("tg_chat_id", sa.BigInteger),
        sa.Column("dead_channels", sa.JSON, nullable=False),
        sa.Column("opt_out", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("ground", sa.String(16)),
        sa.Column("reply_text", sa.Text),
        sa.Column("replied_at", _TS),
        sa.Column("served", sa.Boolean, nullable=False),
        sa.UniqueConstraint("pool_id", "iin", name="uq_summons_candidates_pool_iin"),
    )
    op.create_index(
        "ix_summons_candidates_pool_order", "summons_candidates", ["pool_id", "draw_order"]
    )
    op.create_table(
        "summons_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column(
            "pool_id",
            sa.Integer,
            sa.ForeignKey("summons_pools.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "candidate_id",
            sa.Integer,
            sa.ForeignKey("summons_candidates.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("template", sa.String(16), nullable=False),
        sa.Column("slot", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("lease_owner", sa.String(64)),
        sa.Column("lease_until", _TS),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("skip_channels", sa.JSON, nullable=False),
        sa.Column("last_error", sa.String(300)),
        sa.Column("provider_ref", sa.String(120)),
        sa.Column("delivered_at", _TS),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.CheckConstraint(
            "state IN ('created', 'sending', 'delivered', 'failed', 'cancelled')",
            name="ck_summons_outbox_state",
        ),
    )
    op.create_index("ix_summons_outbox_state_due", "summons_outbox", ["state", "due_at"])
    op.create_index("ix_summons_outbox_candidate_id", "summons_outbox", ["candidate_id"])
    op.create_table(
        "summons_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "notice_id",
            sa.Integer,
            sa.ForeignKey("summons_outbox.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("provider_ref", sa.String(120)),
        sa.Column("error", sa.String(300)),
        sa.Column("worker", sa.String(64)),
    )
    op.create_index("ix_summons_attempts_notice_id", "summons_attempts", ["notice_id"])
    op.create_table(
        "summons_served",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("pool_id", sa.Integer, nullable=False),
        sa.UniqueConstraint("digest", "year", "pool_id", name="uq_summons_served"),
    )
    op.create_index("ix_summons_served_digest", "summons_served", ["digest"])


def downgrade() -> None:
    for table in (
        "summons_served",
        "summons_attempts",
        "summons_outbox",
        "summons_candidates",
        "summons_pools",
    ):
        op.drop_table(table)
