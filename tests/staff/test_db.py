"""The application database: migrations from empty and from the former feedback.sqlite,
the append-only audit log, SQLite in WAL mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError

from assistant.core.config import DatabaseSettings, Settings, StoreSettings
from assistant.db import Database, open_database
from assistant.db.feedback import FeedbackRecord, FeedbackStore
from assistant.db.models import AuditEvent, Feedback, ReviewItem
from assistant.staff import audit

TABLES = {
    "feedback", "app_meta", "staff_users", "staff_sessions", "login_failures", "audit_log",
    "review_items", "faq_versions", "gold_questions", "alembic_version",
}  # fmt: skip
# The schema the feedback store created before the application database (its own file).
PREVIOUS_SCHEMA = """
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
OLD_ROWS = [
    ("2026-11-01T10:00:00+00:00", "сколько платят?", "…", "up", "ru", "faq", None, "h1", "[]"),
    ("2026-11-02T10:00:00+00:00", "есть ли парковка?", "Нет ответа", "down", "ru", "refusal",
     "s1", "h2", "[]"),
]  # fmt: skip


def previous_feedback_db(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(PREVIOUS_SCHEMA)
        conn.executemany(
            "INSERT INTO feedback (created_at, question, answer, vote, lang, kind, session_hash,"
            " user_hash, sources) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            OLD_ROWS,
        )
    conn.close()
    path.with_suffix(".salt").write_text("old-salt\n")


def test_a_fresh_database_is_migrated_to_head(db_url: str):
    db = Database(db_url)
    assert db.revision() is None
    assert db.upgrade() == Database.head()
    assert set(inspect(db.engine).get_table_names()) >= TABLES
    # Upgrading again is a no-op.
    assert db.upgrade() == Database.head()
    db.dispose()


def test_the_audit_log_is_append_only(db: Database):
    audit.log_event(db, "alice", "login", object_type="staff_user", object_id="alice")
    with pytest.raises(DatabaseError, match="append-only"), db.session() as session:
        session.execute(text("UPDATE audit_log SET actor = 'mallory'"))
    with pytest.raises(DatabaseError, match="append-only"), db.session() as session:
        session.execute(text("DELETE FROM audit_log"))
    with db.session() as session:
        assert session.scalars(select(AuditEvent.actor)).all() == ["alice"]


def test_audit_details_are_masked(db: Database):
    audit.log_event(db, "bob", "test", note="ИИН 900101300126, +7 701 123 45 67")
    (row,) = audit.query(db, audit.AuditFilter(action="test"))
    assert "900101300126" not in str(row.details) and "[iin]" in row.details["note"]


def test_sqlite_runs_in_wal_mode(tmp_path: Path):
    db = Database(f"sqlite:///{tmp_path / 'a.sqlite'}")
    db.upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_upgrade_of_the_previous_feedback_database_in_place(tmp_path: Path):
    """ALQABI_DATABASE_URL pointed at an old feedback.sqlite: stamped at 0001, upgraded,
    the votes kept and the 👎 queued for review."""
    path = tmp_path / "feedback.sqlite"
    previous_feedback_db(path)
    settings = Settings(
        store=StoreSettings(dir=tmp_path / "store"),
        database=DatabaseSettings(url=f"sqlite:///{path}"),
    )
    db = open_database(settings)
    assert db.revision() == Database.head()
    with db.session() as session:
        votes = session.scalars(select(Feedback).order_by(Feedback.id)).all()
        assert [v.question for v in votes] == [r[1] for r in OLD_ROWS]
        queued = session.scalars(select(ReviewItem)).all()
        assert [(q.source, q.question, q.feedback_id) for q in queued] == [
            ("downvote", "есть ли парковка?", votes[1].id)
        ]
    db.dispose()


def test_previous_feedback_file_is_imported_once(tmp_path: Path):
    """The default layout: var/feedback.sqlite beside the new var/alqabi.sqlite."""
    store = tmp_path / "var" / "store"
    previous_feedback_db(tmp_path / "var" / "feedback.sqlite")
    settings = Settings(store=StoreSettings(dir=store))
    for _ in range(2):
        db = open_database(settings)
        rows = FeedbackStore(db).rows()
        assert [r["question"] for r in rows] == [r[1] for r in OLD_ROWS]
        with db.session() as session:
            assert len(session.scalars(select(ReviewItem)).all()) == 1
        db.dispose()
    # The old salt came along: a user's hash stays comparable with the imported ones.
    assert db.meta("feedback_salt") == "old-salt"
    assert (tmp_path / "var" / "alqabi.sqlite").exists()


def test_upgrade_from_the_baseline_keeps_votes(db_url: str):
    db = Database(db_url)
    db.upgrade("0001")
    assert set(inspect(db.engine).get_table_names()) == {"feedback", "alembic_version"}
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO feedback (created_at, question, answer, vote, user_hash, sources)"
                " VALUES ('2026-11-01T00:00:00+00:00', 'q', 'a', 'down', 'h', '[]')"
            )
        )
    assert db.upgrade() == Database.head()
    store = FeedbackStore(db)
    store.add(FeedbackRecord(question="q2", answer="a2", vote="down", user="u"))
    assert [r["question"] for r in store.rows()] == ["q", "q2"]
    db.dispose()
