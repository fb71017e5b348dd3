"""The real bot (assembled as ``alqabi bot`` does) polling the fake Telegram server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from tg_fake import Done, FakeTelegram, FakeUser

from bot.config import BotOptions
from bot.telegram.app import Assembly, assemble, run_polling


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ApiThread:
    """A real API server on loopback, in a thread of this process."""

    url: str
    app: FastAPI
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve_api(app: FastAPI, port: int | None = None) -> ApiThread:
    """Serve ``app`` on 127.0.0.1 (a free port by default); returns once ``/ready`` is 200."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return ApiThread(url, app, server, thread)
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("API did not become ready")


TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"


@dataclass
class Harness:
    tg: FakeTelegram
    done: Done
    assembly: Assembly

    def user(self, user_id: int, language_code: str | None = None) -> FakeUser:
        return FakeUser(self.tg, self.done, user_id, language_code=language_code)


def options(api_url: str, data_dir: Path, **overrides: Any) -> BotOptions:
    values: dict[str, Any] = {
        "token": TOKEN,
        "api_url": api_url,
        "data_dir": data_dir,
        "user_salt": "test-salt",
        "lang_default": "kk",
        "rate_messages": 100,
        "rate_window": 60.0,
        "api_timeout": 30.0,
        "api_connect_timeout": 2.0,
        "max_question_chars": 1000,
        **overrides,
    }
    return BotOptions(**values)


@contextlib.asynccontextmanager
async def running_bot(api_url: str, data_dir: Path, **overrides: Any) -> AsyncIterator[Harness]:
    tg = await FakeTelegram().start()
    assembly = assemble(options(api_url, data_dir, telegram_api=tg.url, **overrides))
    done = Done()
    assembly.dispatcher.update.outer_middleware(done)
    polling = asyncio.create_task(run_polling(assembly, handle_signals=False, polling_timeout=1))
    try:
        for _ in range(200):
            if "getUpdates" in tg.methods():
                break
            await asyncio.sleep(0.02)
        yield Harness(tg, done, assembly)
    finally:
        with contextlib.suppress(RuntimeError):
            await assembly.dispatcher.stop_polling()
        await asyncio.wait_for(polling, 15)
        await tg.stop()
