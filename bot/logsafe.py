"""Logging that never shows the bot token or a citizen's IIN, phone number or e-mail."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import partial

from assistant.core.pii import MaskingFilter, mask_personal

# Telegram bot tokens look like 123456789:AA... (35 URL-safe characters after the colon).
_TOKEN = re.compile(r"\b\d{5,12}:[\w-]{30,}")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """The text with secrets, tokens and personal data (``assistant.core.pii``) masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[secret]")
    return mask_personal(_TOKEN.sub("[token]", text))


class RedactingFilter(MaskingFilter):
    """Masks what ``redact`` masks in a record's message, arguments and traceback.

    Attach it to handlers (not loggers): handler filters also see records that propagate
    from library loggers such as aiogram's and httpx's.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = tuple(s for s in secrets if s)
        super().__init__(partial(redact, secrets=self.secrets))


def setup_logging(level: int = logging.INFO, secrets: Iterable[str] = ()) -> None:
    """Root logging to stderr through the redacting filter."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO; the bot's URLs carry the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
