"""Tables of the application database (SQLAlchemy 2 declarative models).

Texts typed by citizens are stored masked (``assistant.core.pii``); user ids as salted hashes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the database keeps UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime}


class Feedback(Base):
    """A vote on one answer (the schema of the former feedback.sqlite, revision 0001)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    vote: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(Text)
    session_hash: Mapped[str | None] = mapped_column(Text)
    user_hash: Mapped[str] = mapped_column(Text)
    sources: Mapped[str] = mapped_column(Text)


class AppMeta(Base):
    """Small generated values the service keeps (the feedback salt, import markers)."""

    __tablename__ = "app_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StaffUser(Base):
    """A staff account; the password only as an argon2 hash."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column()
    password_changed_at: Mapped[datetime] = mapped_column()


class StaffSession(Base):
    """A signed-in browser; ``id`` is the sha256 of the cookie value, never the value."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    last_seen: Mapped[datetime] = mapped_column()
    client: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """One failed login, counted per account name and per client address for lockouts."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_client_at", "client", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column()


class AuditEvent(Base):
    """Append-only (triggers refuse UPDATE and DELETE): who did what, to what, from where."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_action", "action"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(128))
    client: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReviewItem(Base):
    """A question the assistant did not answer well: refused as unsupported, answered with
    low confidence, or voted 👎 (``feedback_id``). Texts masked."""

    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_status_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column()
    # refused | uncovered | low_confidence | passage | downvote
    source: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8))
    answer: Mapped[str] = mapped_column(Text)
    kind: Mapped[str | None] = mapped_column(String(16))
    confidence: Mapped[float | None] = mapped_column(Float)
    feedback_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="SET NULL"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | published
    faq_group: Mapped[str | None] = mapped_column(String(80))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column()

    @classmethod
    def from_feedback(cls, vote: Feedback, at: datetime | None = None) -> ReviewItem:
        """The review item of a 👎 vote (texts are already masked)."""
        when = at or datetime.fromisoformat(vote.created_at)
        return cls(
            created_at=when if when.tzinfo else when.replace(tzinfo=UTC),
            source="downvote",
            question=vote.question,
            lang=vote.lang,
            answer=vote.answer,
            kind=vote.kind,
            feedback_id=vote.id,
            status="open",
        )


class FaqVersion(Base):
    """One version of a staff-written FAQ entry. Rows are never changed: publishing adds a
    version, reverting adds one that restores the previous content (or withdraws the entry)."""

    __tablename__ = "faq_versions"
    __table_args__ = (Index("ix_faq_versions_group_version", "group_id", "version", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str | None] = mapped_column(String(64))
    # {lang: {"question": ..., "answer": ...}} for kk and ru (en optional).
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{"act": "cpc", "article": "638"}]: never empty for a served version.
    citations: Mapped[list[Any]] = mapped_column(JSON)
    # {lang: [questions]}: the review cluster's questions, matched as paraphrases.
    paraphrases: Mapped[dict[str, Any]] = mapped_column(JSON)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    reverts: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()


class GoldQuestion(Base):
    """A reviewed question with the FAQ group that answers it, for the answers eval."""

    __tablename__ = "gold_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(8))
    faq_group: Mapped[str] = mapped_column(String(80))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column()
