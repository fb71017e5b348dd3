"""Feedback on answers, kept in SQLite with personal data masked and user ids hashed."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.core.pii import mask_personal
from assistant.core.schemas import Lang

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    lang TEXT,
    kind TEXT,
    session_hash TEXT,
    user_hash TEXT NOT NULL,
    sources TEXT NOT NULL
);
"""


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


class FeedbackStore:
    """Append-only feedback table; safe to use from several threads."""

    def __init__(self, path: Path, salt: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._salt = (salt or self._stored_salt()).encode()
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False)
        with self._conn:
            self._conn.executescript(_SCHEMA)

    def _stored_salt(self) -> str:
        # Generated once and kept next to the database, readable by the owner only.
        salt_file = self.path.with_suffix(".salt")
        if not salt_file.exists():
            fd = os.open(salt_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return salt_file.read_text().strip()

    def digest(self, value: str) -> str:
        """Salted sha256 of an opaque id."""
        return hashlib.sha256(self._salt + value.encode("utf-8")).hexdigest()

    def add(self, record: FeedbackRecord) -> int:
        """Store a vote; returns its id."""
        row: dict[str, Any] = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "question": mask_personal(record.question),
            "answer": mask_personal(record.answer),
            "vote": record.vote,
            "lang": record.lang,
            "kind": record.kind,
            "session_hash": self.digest(record.session_id) if record.session_id else None,
            "user_hash": self.digest(record.user),
            "sources": json.dumps(record.sources, ensure_ascii=False),
        }
        with self._lock, self._conn:
            cur = self._conn.execute(
                f"INSERT INTO feedback ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
        return int(cur.lastrowid or 0)

    def rows(self) -> list[dict[str, Any]]:
        """Everything stored, oldest first."""
        with self._lock:
            cur = self._conn.execute("SELECT * FROM feedback ORDER BY id")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
