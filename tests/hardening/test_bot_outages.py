"""The bot keeps running while the API or Telegram is unreachable and catches up afterwards."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlparse

import pytest
from harness import free_port, running_bot  # tests/bot, on the path by conftest

from assistant.services import Services
from bot.i18n import texts
from tests.hardening.conftest import Record, serve


@pytest.mark.slow
def test_the_bot_survives_api_and_telegram_outages(
    shared_services: Services, tmp_path: Path, figures: Record
):
    t = texts("ru")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    outages = 0

    def start_api():
        return serve(shared_services.settings, shared_services.embedder, port)

    async def scenario() -> None:
        nonlocal outages
        async with running_bot(api_url, tmp_path, api_connect_timeout=1.0) as h:
            user = h.user(4242)
            await user.say("/start")
            await user.press("Русский")
            # 1. The API is not there yet: a polite message with a retry button.
            await user.say("сколько платят присяжным")
            assert user.last_text() == t("errors.api_down")
            outages += 1
            api = await asyncio.to_thread(start_api)
            await user.press(t("buttons.retry"))
            assert user.last_text() != t("errors.api_down")
            answered = len(h.tg.sent_to(4242))

            # 2. Telegram goes away while users keep writing; the bot reconnects and answers.
            tg_port = urlparse(h.tg.url).port
            await h.tg.stop()
            outages += 1
            questions = ["кто может быть присяжным", "какой штраф за неявку", "что такое присяга"]
            pending = [await user.say(q, wait=False) for q in questions]
            await asyncio.sleep(4)  # polling fails and backs off meanwhile
            await h.tg.start(tg_port)
            for update_id in pending:
                await h.done.wait(update_id, timeout=90)
            replies = h.tg.sent_to(4242)[answered:]
            assert len(replies) >= len(questions)
            assert t("errors.api_down") not in [r["text"] for r in replies]

            # 3. The API goes away and comes back: down message, then answers again.
            await asyncio.to_thread(api.stop)
            outages += 1
            await user.say("сколько платят присяжным")
            assert user.last_text() == t("errors.api_down")
            api = await asyncio.to_thread(start_api)
            await user.say("сколько платят присяжным")
            assert user.last_text() != t("errors.api_down")
            assert "Traceback" not in " ".join(r["text"] for r in h.tg.sent_to(4242))
            await asyncio.to_thread(api.stop)

    asyncio.run(scenario())
    figures("faults", injected=outages, lost=0)
