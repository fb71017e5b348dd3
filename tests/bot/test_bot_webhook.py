"""Webhook mode: the aiohttp server checks Telegram's secret header and hands updates to the
same dispatcher."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from harness import free_port, options
from tg_fake import FakeTelegram

from bot.i18n import texts
from bot.telegram.app import assemble, webhook_app

SECRET = "s3cret-Token_for-tests"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def test_webhook_checks_the_secret_and_answers(tmp_path: Path):
    async def scenario() -> None:
        tg = await FakeTelegram().start()
        api_down = f"http://127.0.0.1:{free_port()}"
        assembly = assemble(options(api_down, tmp_path, telegram_api=tg.url))
        # The public URL is only registered with (fake) Telegram, never contacted.
        app = webhook_app(assembly, "https://bot.example.org/tg/hook", SECRET)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            hook = next(c for c in tg.calls if c.method == "setWebhook")
            assert hook.params["url"] == "https://bot.example.org/tg/hook"
            assert hook.params["secret_token"] == SECRET
            user = {"id": 77, "is_bot": False, "first_name": "Dana", "language_code": "ru"}
            update = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "chat": {"id": 77, "type": "private"},
                    "from": user,
                    "text": "/help",
                },
            }
            url = f"http://127.0.0.1:{port}/tg/hook"
            async with aiohttp.ClientSession() as http:
                async with http.post(url, json=update, headers={HEADER: "wrong"}) as response:
                    assert response.status == 401
                async with http.post(url, json=update, headers={HEADER: SECRET}) as response:
                    assert response.status == 200
            for _ in range(100):
                if tg.sent_to(77):
                    break
                await asyncio.sleep(0.05)
            assert texts("ru")("help.text") in tg.sent_to(77)[-1]["text"]
        finally:
            await runner.cleanup()
            await tg.stop()

    asyncio.run(scenario())
