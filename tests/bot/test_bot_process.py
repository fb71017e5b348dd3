"""``alqabi bot`` as a real process: polls the fake Telegram, answers, stops on SIGTERM, and
never prints its token."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import TOKEN, free_port
from tg_fake import FakeTelegram

from bot.i18n import texts

ALQABI = Path(sys.executable).with_name("alqabi")


@pytest.fixture
def fake_telegram() -> Iterator[tuple[FakeTelegram, asyncio.AbstractEventLoop]]:
    """The fake server on its own event loop in a thread, so a child process can reach it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    tg = asyncio.run_coroutine_threadsafe(FakeTelegram().start(), loop).result(10)
    yield tg, loop
    asyncio.run_coroutine_threadsafe(tg.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_bot_polls_answers_and_stops_on_sigterm(fake_telegram, tmp_path: Path):
    tg, loop = fake_telegram
    env = {
        **os.environ,
        "ALQABI_BOT_TOKEN": TOKEN,
        "ALQABI_BOT_TELEGRAM_API": tg.url,
        "ALQABI_BOT_API_URL": f"http://127.0.0.1:{free_port()}",
        "ALQABI_BOT_DATA_DIR": str(tmp_path / "bot"),
    }
    env.pop("ALQABI_BOT_USER_SALT", None)
    bot = subprocess.Popen(
        [str(ALQABI), "bot"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: "getUpdates" in tg.methods() or bot.poll() is not None)
        assert bot.poll() is None, bot.communicate()
        user = {"id": 88, "is_bot": False, "first_name": "Erlan", "language_code": "kk"}
        message = {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": 88, "type": "private"},
            "from": user,
            "text": "алкаби деген не",
        }
        asyncio.run_coroutine_threadsafe(tg.push({"message": message}), loop).result(10)
        wait_for(lambda: bool(tg.sent_to(88)))
        assert tg.sent_to(88)[-1]["text"] == texts("kk")("errors.api_down")
        bot.send_signal(signal.SIGTERM)
        out, err = bot.communicate(timeout=30)
    finally:
        if bot.poll() is None:
            bot.kill()
    assert bot.returncode == 0, err
    assert "Polling stopped" in err
    assert TOKEN not in out + err
    assert TOKEN.split(":")[1] not in out + err
    # The salt for hashed user ids was generated once and kept private.
    salt = tmp_path / "bot" / "salt"
    assert salt.stat().st_mode & 0o077 == 0
