"""Telegram through the Bot API (aiogram), to candidates who linked their chat with the
one-time code. The notice carries the reply buttons the bot answers (``S:<action>:<id>``)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from assistant.summons.channels.base import ChannelDead, Contact, Outgoing, RetryLater, SendFailed
from assistant.summons.texts import text

# Templates a candidate answers; a call-off needs no reply.
REPLY_BUTTONS = {"notice", "reminder", "moved"}


def reply_markup(lang: str, candidate_id: int) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text=text(lang, f"buttons.{a}"), callback_data=f"S:{a}:{cid}")]
        for a in ("confirm", "release", "cannot", "optout")
        for cid in (candidate_id,)
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


class TelegramChannel:
    name = "telegram"
    idempotent = False

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @classmethod
    def from_token(cls, token: str, server: str | None = None) -> TelegramChannel:
        session = AiohttpSession(api=TelegramAPIServer.from_base(server)) if server else None
        return cls(
            Bot(
                token,
                session=session,
                default=DefaultBotProperties(
                    parse_mode=ParseMode.HTML, link_preview_is_disabled=True
                ),
            )
        )

    def reaches(self, contact: Contact) -> bool:
        return contact.tg_chat_id is not None

    async def send(self, out: Outgoing) -> str:
        contact = out.contact
        assert contact.tg_chat_id is not None
        markup = (
            reply_markup(contact.lang, contact.candidate_id)
            if out.template in REPLY_BUTTONS
            else None
        )
        try:
            sent = await self.bot.send_message(
                contact.tg_chat_id, out.message.html(), reply_markup=markup
            )
        except TelegramRetryAfter as exc:
            raise RetryLater("telegram 429", float(exc.retry_after)) from exc
        except (TelegramForbiddenError, TelegramNotFound) as exc:
            # The user blocked the bot or deleted the chat.
            raise ChannelDead(f"telegram: {exc.message[:120]}") from exc
        except TelegramBadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise ChannelDead("telegram: chat not found") from exc
            raise SendFailed(f"telegram: {exc.message[:120]}") from exc
        except (TelegramServerError, TelegramNetworkError, TelegramUnauthorizedError) as exc:
            raise RetryLater(f"telegram: {type(exc).__name__}") from exc
        return f"tg:{sent.chat.id}:{sent.message_id}"

    async def close(self) -> None:
        await self.bot.session.close()
