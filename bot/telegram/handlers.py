"""Updates → ``Dialogue`` → Telegram messages. No dialogue logic lives here."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.dialogue import Chat, Dialogue, Keyboard, Outcome
from bot.formatting import split_html

log = logging.getLogger(__name__)


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """Inline keyboard for a reply (None when there are no buttons)."""
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(text=b.label, callback_data=b.action) for b in row] for row in buttons
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def deliver(bot: Bot, chat_id: int, outcome: Outcome, pressed: Message | None) -> None:
    """Send (or edit into the pressed message) every reply; long texts go in several parts."""
    for reply in outcome.replies:
        parts = split_html(reply.text)
        keyboard = markup(reply.buttons)
        if reply.replace and pressed is not None and len(parts) == 1:
            try:
                await pressed.edit_text(parts[0], reply_markup=keyboard)
                continue
            except TelegramBadRequest as exc:
                # Same text and buttons again (a double tap): nothing to change.
                if "not modified" in str(exc):
                    continue
                log.info("edit failed, sending instead: %s", exc)
        for n, part in enumerate(parts, 1):
            await bot.send_message(
                chat_id, part, reply_markup=keyboard if n == len(parts) else None
            )
    if outcome.rekey is not None and pressed is not None:
        try:
            await pressed.edit_reply_markup(reply_markup=markup(outcome.rekey))
        except TelegramBadRequest as exc:
            log.info("buttons not changed: %s", exc)


async def _run(
    bot: Bot,
    chat_id: int,
    dialogue: Dialogue,
    chat: Chat,
    step: Awaitable[Outcome],
    pressed: Message | None = None,
) -> Outcome | None:
    """Run a dialogue step. On any failure the user gets a polite message; the traceback
    goes to the (redacting) log only."""
    try:
        outcome = await step
        await deliver(bot, chat_id, outcome, pressed)
        return outcome
    except Exception:
        log.exception("update failed")
        try:
            await bot.send_message(chat_id, await dialogue.notice(chat, "errors.internal"))
        except TelegramAPIError:
            log.warning("could not tell the user about the failure")
        return None


async def on_command(message: Message, bot: Bot, dialogue: Dialogue, chat: Chat) -> None:
    name = message.text[1:].split(maxsplit=1)[0].split("@")[0].lower() if message.text else ""
    await _run(bot, message.chat.id, dialogue, chat, dialogue.command(chat, name))


async def on_text(message: Message, bot: Bot, dialogue: Dialogue, chat: Chat) -> None:
    await bot.send_chat_action(message.chat.id, ChatAction.TYPING)
    await _run(bot, message.chat.id, dialogue, chat, dialogue.message(chat, message.text or ""))


async def on_other(message: Message, bot: Bot, dialogue: Dialogue, chat: Chat) -> None:
    await _run(bot, message.chat.id, dialogue, chat, dialogue.unsupported(chat))


async def on_press(query: CallbackQuery, bot: Bot, dialogue: Dialogue, chat: Chat) -> None:
    pressed = query.message if isinstance(query.message, Message) else None
    chat_id = pressed.chat.id if pressed is not None else query.from_user.id
    outcome = await _run(
        bot, chat_id, dialogue, chat, dialogue.press(chat, query.data or ""), pressed
    )
    await query.answer(outcome.notice if outcome is not None else None)


def make_router() -> Router:
    """A router with the handlers (one per dispatcher: a router has a single parent)."""
    router = Router(name="alqabi")
    router.message.register(on_command, F.text.startswith("/"))
    router.message.register(on_text, F.text)
    router.message.register(on_other)
    router.callback_query.register(on_press)
    return router
