"""Assembling the bot: Bot, Dispatcher with middlewares, and the polling and webhook runners."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlparse

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.types import BotCommand
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from assistant.core.botkey import HEADER, bot_key
from bot.api_client import ApiClient
from bot.config import BotOptions
from bot.dialogue import COMMANDS, Dialogue
from bot.i18n import LANGS, texts
from bot.memory import LangStore
from bot.ratelimit import RateLimiter
from bot.telegram.handlers import make_router
from bot.telegram.middlewares import ChatMiddleware, RateLimitMiddleware
from bot.telegram.summons import make_summons_router

log = logging.getLogger(__name__)


@dataclass
class Assembly:
    """A bot ready to run, and what must be closed after it."""

    bot: Bot
    dispatcher: Dispatcher
    api: ApiClient
    langs: LangStore

    async def close(self) -> None:
        await self.api.aclose()
        self.langs.close()


def make_bot(token: str, server: str | None = None) -> Bot:
    """A Bot with HTML parse mode; ``server`` points it at another Bot API server."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(server)) if server else None
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def make_dispatcher(options: BotOptions, dialogue: Dialogue, langs: LangStore) -> Dispatcher:
    """A Dispatcher wired to the dialogue, with the chat and rate-limit middlewares."""
    dp = Dispatcher(storage=MemoryStorage(), dialogue=dialogue)
    limiter = RateLimiter(options.rate_messages, options.rate_window)
    chat = ChatMiddleware(langs, options.salt())
    limit = RateLimitMiddleware(limiter)
    for observer in (dp.message, dp.callback_query):
        observer.outer_middleware(chat)
        observer.outer_middleware(limit)
    dp.include_router(make_summons_router())
    dp.include_router(make_router())
    dp.startup.register(_set_commands)
    return dp


def assemble(options: BotOptions) -> Assembly:
    """Bot, dispatcher, API client and language store from the options."""
    if options.token is None:
        raise ValueError("no bot token")
    api = ApiClient(
        options.api_url,
        options.api_timeout,
        options.api_connect_timeout,
        headers={HEADER: bot_key(options.token.get_secret_value())},
    )
    langs = LangStore(options.data_dir / "lang.sqlite3")
    dialogue = Dialogue(api, options.lang_default, options.max_question_chars)
    bot = make_bot(options.token.get_secret_value(), options.telegram_api)
    return Assembly(bot, make_dispatcher(options, dialogue, langs), api, langs)


async def _set_commands(bot: Bot) -> None:
    for lang in LANGS:
        t = texts(lang)
        commands = [BotCommand(command=c, description=t(f"commands.{c}")) for c in COMMANDS]
        await bot.set_my_commands(commands, language_code=lang)


async def run_polling(
    assembly: Assembly, handle_signals: bool = True, polling_timeout: int = 10
) -> None:
    """Long polling until SIGINT/SIGTERM (or ``Dispatcher.stop_polling``)."""
    bot, dp = assembly.bot, assembly.dispatcher
    try:
        # getUpdates fails while a webhook is set (e.g. left by an earlier webhook run).
        await bot.delete_webhook()
        me = await bot.get_me()
        log.info("polling as @%s", me.username)
        await dp.start_polling(
            bot,
            handle_signals=handle_signals,
            polling_timeout=polling_timeout,
            allowed_updates=dp.resolve_used_update_types(),
        )
    finally:
        await assembly.close()
        await bot.session.close()


def webhook_app(assembly: Assembly, url: str, secret: str) -> web.Application:
    """An aiohttp app that receives updates at ``url``'s path and registers the webhook."""
    bot, dp = assembly.bot, assembly.dispatcher
    path = urlparse(url).path or "/"

    async def register(bot: Bot) -> None:
        await bot.set_webhook(
            url, secret_token=secret, allowed_updates=dp.resolve_used_update_types()
        )
        log.info("webhook set to %s", url)

    async def close(_: web.Application) -> None:
        await assembly.close()

    dp.startup.register(register)
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token=secret).register(app, path=path)
    setup_application(app, dp, bot=bot)
    app.on_cleanup.append(close)
    return app


def run_webhook(assembly: Assembly, options: BotOptions, url: str) -> None:
    """Serve the webhook until SIGINT/SIGTERM; aiohttp shuts down gracefully."""
    secret = (
        options.webhook_secret.get_secret_value()
        if options.webhook_secret
        else secrets.token_urlsafe(32)
    )
    app = webhook_app(assembly, url, secret)
    web.run_app(app, host=options.webhook_host, port=options.webhook_port, print=None)
