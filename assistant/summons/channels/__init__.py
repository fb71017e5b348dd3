"""Notice channels behind one protocol, and the factory that builds the configured ones."""

from __future__ import annotations

from assistant.core.config import Settings
from assistant.summons.channels.base import (
    Channel,
    ChannelDead,
    Contact,
    Outgoing,
    RetryLater,
    SendFailed,
)

__all__ = [
    "Channel",
    "ChannelDead",
    "Contact",
    "Outgoing",
    "RetryLater",
    "SendFailed",
    "make_channels",
]


def make_channels(settings: Settings) -> list[Channel]:
    """The channels of ``summons.channels`` that are configured, in that order."""
    s = settings.summons
    made: list[Channel] = []
    for name in s.channels:
        if name == "telegram" and settings.bot.token is not None:
            from assistant.summons.channels.telegram import TelegramChannel

            made.append(
                TelegramChannel.from_token(
                    settings.bot.token.get_secret_value(), settings.bot.telegram_api
                )
            )
        elif name == "sms" and s.sms_url:
            from assistant.summons.channels.sms import SmsChannel

            token = s.sms_token.get_secret_value() if s.sms_token else None
            made.append(SmsChannel(s.sms_url, token, s.sms_sender, s.send_timeout))
        elif name == "email" and s.smtp_host:
            from assistant.summons.channels.email import EmailChannel

            password = s.smtp_password.get_secret_value() if s.smtp_password else None
            made.append(
                EmailChannel(
                    s.smtp_host,
                    s.smtp_port,
                    s.mail_from,
                    starttls=s.smtp_starttls,
                    username=s.smtp_user,
                    password=password,
                    timeout=s.send_timeout,
                )
            )
    return made
