"""The conversation, independent of transport: events in, replies with buttons out.

Telegram handlers (``bot.telegram``) and the terminal twin (``bot.terminal``) both drive this
class; neither holds dialogue logic of its own. Button actions are short strings (Telegram
allows 64 bytes of callback data):

``l:<lang>`` language · ``m`` menu · ``L`` language picker · ``t:<topic>`` topic ·
``f`` "what is forbidden" · ``a`` how to ask · ``q`` start the check · ``qa:<q>:<o>`` answer ·
``qb`` back · ``qc`` cancel · ``v:<up|down>:<ref>`` vote · ``r:<ref>`` ask again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal, cast

from pydantic import BaseModel, Field

from bot import quiz, render
from bot.api_client import ApiClient, ApiError, ApiRateLimited, ApiUnavailable
from bot.i18n import LANGS, Texts, texts
from bot.memory import ChatMemory, Exchange, Exchanges
from bot.schemas import Lang

log = logging.getLogger(__name__)

# Main menu: guidance topics in the order a citizen needs them; FORBIDDEN asks the API.
FORBIDDEN = "forbidden"
MENU: tuple[str, ...] = (
    "jury-trial",
    "eligibility",
    "selection-lists",
    "notification",
    "pay-guarantees",
    "rights-duties",
    FORBIDDEN,
    "fines",
    "verdict",
    "contacts",
)
# Where the eligibility check is the natural next step.
QUIZ_AFTER = frozenset({"eligibility", "notification", "court-selection", "selection-lists"})
COMMANDS: tuple[str, ...] = ("start", "menu", "quiz", "lang", "help")
Vote = Literal["up", "down"]
# The API refuses longer feedback texts.
MAX_FEEDBACK_ANSWER = 8000


class Button(BaseModel, frozen=True):
    """An inline button: what it says and the action it sends back."""

    label: str
    action: str = Field(max_length=64)


Keyboard = list[list[Button]]


class Reply(BaseModel):
    """One bot message in Telegram HTML, with rows of buttons."""

    text: str
    buttons: Keyboard = Field(default_factory=list)
    # For a button press: replace the message the button was on instead of sending a new one.
    replace: bool = False


class Outcome(BaseModel):
    """Everything one event produces."""

    replies: list[Reply] = Field(default_factory=list)
    # A short notice for a button press (Telegram shows it as a toast).
    notice: str | None = None
    # New buttons for the pressed message (e.g. after a vote), if they change.
    rekey: Keyboard | None = None


@dataclass(frozen=True)
class Chat:
    """Who is talking: a salted user hash, the API session id and the chat's memory."""

    user: str
    session_id: str
    memory: ChatMemory
    # The platform's guess at the language, used until the user picks one.
    hint: Lang | None = None


