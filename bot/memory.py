"""What the dialogue remembers: per-chat state, language choices on disk, recent answers."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.quiz import Answer
from bot.schemas import Lang


class ChatMemory(Protocol):
    """Per-chat state a transport keeps for the dialogue (Telegram: FSM + SQLite)."""

    async def lang(self) -> Lang | None: ...

    async def set_lang(self, lang: Lang) -> None: ...

    async def quiz(self) -> tuple[Answer, ...] | None:
        """The eligibility answers so far, or None when no check is running."""
        ...

    async def set_quiz(self, answers: tuple[Answer, ...] | None) -> None: ...


@dataclass
class LocalMemory:
    """Chat state held in memory (the terminal, tests)."""

    chosen: Lang | None = None
    answers: tuple[Answer, ...] | None = None

    async def lang(self) -> Lang | None:
        return self.chosen

    async def set_lang(self, lang: Lang) -> None:
        self.chosen = lang

    async def quiz(self) -> tuple[Answer, ...] | None:
        return self.answers

    async def set_quiz(self, answers: tuple[Answer, ...] | None) -> None:
        self.answers = answers


class LangStore:
    """Language choice per (hashed) user in a small SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS lang (user TEXT PRIMARY KEY, lang TEXT)")

    def get(self, user: str) -> Lang | None:
        with self._lock:
            row = self._db.execute("SELECT lang FROM lang WHERE user = ?", (user,)).fetchone()
        return row[0] if row and row[0] in ("kk", "ru") else None

    def set(self, user: str, lang: Lang) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO lang (user, lang) VALUES (?, ?)", (user, lang))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def user_hash(salt: str, platform: str, raw_id: int | str) -> str:
    """Salted sha256 of a platform user id: the only user id the bot stores or sends."""
    return hashlib.sha256(f"{salt}:{platform}:{raw_id}".encode()).hexdigest()


@dataclass(frozen=True)
class Exchange:
    """A question the user asked, and the answer if there was one (for votes and retries)."""

    user: str
    question: str
    lang: Lang
    answer: str | None = None
    kind: str | None = None
    chunk_ids: tuple[str, ...] = ()


@dataclass
class Exchanges:
    """The most recent exchanges by short reference; old ones are forgotten."""

    capacity: int = 5000
    _items: OrderedDict[str, Exchange] = field(default_factory=OrderedDict)

    def add(self, exchange: Exchange) -> str:
        ref = secrets.token_urlsafe(6)
        self._items[ref] = exchange
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return ref

    def get(self, ref: str, user: str) -> Exchange | None:
        """The exchange, if it is this user's and still remembered."""
        exchange = self._items.get(ref)
        return exchange if exchange is not None and exchange.user == user else None
