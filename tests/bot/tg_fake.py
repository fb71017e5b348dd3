"""A fake Telegram Bot API on 127.0.0.1 for end-to-end tests of the real aiogram bot.

It serves the methods the bot calls, hands out scripted user updates through long-polling
``getUpdates``, checks every HTML text the way Telegram would (tags, escaping, length),
and records each call and a user-visible timeline for transcripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiogram import BaseMiddleware
from aiohttp import web

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "Alqabi", "username": "alqabi_test_bot"}
TELEGRAM_LIMIT = 4096
# Tags Telegram's HTML parse mode accepts.
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                "blockquote", "tg-spoiler", "span", "tg-emoji"}  # fmt: skip
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "scope", "link_preview_options"}


class EntityError(ValueError):
    """Text that Telegram would refuse with "can't parse entities"."""


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f"unsupported start tag {tag!r}")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(f"unexpected end tag {tag!r}")
        self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            raise EntityError(f"unsupported entity &{name};")


def check_html(text: str) -> str:
    """The visible text of a Telegram HTML message; EntityError when Telegram would refuse it."""
    if re.search(r"<(?![a-z/])", text) or re.search(r"&(?!(lt|gt|amp|quot|#\d+);)", text):
        raise EntityError("unescaped < or &")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise EntityError(f"unclosed tags {checker.stack}")
    visible = html.unescape(re.sub(r"<[^>]+>", "", text))
    if not visible.strip():
        raise EntityError("message text is empty")
    if len(visible) > TELEGRAM_LIMIT:
        raise EntityError("message is too long")
    return visible


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Event:
    """One thing a user would see or do, in order."""

    who: str  # "user" or "bot"
    kind: str  # text, press, send, edit, rekey, notice
    text: str = ""
    buttons: list[list[str]] = field(default_factory=list)
    chat_id: int = 0


def _labels(markup: dict | None) -> list[list[str]]:
    if not markup:
        return []
    return [[b["text"] for b in row] for row in markup.get("inline_keyboard", [])]


class FakeTelegram:
    """The server. ``url`` is what ``TelegramAPIServer.from_base`` gets."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.timeline: list[Event] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""
        # chat id -> errors the next sendMessage calls to it get: (code, description, retry_after)
        self.send_failures: dict[int, list[tuple[int, str, int | None]]] = {}

    async def start(self, port: int = 0) -> FakeTelegram:
        """Serve on ``port`` (any free one by default; the same one again after ``stop``)."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what the bot calls ---------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params))
        handler = getattr(self, f"_m_{method}", None)
        failures = self.send_failures.get(int(params.get("chat_id") or 0))
        if method == "sendMessage" and failures:
            code, description, retry_after = failures.pop(0)
            extra = {"parameters": {"retry_after": retry_after}} if retry_after else {}
            # With the HTTP status Telegram uses, which aiogram maps to its exceptions.
            return _error(code, description, status=code, **extra)
        if handler is None:
            return _error(404, f"Not Found: method {method} is not faked")
        try:
            result = await handler(params)
        except EntityError as exc:
            return _error(400, f"Bad Request: can't parse entities: {exc}")
        except LookupError as exc:
            return _error(400, f"Bad Request: {exc}")
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, params: dict) -> dict:
        return BOT_USER

    async def _m_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 5.0)
        async with self._changed:
            # Updates below the offset are confirmed: Telegram forgets them.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout)
            return list(self._updates)

    async def _m_sendMessage(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        text = params["text"]
        visible = check_html(text) if params.get("parse_mode") == "HTML" else text
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            "text": visible,
            "html": text,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        self.timeline.append(
            Event("bot", "send", text, _labels(params.get("reply_markup")), chat_id)
        )
        return {k: v for k, v in message.items() if k != "html"}

    async def _m_editMessageText(self, params: dict) -> dict:
        message = self._message(params)
        text = params["text"]
        message["text"] = check_html(text) if params.get("parse_mode") == "HTML" else text
        message["html"] = text
        message["reply_markup"] = params.get("reply_markup") or None
        chat_id = message["chat"]["id"]
        self.timeline.append(
            Event("bot", "edit", text, _labels(params.get("reply_markup")), chat_id)
        )
        return {k: v for k, v in message.items() if k != "html" and v is not None}

    async def _m_editMessageReplyMarkup(self, params: dict) -> dict:
        message = self._message(params)
        message["reply_markup"] = params.get("reply_markup") or None
        chat_id = message["chat"]["id"]
        self.timeline.append(
            Event("bot", "rekey", "", _labels(params.get("reply_markup")), chat_id)
        )
        return {k: v for k, v in message.items() if k != "html" and v is not None}

    async def _m_answerCallbackQuery(self, params: dict) -> bool:
        if params.get("text"):
            chat_id = int(params["callback_query_id"].split("-")[0])
            self.timeline.append(Event("bot", "notice", params["text"], chat_id=chat_id))
        return True

    async def _m_sendChatAction(self, params: dict) -> bool:
        return True

    async def _m_setMyCommands(self, params: dict) -> bool:
        return True

    async def _m_deleteWebhook(self, params: dict) -> bool:
        return True

    async def _m_setWebhook(self, params: dict) -> bool:
        return True

    async def _m_close(self, params: dict) -> bool:
        return True

    def _message(self, params: dict) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise LookupError("message to edit not found")
        return self.messages[key]

    # -- what the test does -----------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its id."""
        update_id = next(self._ids)
        async with self._changed:
            self._updates.append({"update_id": update_id, **update})
            self._changed.notify_all()
        return update_id

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat, oldest first, as they are now (after edits)."""
        return [m for (c, _), m in sorted(self.messages.items()) if c == chat_id]

    def methods(self) -> list[str]:
        return [c.method for c in self.calls]


def _error(code: int, description: str, status: int = 200, **extra: Any) -> web.Response:
    body = {"ok": False, "error_code": code, "description": description, **extra}
    return web.json_response(body, status=status)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
    else:
        data = dict(await request.post())
    for key in JSON_FIELDS & data.keys():
        if isinstance(data[key], str):
            data[key] = json.loads(data[key])
    return data


class Done(BaseMiddleware):
    """Update-level middleware of the dispatcher under test: tells when an update is handled."""

    def __init__(self) -> None:
        self.finished: set[int] = set()
        self._changed = asyncio.Condition()

    async def __call__(
        self,
        handler: Callable[[Any, dict[str, Any]], Awaitable[Any]],
        event: Any,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            async with self._changed:
                self.finished.add(event.update_id)
                self._changed.notify_all()

    async def wait(self, update_id: int, timeout: float = 30) -> None:
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: update_id in self.finished), timeout
            )


@dataclass
class FakeUser:
    """A Telegram user talking to the bot through the fake server."""

    tg: FakeTelegram
    done: Done
    id: int
    first_name: str = "Aigerim"
    language_code: str | None = None
    _callbacks: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> dict[str, Any]:
        chat = {"id": self.id, "type": "private", "first_name": self.first_name}
        return {
            "message_id": next(self._callbacks) + 10_000,
            "date": int(time.time()),
            "chat": chat,
            "from": self.user,
            **content,
        }

    async def _send(self, update: dict[str, Any], wait: bool) -> int:
        update_id = await self.tg.push(update)
        if wait:
            await self.done.wait(update_id)
        return update_id

    async def say(self, text: str, wait: bool = True) -> int:
        """Send a text message (a command if it starts with /)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.tg.timeline.append(Event("user", "text", text, chat_id=self.id))
        return await self._send({"message": self._message(**content)}, wait)

    async def send_other(self, kind: str, wait: bool = True) -> int:
        """Send a sticker, photo or voice message."""
        file = {"file_id": f"{kind}-file", "file_unique_id": f"{kind}-unique"}
        content = {
            "sticker": {"sticker": {**file, "type": "regular", "width": 512, "height": 512,
                                    "is_animated": False, "is_video": False}},
            "photo": {"photo": [{**file, "width": 90, "height": 90}]},
            "voice": {"voice": {**file, "duration": 3}},
        }[kind]  # fmt: skip
        self.tg.timeline.append(Event("user", "text", f"[{kind}]", chat_id=self.id))
        return await self._send({"message": self._message(**content)}, wait)

    def find_button(self, label: str) -> tuple[dict[str, Any], str]:
        """The newest bot message in this chat with a button ``label``, and its callback data."""
        for message in reversed(self.tg.sent_to(self.id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return message, button["callback_data"]
        raise AssertionError(f"no button {label!r}; last: {self.last_text()[:200]!r}")

    async def press(self, label: str, wait: bool = True) -> int:
        """Tap an inline button of the newest message that has it."""
        message, data = self.find_button(label)
        self.tg.timeline.append(Event("user", "press", label, chat_id=self.id))
        query = {
            "id": f"{self.id}-{next(self._callbacks)}",
            "from": self.user,
            "chat_instance": f"ci-{self.id}",
            "data": data,
            "message": {k: v for k, v in message.items() if k != "html" and v is not None},
        }
        return await self._send({"callback_query": query}, wait)

    def last(self) -> dict[str, Any]:
        return self.tg.sent_to(self.id)[-1]

    def last_text(self) -> str:
        messages = self.tg.sent_to(self.id)
        return messages[-1]["text"] if messages else ""

    def buttons(self) -> list[str]:
        """Labels of the newest message's buttons."""
        markup = self.last().get("reply_markup") or {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    def notices(self) -> list[str]:
        return [e.text for e in self.tg.timeline if e.chat_id == self.id and e.kind == "notice"]


def transcript(tg: FakeTelegram, chat_id: int, title: str) -> str:
    """The chat as the user saw it, in Markdown."""

    def md(text: str) -> str:
        text = re.sub(r"</?(b|strong)>", "**", text)
        text = re.sub(r"</?(i|em)>", "_", text)
        return html.unescape(re.sub(r"<[^>]+>", "", text))

    def keys(rows: list[list[str]]) -> list[str]:
        return ["> " + "  ".join(f"`[{label}]`" for label in row) for row in rows]

    out = [f"# {title}", ""]
    for event in (e for e in tg.timeline if e.chat_id == chat_id):
        if event.who == "user":
            action = f"taps `[{event.text}]`" if event.kind == "press" else event.text
            out += [f"**👤 User:** {action}", ""]
        elif event.kind == "notice":
            out += [f"_🤖 (pop-up)_ {event.text}", ""]
        elif event.kind == "rekey":
            out += ["_🤖 (buttons of that message now)_", *keys(event.buttons), ""]
        else:
            head = "**🤖 Bot:**" if event.kind == "send" else "**🤖 Bot (edits its message):**"
            body = md(event.text).splitlines()
            out += [head, *[f"> {line}" if line else ">" for line in body]]
            if event.buttons:
                out += [">", *keys(event.buttons)]
            out.append("")
    return "\n".join(out)
