"""Bot options: the root settings' ``bot`` section (``ALQABI_BOT_*``) and default language."""

from __future__ import annotations

import secrets
from typing import Literal

from assistant.core.config import BotSettings, Settings


class BotOptions(BotSettings):
    """Everything the bot and ``alqabi chat`` need to run: the ``bot`` settings section plus
    the service-wide default language."""

    lang_default: Literal["kk", "ru"] = "kk"

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> BotOptions:
        """Options with token, API URL and default language taken from the root settings."""
        base = {**settings.bot.model_dump(), "lang_default": settings.lang_default}
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
