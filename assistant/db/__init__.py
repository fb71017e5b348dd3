"""The application database: SQLAlchemy engine, sessions and Alembic migrations.

SQLite (WAL) next to the store by default, PostgreSQL when ``ALQABI_DATABASE_URL`` says so.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from assistant.core.config import Settings
from assistant.db.models import AppMeta

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"


def database_url(settings: Settings) -> str:
    """``ALQABI_DATABASE_URL``, else SQLite ``alqabi.sqlite`` beside the store directory."""
    if settings.database.url is not None:
        return settings.database.url.get_secret_value()
    return f"sqlite:///{Path(settings.store.dir).parent.resolve() / 'alqabi.sqlite'}"


def legacy_feedback_path(settings: Settings) -> Path:
    """Where feedback was kept before the application database (imported once)."""
    return settings.answer.feedback_db or Path(settings.store.dir).parent / "feedback.sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers do not block the writer; the busy timeout waits out a concurrent writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """An engine, a session factory and the migrations of one application database."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def path(self) -> Path | None:
        """The SQLite file, None for a server database."""
        database = self.engine.url.database
        return Path(database) if self.dialect == "sqlite" and database else None

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def _alembic(self, connection: Any) -> Config:
        from alembic.config import Config  # Alembic only where the schema is read or changed

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        return config

    def revision(self) -> str | None:
        """The schema revision the database is at (None: not created yet)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @staticmethod
    def head() -> str:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        head = ScriptDirectory.from_config(config).get_current_head()
        assert head is not None
        return head

    def upgrade(self, revision: str = "head") -> str:
        """Apply pending migrations; a pre-Alembic feedback database is stamped at the
        baseline first. Returns the revision now in place."""
        from alembic import command

        with self.engine.begin() as connection:
            config = self._alembic(connection)
            tables = set(inspect(connection).get_table_names())
            if "feedback" in tables and "alembic_version" not in tables:
                log.info("database holds the pre-migration feedback table: stamped %s", BASELINE)
                command.stamp(config, BASELINE)
            command.upgrade(config, revision)
        current = self.revision()
        assert current is not None
        return current

    def meta(self, key: str) -> str | None:
        with self.session() as session:
            row = session.get(AppMeta, key)
            return row.value if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.session() as session:
            session.merge(AppMeta(key=key, value=value))

    def dispose(self) -> None:
        self.engine.dispose()


def import_legacy_feedback(db: Database, legacy: Path) -> int:
    """Copy the votes of a former feedback.sqlite (and its salt) into the database once;
    returns how many rows were copied."""
    if not legacy.exists() or (db.path is not None and db.path.resolve() == legacy.resolve()):
        return 0
    marker = f"imported:{legacy.resolve()}"
    if db.meta(marker) is not None:
        return 0
    from assistant.db.models import Feedback

    source = sqlite3.connect(f"file:{legacy}?mode=ro", uri=True)
    try:
        source.row_factory = sqlite3.Row
        rows = [dict(r) for r in source.execute("SELECT * FROM feedback ORDER BY id")]
    except sqlite3.DatabaseError as exc:
        raise RuntimeError(f"{legacy}: not a feedback database ({exc})") from exc
    finally:
        source.close()
    salt_file = legacy.with_suffix(".salt")
    with db.session() as session:
        for row in rows:
            row.pop("id", None)
            session.add(Feedback(**row))
        if salt_file.exists() and session.get(AppMeta, "feedback_salt") is None:
            # Hashes of imported votes stay comparable with new ones.
            session.add(AppMeta(key="feedback_salt", value=salt_file.read_text().strip()))
        session.add(AppMeta(key=marker, value=str(len(rows))))
    log.info("imported %d votes from %s", len(rows), legacy)
    return len(rows)


def open_database(settings: Settings) -> Database:
    """The application database, migrated (unless auto_upgrade is off), with the legacy
    feedback imported and down votes queued for review."""
    db = Database(database_url(settings))
    if settings.database.auto_upgrade:
        db.upgrade()
        import_legacy_feedback(db, legacy_feedback_path(settings))
        from assistant.review.queue import queue_down_votes

        queue_down_votes(db)
    return db