@dataclass
class Dialogue:
    """The bot's behaviour: menus, topics, questions, votes and the eligibility check."""

    api: ApiClient
    lang_default: Lang = "kk"
    max_question_chars: int = 1000
    exchanges: Exchanges = field(default_factory=Exchanges)

    # -- entry points -------------------------------------------------------------------

    async def start(self, chat: Chat) -> Outcome:
        """Greeting in both languages and the language choice."""
        await chat.memory.set_quiz(None)
        text = "\n\n".join(texts(lang)("start.greeting") for lang in LANGS)
        choose = " / ".join(texts(lang)("start.choose_lang") for lang in LANGS)
        return _one(f"{text}\n\n<b>{choose}</b>", _lang_buttons())

    async def command(self, chat: Chat, name: str) -> Outcome:
        """A slash command (without the slash or a @bot suffix)."""
        if name == "start":
            return await self.start(chat)
        t = await self._texts(chat)
        if name == "menu":
            return _one(t("menu.title"), self._menu(t))
        if name == "quiz":
            return await self._quiz_start(chat, t)
        if name == "lang":
            return _one(t("lang.choose"), _lang_buttons())
        if name == "help":
            return _one(f"{t('help.title')}\n{t('help.text')}\n\n{_command_list(t)}", _home(t))
        return _one(f"{t('errors.unknown_command')}\n{_command_list(t)}", _home(t))

    async def message(self, chat: Chat, text: str) -> Outcome:
        """Free text: a question for the API."""
        t = await self._texts(chat)
        question = text.strip()
        if not question:
            return _one(t("errors.empty"), _home(t))
        if len(question) > self.max_question_chars:
            size, limit = len(question), self.max_question_chars
            return _one(t("errors.too_long", size=size, limit=limit), _home(t))
        return await self._ask(chat, question)

    async def press(self, chat: Chat, action: str) -> Outcome:
        """A button press."""
        t = await self._texts(chat)
        name, _, arg = action.partition(":")
        match name:
            case "l" if arg in LANGS:
                return await self._choose_lang(chat, cast(Lang, arg))
            case "L":
                return _one(t("lang.choose"), _lang_buttons())
            case "m":
                return _one(t("menu.title"), self._menu(t))
            case "t" if arg:
                return await self._topic(t, arg)
            case "f":
                return await self._ask(chat, t("forbidden.question"))
            case "a":
                return _one(t("ask.prompt"), _home(t))
            case "q":
                return await self._quiz_start(chat, t)
            case "qa":
                qid, _, oid = arg.partition(":")
                return await self._quiz_answer(chat, t, qid, oid)
            case "qb":
                return await self._quiz_back(chat, t)
            case "qc":
                await chat.memory.set_quiz(None)
                text = f"{t('quiz.cancelled')}\n\n{t('menu.title')}"
                return _one(text, self._menu(t), replace=True)
            case "v":
                vote, _, ref = arg.partition(":")
                if vote in ("up", "down"):
                    return await self._vote(chat, t, cast(Vote, vote), ref)
            case "r":
                exchange = self.exchanges.get(arg, chat.user)
                if exchange is not None:
                    return await self._ask(chat, exchange.question)
        return Outcome(notice=t("errors.stale_button"))

    async def unsupported(self, chat: Chat) -> Outcome:
        """A sticker, photo, voice message or anything else that is not text."""
        t = await self._texts(chat)
        return _one(t("errors.unsupported"), _home(t))

    async def notice(self, chat: Chat, key: str) -> str:
        """A plain localised text (e.g. ``errors.slow_down``) for the chat's language."""
        return (await self._texts(chat))(key)

    # -- steps --------------------------------------------------------------------------

    async def _texts(self, chat: Chat) -> Texts:
        return texts(await chat.memory.lang() or chat.hint or self.lang_default)

    def _menu(self, t: Texts) -> Keyboard:
        rows = [
            [Button(label=t("forbidden.label"), action="f")]
            if item == FORBIDDEN
            else [Button(label=t(f"topics.{item}"), action=f"t:{item}")]
            for item in MENU
        ]
        rows.append([Button(label=t("buttons.quiz"), action="q")])
        rows.append([Button(label=t("buttons.lang"), action="L")])
        return rows

    async def _choose_lang(self, chat: Chat, lang: Lang) -> Outcome:
        await chat.memory.set_lang(lang)
        t = texts(lang)
        return _one(f"{t('lang.set')}\n\n{t('menu.title')}", self._menu(t), replace=True)

    async def _topic(self, t: Texts, slug: str) -> Outcome:
        try:
            detail = await self.api.topic(slug, t.lang)
        except ApiUnavailable as exc:
            return _unavailable(t, exc, Button(label=t("buttons.retry"), action=f"t:{slug}"))
        except ApiError as exc:
            log.info("topic %s: %s", slug, exc)
            return _one(t("errors.not_found"), _home(t))
        rows: Keyboard = []
        for ref in detail.next:
            label = t(f"topics.{ref.topic}") if t.has(f"topics.{ref.topic}") else ref.title
            rows.append([Button(label=label, action=f"t:{ref.topic}")])
        if slug in QUIZ_AFTER:
            rows.insert(0, [Button(label=t("buttons.quiz"), action="q")])
        rows.append(
            [
                Button(label=t("buttons.ask"), action="a"),
                Button(label=t("buttons.menu"), action="m"),
            ]
        )
        return _one(render.topic(t, detail), rows)

    async def _ask(self, chat: Chat, question: str) -> Outcome:
        chosen = await chat.memory.lang()
        t = texts(chosen or chat.hint or self.lang_default)
        try:
            response = await self.api.ask(question, chosen, chat.session_id)
        except ApiUnavailable as exc:
            ref = self.exchanges.add(Exchange(chat.user, question, t.lang))
            return _unavailable(t, exc, Button(label=t("buttons.retry"), action=f"r:{ref}"))
        except ApiError as exc:
            log.info("ask: %s", exc)
            return _one(t("errors.bad_question"), _home(t))
        if chosen is None and response.lang in LANGS:
            # The user has not picked a language: follow the one the API answered in.
            t = texts(cast(Lang, response.lang))
        exchange = Exchange(
            user=chat.user,
            question=question,
            lang=t.lang,
            answer=response.answer,
            kind=response.kind,
            chunk_ids=tuple(s.chunk_id for s in response.sources),
        )
        ref = self.exchanges.add(exchange)
        votes = [
            Button(label=t("buttons.up"), action=f"v:up:{ref}"),
            Button(label=t("buttons.down"), action=f"v:down:{ref}"),
        ]
        return _one(render.answer(t, response), [votes, *_home(t)])

    async def _vote(self, chat: Chat, t: Texts, vote: Vote, ref: str) -> Outcome:
        exchange = self.exchanges.get(ref, chat.user)
        if exchange is None or exchange.answer is None:
            return Outcome(notice=t("vote.stale"), rekey=_home(t))
        try:
            await self.api.feedback(
                question=exchange.question,
                answer=exchange.answer[:MAX_FEEDBACK_ANSWER],
                vote=vote,
                user=chat.user,
                lang=exchange.lang,
                session_id=chat.session_id,
                kind=exchange.kind,
                sources=list(exchange.chunk_ids),
            )
        except ApiError as exc:
            # The vote buttons stay, so the user can try again.
            log.warning("feedback not stored: %s", exc)
            return Outcome(notice=t("errors.api_down"))
        return Outcome(notice=t(f"vote.{vote}"), rekey=_home(t))

    # -- eligibility check --------------------------------------------------------------

    async def _quiz_start(self, chat: Chat, t: Texts) -> Outcome:
        await chat.memory.set_quiz(())
        return _one(*_quiz_step(t, ()))

    async def _quiz_answer(self, chat: Chat, t: Texts, qid: str, oid: str) -> Outcome:
        answers = await chat.memory.quiz()
        if answers is None:
            return _expired(t)
        try:
            answers = quiz.answer(answers, qid, oid)
        except quiz.QuizError:
            # A button of an earlier question: that step is already answered.
            return Outcome(notice=t("errors.stale_button"))
        await chat.memory.set_quiz(answers)
        return _one(*_quiz_step(t, answers), replace=True)

    async def _quiz_back(self, chat: Chat, t: Texts) -> Outcome:
        answers = await chat.memory.quiz()
        if answers is None:
            return _expired(t)
        if not answers:
            await chat.memory.set_quiz(None)
            return _one(t("menu.title"), self._menu(t), replace=True)
        answers = quiz.back(answers)
        await chat.memory.set_quiz(answers)
        return _one(*_quiz_step(t, answers), replace=True)


