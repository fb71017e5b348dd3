"""``alqabi chat``: the same dialogue in a terminal, buttons shown as numbered choices."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
import secrets
import signal
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

from rich.console import Console
from rich.markup import escape as rich_escape

from bot.dialogue import Button, Chat, Dialogue, Outcome, Reply
from bot.memory import LocalMemory

log = logging.getLogger(__name__)
QUIT = frozenset({"/quit", "/exit", "/q"})
_TAG = re.compile(r"<(/?)(b|i)>")
_STYLES = {"b": "bold", "i": "italic"}


def to_rich(text: str) -> str:
    """Telegram HTML (``<b>``, ``<i>``, entities) as rich markup."""
    out: list[str] = []
    at = 0
    for m in _TAG.finditer(text):
        out.append(rich_escape(html.unescape(text[at : m.start()])))
        out.append(f"[{m.group(1)}{_STYLES[m.group(2)]}]")
        at = m.end()
    out.append(rich_escape(html.unescape(_TAG.sub("", text[at:]))))
    return "".join(out)


class Terminal:
    """Prints replies, numbers the latest buttons and turns input into dialogue events."""

    def __init__(self, dialogue: Dialogue, console: Console | None = None) -> None:
        self.dialogue = dialogue
        self.console = console or Console(highlight=False)
        # A fresh anonymous user per run: the terminal keeps nothing between runs.
        user = secrets.token_hex(16)
        self.chat = Chat(user=user, session_id=f"cli-{user[:24]}", memory=LocalMemory())
        self.choices: list[Button] = []

    def show(self, outcome: Outcome) -> None:
        """Print an outcome; its last buttons become the numbered choices."""
        for reply in outcome.replies:
            self.console.print()
            self.console.print(to_rich(reply.text))
            if reply.buttons:
                self._offer([b for row in reply.buttons for b in row], reply.buttons)
        if outcome.notice:
            self.console.print(f"[dim]» {rich_escape(outcome.notice)}[/dim]")
        if outcome.rekey is not None:
            self._offer([b for row in outcome.rekey for b in row], outcome.rekey)

    def _offer(self, choices: list[Button], rows: list[list[Button]]) -> None:
        self.choices = choices
        n = 0
        for row in rows:
            cells = []
            for button in row:
                n += 1
                cells.append(f"[bold cyan]{n})[/bold cyan] {rich_escape(button.label)}")
            self.console.print("   ".join(cells))

    def step(self, line: str) -> Coroutine[Any, Any, Outcome] | None:
        """The dialogue call for one input line; None for an empty line or a number that is
        not one of the choices."""
        line = line.strip()
        if not line:
            return None
        if line.isdigit():
            if not 1 <= int(line) <= len(self.choices):
                return None
            return self.dialogue.press(self.chat, self.choices[int(line) - 1].action)
        if line.startswith("/"):
            name = line[1:].split(maxsplit=1)[0].lower() if len(line) > 1 else ""
            return self.dialogue.command(self.chat, name)
        return self.dialogue.message(self.chat, line)

    def _turn(self, runner: asyncio.Runner, call: Coroutine[Any, Any, Outcome]) -> Outcome:
        # As in Telegram: a failed turn is a polite message, and the chat goes on.
        try:
            return runner.run(call)
        except Exception as exc:
            log.error("turn failed: %r", exc)
            return Outcome(
                replies=[Reply(text=runner.run(self.dialogue.notice(self.chat, "errors.internal")))]
            )

    def _hint(self, runner: asyncio.Runner) -> None:
        hint = runner.run(self.dialogue.notice(self.chat, "terminal.choose"))
        self.console.print(f"[dim]{rich_escape(hint)}[/dim]")

    def run(self) -> None:
        """The read–reply loop until /quit, end of input or Ctrl-C."""
        with _ctrl_c_interrupts(), asyncio.Runner() as runner:
            try:
                self.show(runner.run(self.dialogue.start(self.chat)))
                self._hint(runner)
                while True:
                    line = input("> ")
                    if line.strip().lower() in QUIT:
                        break
                    call = self.step(line)
                    if call is None:
                        self._hint(runner)
                    else:
                        self.show(self._turn(runner, call))
            except (EOFError, KeyboardInterrupt):
                self.console.print()
            finally:
                bye = runner.run(self.dialogue.notice(self.chat, "terminal.bye"))
                self.console.print(bye)
                runner.run(self.dialogue.api.aclose())


@contextlib.contextmanager
def _ctrl_c_interrupts() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt wherever the chat is. asyncio.Runner's own handler only
    cancels the running turn, and a Ctrl-C that lands as a turn finishes was lost: the chat
    went on (seen in CI). A handler of ours keeps the Runner from installing its own."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
