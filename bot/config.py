"""Bot options: token and API address from the root settings, the rest from ``ALQABI_BOT_*``.

The extra options share the ``bot`` environment section (``ALQABI_BOT_RATE_MESSAGES`` and so
on), so they can move into ``assistant.core.config.BotSettings`` unchanged.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.core.config import Settings


class BotOptions(BaseSettings):
    """Everything the bot and ``alqabi chat`` need to run."""

    model_config = SettingsConfigDict(env_prefix="ALQABI_BOT_", env_file=".env", extra="ignore")

    token: SecretStr | None = None
    api_url: str = "http://127.0.0.1:8000"
    # Another Bot API server (a self-hosted telegram-bot-api); None means Telegram's own.
    telegram_api: str | None = None
    lang_default: Literal["kk", "ru"] = "kk"
    # Salt for the hashed user ids sent to /v1/feedback; generated once into data_dir if unset.
    user_salt: SecretStr | None = None
    # Language choices (SQLite) and the generated salt live here.
    data_dir: Path = Path("var/bot")
    api_timeout: float = Field(default=20.0, gt=0)
    api_connect_timeout: float = Field(default=3.0, gt=0)
    # Token bucket per user: at most rate_messages updates per rate_window seconds.
    rate_messages: int = Field(default=12, ge=1)
    rate_window: float = Field(default=30.0, gt=0)
    # Longer questions get a "please shorten" reply instead of an API call.
    max_question_chars: int = Field(default=1000, ge=10)
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8081

    @field_validator("token", "user_salt", "webhook_secret")
    @classmethod
    def _blank_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty variable (ALQABI_BOT_TOKEN=) means "not set", not an empty secret.
        return value if value is not None and value.get_secret_value().strip() else None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> BotOptions:
        """Options with token, API URL and default language taken from the root settings."""
        base = {
            "token": settings.bot.token,
            "api_url": settings.bot.api_url,
            "lang_default": settings.lang_default,
        }
        return cls(**{**base, **{k: v for k, v in overrides.items() if v is not None}})

    def salt(self) -> str:
        """The configured salt, or one generated and kept in ``data_dir/salt``."""
        if self.user_salt is not None:
            return self.user_salt.get_secret_value()
        path = self.data_dir / "salt"
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_hex(32)
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)
        return value
