"""``alqabi chat`` driven through a pseudo-terminal against the real API."""

from __future__ import annotations

import codecs
import os
import pty
import re
import select
import signal
import socket
import sys
import time
from pathlib import Path

from harness import free_port

from bot.i18n import texts

ALQABI = Path(sys.executable).with_name("alqabi")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


class Terminal:
    """A process on a pty with an expect-style reader."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        pid, fd = pty.fork()
        if pid == 0:
            os.execve(argv[0], argv, env)
        self.pid, self.fd = pid, fd
        self.status: int | None = None
        self.screen = ""
        self._seen = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the child has exited and the pty is closed
            return False
        self.screen += ANSI.sub("", self._decoder.decode(data))
        return bool(data)

    def expect(self, text: str, timeout: float = 60) -> str:
        """Wait for ``text`` after what was already matched; returns the output up to it."""
        deadline = time.monotonic() + timeout
        while (at := self.screen.find(text, self._seen)) < 0:
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 1.0)) and self.exited()):
                raise AssertionError(f"{text!r} not seen; screen tail:\n{self.screen[-1500:]}")
        out = self.screen[self._seen : at + len(text)]
        self._seen = at + len(text)
        return out

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def wait(self, timeout: float = 20) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.1)
            if self.exited() and self.status is not None:
                os.close(self.fd)
                return self.status
        self.kill()
        raise AssertionError("alqabi chat did not exit")

    def kill(self) -> None:
        if not self.exited():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


def test_chat_in_a_terminal(api_server, tmp_path: Path):
    t = texts("ru")
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "COLUMNS": "200",
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "ALQABI_BOT_TOKEN": "",
    }
    term = Terminal([str(ALQABI), "chat", "--api", api_server.url], env)
    try:
        term.expect("Выберите язык")
        term.expect("1) Қазақша   2) Русский")
        term.send("2")
        menu = term.expect("12) 🌐 Тіл / Язык")
        assert t("lang.set") in menu
        assert f"5) {t('topics.pay-guarantees')}" in menu

        term.send("5")
        topic = term.expect(t("buttons.menu"))
        assert "вознаграждение" in topic
        assert "ст. 16 Закона о присяжных заседателях" in topic

        term.send("сколько платят присяжным")
        answer = term.expect("2) 👎")
        assert "оклад" in answer
        term.send("1")
        term.expect(t("vote.up"))

        term.send("99")  # not a choice: the hint again, not a question for the API
        term.expect(t("terminal.choose"))

        term.send("/quiz")
        term.expect(t("quiz.questions.citizen"))
        for choice, next_text in [
            ("1", t("quiz.questions.age")),
            ("1", t("quiz.reasons.under_25")),
        ]:
            term.send(choice)
            term.expect(next_text)
        verdict = term.expect(t("buttons.menu"))
        assert "⛔" in term.screen
        assert "ст. 10 Закона о присяжных заседателях" in verdict
        term.send("1")  # ⬅️ Back: the age question again
        term.expect(t("quiz.questions.age"))

        term.send("/quit")
        term.expect(t("terminal.bye"))
        assert term.wait() == 0
    finally:
        term.kill()


def kazakh_chat_asking(url: str) -> Terminal:
    """`alqabi chat` against ``url``, Kazakh chosen and one question sent."""
    env = {**os.environ, "NO_COLOR": "1", "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
    term = Terminal([str(ALQABI), "chat", "--api", url], env)
    term.expect("1) Қазақша   2) Русский")
    term.send("1")
    term.expect("> ")
    term.send("алкаби деген кim")
    return term


def test_ctrl_c_ends_the_chat_politely():
    term = kazakh_chat_asking(f"http://127.0.0.1:{free_port()}")
    try:
        term.expect(texts("kk")("errors.api_down"))
        os.write(term.fd, b"\x03")
        term.expect(texts("kk")("terminal.bye"))
        assert term.wait() == 0
        assert "Traceback" not in term.screen
        assert "API unavailable" not in term.screen  # log lines stay out of the chat
    finally:
        term.kill()


def test_ctrl_c_while_waiting_for_the_api_ends_the_chat_politely():
    """Ctrl-C during a question the API is slow to answer (a server that accepts the connection
    and never replies) ends the chat at once, as at the prompt."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        term = kazakh_chat_asking(f"http://127.0.0.1:{silent.getsockname()[1]}")
        try:
            silent.settimeout(60)
            request, _ = silent.accept()  # the request is in flight; no reply comes
            with request:
                time.sleep(0.5)
                os.write(term.fd, b"\x03")
                term.expect(texts("kk")("terminal.bye"), timeout=30)
                assert term.wait() == 0
            assert "Traceback" not in term.screen
            assert texts("kk")("errors.api_down") not in term.screen
        finally:
            term.kill()
