"""Chat memory for Telegram: the eligibility check in aiogram's FSM, the language in SQLite."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup

from bot.memory import LangStore
from bot.quiz import Answer
from bot.schemas import Lang


class QuizFlow(StatesGroup):
    """The FSM state of a chat that is going through the eligibility check."""

    answering = State()


class TelegramMemory:
    """``ChatMemory`` over an FSM context and the language store."""

    def __init__(self, state: FSMContext, langs: LangStore, user: str) -> None:
        self._state = state
        self._langs = langs
        self._user = user

    async def lang(self) -> Lang | None:
        # One indexed SQLite read: fast enough to run on the event loop.
        return self._langs.get(self._user)

    async def set_lang(self, lang: Lang) -> None:
        self._langs.set(self._user, lang)

    async def quiz(self) -> tuple[Answer, ...] | None:
        if await self._state.get_state() != QuizFlow.answering.state:
            return None
        data = await self._state.get_data()
        return tuple((str(q), str(o)) for q, o in data.get("quiz", ()))

    async def set_quiz(self, answers: tuple[Answer, ...] | None) -> None:
        if answers is None:
            await self._state.clear()
            return
        await self._state.set_state(QuizFlow.answering)
        await self._state.update_data(quiz=[list(a) for a in answers])
