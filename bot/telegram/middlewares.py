"""Outer middlewares: who is talking (``chat``), then the per-user rate limit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from bot.dialogue import Chat, Dialogue
from bot.i18n import LANGS
from bot.memory import LangStore, user_hash
from bot.ratelimit import RateLimiter
from bot.schemas import Lang
from bot.telegram.memory import TelegramMemory

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def _hint(user: User) -> Lang | None:
    code = (user.language_code or "").split("-")[0]
    return cast(Lang, code) if code in LANGS else None


class ChatMiddleware(BaseMiddleware):
    """Adds ``chat`` (salted user hash, session id, memory); drops events without a user."""

    def __init__(self, langs: LangStore, salt: str) -> None:
        self.langs = langs
        self.salt = salt

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        state: FSMContext | None = data.get("state")
        if user is None or user.is_bot or state is None:
            return None
        digest = user_hash(self.salt, "tg", user.id)
        data["chat"] = Chat(
            user=digest,
            session_id=f"tg-{digest[:24]}",
            memory=TelegramMemory(state, self.langs, digest),
            hint=_hint(user),
        )
        return await handler(event, data)


class RateLimitMiddleware(BaseMiddleware):
    """Drops a user's messages and presses over the limit; says so once per window."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.limiter = limiter

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat = data["chat"]
        decision = self.limiter.hit(chat.user)
        if decision.allowed:
            return await handler(event, data)
        dialogue: Dialogue = data["dialogue"]
        text = await dialogue.notice(chat, "errors.slow_down")
        if isinstance(event, CallbackQuery):
            # A press must always be answered, or the button keeps spinning.
            await event.answer(text if decision.warn else None)
        elif isinstance(event, Message) and decision.warn:
            await event.answer(text)
        return None
