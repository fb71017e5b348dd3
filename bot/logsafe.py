"""Logging that never shows the bot token or a citizen's IIN, phone number or e-mail."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram bot tokens look like 123456789:AA... (35 URL-safe characters after the colon).
    (re.compile(r"\b\d{5,12}:[\w-]{30,}"), "[token]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # IIN: exactly 12 digits.
    (re.compile(r"(?<!\d)\d{12}(?!\d)"), "[iin]"),
    # Kazakhstan numbers: +7 / 8, then 7xx (mobile) or a city code, with optional separators.
    (
        re.compile(r"(?<![\w+])(?:\+7|8)[\s-]?\(?7\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"),
        "[phone]",
    ),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """The text with secrets, tokens, IINs, phone numbers and e-mails masked."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[secret]")
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks what ``redact`` masks in a record's message and traceback.

    Attach it to handlers (not loggers): handler filters also see records that propagate
    from library loggers such as aiogram's and httpx's.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


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