def _quiz_step(t: Texts, answers: tuple[quiz.Answer, ...]) -> tuple[str, Keyboard]:
    current = quiz.step(answers)
    nav = [
        Button(label=t("buttons.back"), action="qb"),
        Button(label=t("buttons.cancel"), action="qc"),
    ]
    if isinstance(current, quiz.Question):
        options = [
            Button(label=t(f"quiz.options.{o.id}"), action=f"qa:{current.id}:{o.id}")
            for o in current.options
        ]
        # Two short answers fit side by side on a phone; longer lists go one per row.
        rows = [options] if len(options) <= 2 else [[b] for b in options]
        number = quiz.position(answers)
        return render.quiz_question(t, current, number, first=not answers), [*rows, nav]
    rows = [
        [Button(label=t("buttons.back"), action="qb")],
        [Button(label=t("buttons.again"), action="q")],
        [Button(label=t("topics.eligibility"), action="t:eligibility")],
        [Button(label=t("buttons.menu"), action="m")],
    ]
    return render.verdict(t, current), rows


def _expired(t: Texts) -> Outcome:
    return Outcome(notice=t("quiz.expired"), rekey=[[Button(label=t("buttons.again"), action="q")]])


def _unavailable(t: Texts, exc: ApiError, retry: Button) -> Outcome:
    log.warning("API unavailable: %s", exc)
    key = "errors.busy" if isinstance(exc, ApiRateLimited) else "errors.api_down"
    return _one(t(key), [[retry], *_home(t)])


def _one(text: str, buttons: Keyboard | None = None, replace: bool = False) -> Outcome:
    return Outcome(replies=[Reply(text=text, buttons=buttons or [], replace=replace)])


def _home(t: Texts) -> Keyboard:
    return [[Button(label=t("buttons.menu"), action="m")]]


def _lang_buttons() -> Keyboard:
    return [[Button(label=texts(lang)("lang_name"), action=f"l:{lang}") for lang in LANGS]]


def _command_list(t: Texts) -> str:
    return "\n".join(f"/{name} — {t(f'commands.{name}')}" for name in COMMANDS)
