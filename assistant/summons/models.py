"""Summons tables. Candidates' personal data lives only in ``summons_candidates`` (deleted by
the purge job); every other table holds ids, states and digests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from assistant.db.models import Base

POOL_STATES = ("open", "drawn", "notified", "cancelled", "purged")
CANDIDATE_STATES = ("listed", "drawn", "confirmed", "release_asked", "cannot_attend")
OUTBOX_STATES = ("created", "sending", "delivered", "failed", "cancelled")


class Pool(Base):
    """A pool of candidates for one case and hearing. ``version`` grows when the hearing
    moves, so the notices of each date are distinct outbox slots."""

    __tablename__ = "summons_pools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(64))
    court: Mapped[str] = mapped_column(String(200))
    court_phone: Mapped[str] = mapped_column(String(32))
    place: Mapped[str] = mapped_column(String(300))
    hearing_at: Mapped[datetime] = mapped_column()
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    seed: Mapped[str | None] = mapped_column(String(64))
    list_digest: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    # Counts kept when the candidates are purged (the dashboard still shows them).
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Candidate(Base):
    """One row of an imported list (personal data: purged after the hearing)."""

    __tablename__ = "summons_candidates"
    __table_args__ = (
        UniqueConstraint("pool_id", "iin", name="uq_summons_candidates_pool_iin"),
        Index("ix_summons_candidates_pool_order", "pool_id", "draw_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("summons_pools.id", ondelete="CASCADE"))
    row_no: Mapped[int] = mapped_column(Integer)
    iin: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    lang: Mapped[str] = mapped_column(String(2), default="kk")
    draw_order: Mapped[int | None] = mapped_column(Integer)
    # The one-time code printed on the paper notice: links Telegram, opens the reply page.
    code: Mapped[str | None] = mapped_column(String(16), unique=True)
    tg_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    dead_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="listed")
    ground: Mapped[str | None] = mapped_column(String(16))
    reply_text: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column()
    served: Mapped[bool] = mapped_column(Boolean, default=False)


class Notice(Base):
    """The outbox: one row per (candidate, pool, template, slot), the source of truth of
    what is to be sent and what was."""

    __tablename__ = "summons_outbox"
    __table_args__ = (Index("ix_summons_outbox_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("summons_pools.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("summons_candidates.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[str] = mapped_column(String(16))
    slot: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="created")
    channel: Mapped[str | None] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column()
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()
    # Passed to providers so a resend after a crash is recognised as the same message.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    # Channels this notice must not use again (dead, or uncertain after a crash).
    skip_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_error: Mapped[str | None] = mapped_column(String(300))
    provider_ref: Mapped[str | None] = mapped_column(String(120))
    delivered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class Attempt(Base):
    """One send attempt and the provider's receipt (or error)."""

    __tablename__ = "summons_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("summons_outbox.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(16))  # delivered | retry | dead | failed
    provider_ref: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(String(300))
    worker: Mapped[str | None] = mapped_column(String(64))


class Served(Base):
    """Who was summoned in a calendar year (Law art. 15): a keyed digest of the IIN, never
    the IIN, so it outlives the purge."""

    __tablename__ = "summons_served"
    __table_args__ = (UniqueConstraint("digest", "year", "pool_id", name="uq_summons_served"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    year: Mapped[int] = mapped_column(Integer)
    pool_id: Mapped[int] = mapped_column(Integer)
