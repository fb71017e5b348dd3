"""Summons in the bot: link the chat with the one-time code (``/start CODE`` or the code as
a message), then the notice's buttons: confirm, ask for release on a ground (with a few
words), cannot attend (with the reason), opt out of SMS and e-mail. The texts of the court
come rendered from the API; the bot's own prompts are in the locale files (``summons.*``)."""

from __future__ import annotations

import logging
import re
from typing import cast

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.api_client import ApiError, ApiUnavailable
from bot.dialogue import Button, Chat, Dialogue
from bot.i18n import LANGS, texts
from bot.schemas import Lang, SummonsReply
from bot.telegram.handlers import markup

log = logging.getLogger(__name__)
# The code printed on the notice: 10 letters and digits, at least one digit.
CODE = re.compile(r"^(?=.*[2-9])[A-Za-z2-9]{10}$")
START_CODE = re.compile(r"^/start(?:@\w+)?\s+(\S{6,32})$")


class SummonsFlow(StatesGroup):
    """Waiting for the few words that go with a release request or a cannot-attend reply."""

    details = State()


def _lang(value: str) -> Lang:
    return cast(Lang, value) if value in LANGS else "kk"


async def _show(bot: Bot, chat_id: int, reply: SummonsReply) -> None:
    rows = [[Button(label=b.label, action=b.action) for b in row] for row in reply.buttons]
    await bot.send_message(chat_id, reply.html, reply_markup=markup(rows))


async def _failed(bot: Bot, chat_id: int, lang: Lang, exc: ApiError) -> None:
    log.info("summons: %s", exc)
    key = "summons.failed" if isinstance(exc, ApiUnavailable) else "summons.unknown_code"
    await bot.send_message(chat_id, texts(lang)(key))


async def _link(message: Message, bot: Bot, dialogue: Dialogue, chat: Chat, code: str) -> None:
    lang = await chat.memory.lang() or chat.hint or dialogue.lang_default
    try:
        reply = await dialogue.api.summons_link(code, message.chat.id)
    except ApiError as exc:
        await _failed(bot, message.chat.id, lang, exc)
        return
    await _show(bot, message.chat.id, reply)


async def on_start_code(message: Message, bot: Bot, dialogue: Dialogue, chat: Chat) -> None:
    match = START_CODE.match(message.text or "")
    assert match is not None
    await _link(message, bot, dialogue, chat, match.group(1))


async def on_code(message: Message, bot: Bot, dialogue: Dialogue, chat: Chat) -> None:
    await _link(message, bot, dialogue, chat, (message.text or "").strip())


async def on_details(message: Message, bot: Bot, dialogue: Dialogue, state: FSMContext) -> None:
    data = await state.get_data()
    await state.clear()
    words = (message.text or "").strip()
    text = None if words.lower().startswith("/skip") else words[:1000]
    try:
        reply = await dialogue.api.summons_reply(
            int(data["candidate"]), message.chat.id, data["action"], data.get("ground"), text
        )
    except ApiError as exc:
        await _failed(bot, message.chat.id, _lang(data.get("lang", "")), exc)
        return
    await _show(bot, message.chat.id, reply)


async def on_press(
    query: CallbackQuery, bot: Bot, dialogue: Dialogue, chat: Chat, state: FSMContext
) -> None:
    parts = (query.data or "").split(":")
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    lang = await chat.memory.lang() or chat.hint or dialogue.lang_default
    await query.answer()
    try:
        if parts[1] in ("confirm", "optout") and len(parts) == 3:
            action = "confirm" if parts[1] == "confirm" else "opt_out"
            await _show(
                bot, chat_id, await dialogue.api.summons_reply(int(parts[2]), chat_id, action)
            )
        elif parts[1] == "release" and len(parts) == 3:
            await _show(bot, chat_id, await dialogue.api.summons_grounds(int(parts[2]), chat_id))
        elif parts[1] in ("g", "cannot"):
            ground = parts[2] if parts[1] == "g" else None
            candidate = parts[-1]
            action = "release" if parts[1] == "g" else "cannot"
            await state.set_state(SummonsFlow.details)
            await state.set_data(
                {"candidate": candidate, "action": action, "ground": ground, "lang": lang}
            )
            key = "summons.ask_details" if action == "release" else "summons.ask_reason"
            await bot.send_message(chat_id, texts(lang)(key))
    except (ApiError, ValueError, IndexError) as exc:
        if isinstance(exc, ApiError):
            await _failed(bot, chat_id, lang, exc)
        else:
            await bot.send_message(chat_id, texts(lang)("errors.stale_button"))


def make_summons_router() -> Router:
    """Handlers that run before the guidance dialogue's (one router per dispatcher)."""
    router = Router(name="alqabi-summons")
    router.message.register(on_details, StateFilter(SummonsFlow.details), F.text)
    router.message.register(on_start_code, F.text.regexp(START_CODE))
    router.message.register(on_code, F.text.regexp(CODE))
    router.callback_query.register(on_press, F.data.startswith("S:"))
    return router
