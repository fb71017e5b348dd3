"""What every channel implements, and the three ways a send can fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from assistant.summons.texts import Message


@dataclass(frozen=True)
class Contact:
    """How a candidate can be reached (from the pool table, in memory only)."""

    candidate_id: int
    lang: str
    tg_chat_id: int | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class Outgoing:
    """One message to send; ``key`` is the idempotency key the provider receives."""

    key: str
    template: str
    contact: Contact
    message: Message


class RetryLater(Exception):
    """A temporary failure; ``after`` seconds is the provider's wish (429), if it said."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class ChannelDead(Exception):
    """This channel cannot reach the candidate (blocked bot, wrong number): try the next."""


class SendFailed(Exception):
    """This message cannot be sent on this channel (rejected content): try the next."""


class Channel(Protocol):
    name: str
    # True when the provider drops a second message with the same key, so a send cut short by
    # a crash can be repeated; False (Telegram) means such a notice moves to the next channel.
    idempotent: bool

    def reaches(self, contact: Contact) -> bool:
        """True when the candidate has an address on this channel."""
        ...

    async def send(self, out: Outgoing) -> str:
        """Send; the provider's message id (the receipt), or one of the exceptions above."""
        ...

    async def close(self) -> None: ...
