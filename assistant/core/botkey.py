"""The key the bot presents to the API's bot-only routes (``X-Alqabi-Bot``): derived from the
bot token both sides already hold, so no second secret is configured."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "x-alqabi-bot"


def bot_key(token: str) -> str:
    return hmac.new(token.encode(), b"alqabi-summons-bot", hashlib.sha256).hexdigest()
