"""``alqabi bot`` (Telegram, polling or webhook) and ``alqabi chat`` (terminal twin)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer

from assistant.core.cli import err, fail
from assistant.core.config import get_settings
from bot.config import BotOptions

ApiOpt = Annotated[
    str | None,
    typer.Option("--api", help="Alqabi API base URL (default: ALQABI_BOT_API_URL or :8000)."),
]

NO_TOKEN = (
    "no Telegram bot token. Create a bot with @BotFather, then set it in the environment:\n"
    "  export ALQABI_BOT_TOKEN=123456789:AA...\n"
    "To talk to the assistant without Telegram, run: alqabi chat"
)


def bot(
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="Public HTTPS URL for Telegram to post updates to."),
    ] = None,
    host: Annotated[str | None, typer.Option(help="Webhook server bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Webhook server port.")] = None,
    api: ApiOpt = None,
    telegram_api: Annotated[
        str | None,
        typer.Option(
            "--telegram-api",
            help="Bot API server base URL, e.g. a self-hosted telegram-bot-api "
            "(default: ALQABI_BOT_TELEGRAM_API or Telegram's own).",
        ),
    ] = None,
) -> None:
    """Run the Telegram bot (long polling, or a webhook server with --webhook)."""
    from aiogram.utils.token import TokenValidationError

    from bot.logsafe import setup_logging
    from bot.telegram.app import assemble, run_polling, run_webhook

    options = BotOptions.from_settings(
        get_settings(),
        api_url=api,
        telegram_api=telegram_api,
        webhook_host=host,
        webhook_port=port,
    )
    if options.token is None:
        raise fail(NO_TOKEN, 2)
    secrets = [options.token.get_secret_value()]
    if options.webhook_secret is not None:
        secrets.append(options.webhook_secret.get_secret_value())
    setup_logging(secrets=secrets)
    try:
        assembly = assemble(options)
    except TokenValidationError as exc:
        raise fail("ALQABI_BOT_TOKEN is not a valid Telegram bot token", 2) from exc
    if webhook:
        if not webhook.startswith("https://"):
            err.print("[yellow]warning:[/yellow] Telegram only posts to https:// webhooks")
        run_webhook(assembly, options, webhook)
    else:
        asyncio.run(run_polling(assembly))


def chat(api: ApiOpt = None) -> None:
    """Talk to the assistant in the terminal: the bot's dialogue without Telegram."""
    from bot.api_client import ApiClient
    from bot.dialogue import Dialogue
    from bot.logsafe import setup_logging
    from bot.terminal import Terminal

    # Warnings (e.g. "API unavailable") would clutter the conversation; the user sees a reply.
    setup_logging(logging.ERROR)
    options = BotOptions.from_settings(get_settings(), api_url=api)
    client = ApiClient(options.api_url, options.api_timeout, options.api_connect_timeout)
    Terminal(Dialogue(client, options.lang_default, options.max_question_chars)).run()


def register(app: typer.Typer) -> None:
    """Add ``bot`` and ``chat`` to the ``alqabi`` command."""
    app.command("bot")(bot)
    app.command("chat")(chat)
