"""Short per-session conversation history in memory, with a TTL and a size cap."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from pydantic import BaseModel

from assistant.core.schemas import Lang


class Turn(BaseModel):
    """What a follow-up question needs from an earlier one."""

    question: str
    resolved: str
    lang: Lang


class ConversationMemory:
    """The last few turns of each session; idle sessions expire, the oldest go first when full."""

    def __init__(
        self,
        ttl_seconds: float = 1800.0,
        max_sessions: int = 10_000,
        max_turns: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_sessions = max_sessions
        self.max_turns = max_turns
        self._clock = clock
        self._sessions: OrderedDict[str, tuple[float, list[Turn]]] = OrderedDict()
        self._lock = threading.Lock()

    def last(self, session_id: str) -> Turn | None:
        """The latest turn of a live session."""
        with self._lock:
            entry = self._sessions.get(session_id)
            if entry is None:
                return None
            seen, turns = entry
            if self._clock() - seen > self.ttl:
                del self._sessions[session_id]
                return None
            return turns[-1] if turns else None

    def add(self, session_id: str, turn: Turn) -> None:
        """Remember a turn; refreshes the session's expiry."""
        with self._lock:
            now = self._clock()
            _, turns = self._sessions.pop(session_id, (now, []))
            self._sessions[session_id] = (now, [*turns, turn][-self.max_turns :])
            self._evict(now)

    def _evict(self, now: float) -> None:
        # Sessions are kept in order of last use, so expired ones are at the front.
        while self._sessions:
            oldest, (seen, _) = next(iter(self._sessions.items()))
            if len(self._sessions) <= self.max_sessions and now - seen <= self.ttl:
                break
            del self._sessions[oldest]

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
