"""Votes on answers in the application database, personal data masked and user ids hashed.
A 👎 also opens a review item."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select

from assistant.core.pii import mask_personal
from assistant.core.schemas import Lang
from assistant.db import Database
from assistant.db.models import AppMeta, Feedback, ReviewItem

SALT_KEY = "feedback_salt"


class FeedbackRecord(BaseModel):
    """One vote on one answer, as received."""

    question: str
    answer: str
    vote: str
    user: str
    lang: Lang | None = None
    session_id: str | None = None
    kind: str | None = None
    sources: list[str] = Field(default_factory=list)


def _stored_salt(db: Database) -> str:
    # Generated once and kept in the database (imported from a former feedback.salt file).
    with db.session() as session:
        row = session.get(AppMeta, SALT_KEY)
        if row is None:
            row = AppMeta(key=SALT_KEY, value=secrets.token_hex(32))
            session.add(row)
        return row.value


class FeedbackStore:
    """The append-only feedback table."""

    def __init__(self, db: Database, salt: str | None = None) -> None:
        self.db = db
        self._salt = (salt or _stored_salt(db)).encode()

    def digest(self, value: str) -> str:
        """Salted sha256 of an opaque id."""
        return hashlib.sha256(self._salt + value.encode("utf-8")).hexdigest()

    def add(self, record: FeedbackRecord) -> int:
        """Store a vote (a 👎 is queued for review too); returns its id."""
        now = datetime.now(UTC)
        row = Feedback(
            created_at=now.isoformat(timespec="seconds"),
            question=mask_personal(record.question),
            answer=mask_personal(record.answer),
            vote=record.vote,
            lang=record.lang,
            kind=record.kind,
            session_hash=self.digest(record.session_id) if record.session_id else None,
            user_hash=self.digest(record.user),
            sources=json.dumps(record.sources, ensure_ascii=False),
        )
        with self.db.session() as session:
            session.add(row)
            session.flush()
            if record.vote == "down":
                session.add(ReviewItem.from_feedback(row, now))
        return row.id

    def rows(self) -> list[dict[str, Any]]:
        """Everything stored, oldest first."""
        columns = [c.name for c in Feedback.__table__.columns]
        with self.db.session() as session:
            found = session.scalars(select(Feedback).order_by(Feedback.id)).all()
            return [{c: getattr(r, c) for c in columns} for r in found]
