"""End to end: the real aiogram Dispatcher and HTTP session against a fake Telegram Bot API
and the real Alqabi API on a small store."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest
from harness import TOKEN, free_port, running_bot
from tg_fake import FakeUser, transcript

from bot import quiz
from bot.formatting import to_plain
from bot.i18n import texts
from bot.memory import user_hash

# Questions a citizen types, the Kazakh one without Kazakh letters.
QUESTIONS = {"kk": "алкабиге канша акы толенеди", "ru": "сколько платят присяжным"}
TOPIC_WORDS = {"kk": "сыйақы", "ru": "вознагражден"}
ANSWER_WORDS = {"kk": "сыйақы", "ru": "оклад"}


def closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


async def answer_quiz(user: FakeUser, lang: str, answers: list[tuple[str, str]]) -> None:
    t = texts(lang)
    for qid, oid in answers:
        assert t(f"quiz.questions.{qid}") in user.last_text()
        await user.press(t(f"quiz.options.{oid}"))


PATHS: dict[str, list[tuple[str, str]]] = {
    "included": [
        ("citizen", "yes"), ("age", "25_65"), ("conviction", "no"), ("prosecution", "no"),
        ("incapacity", "no"), ("registered", "no"), ("profession", "no"), ("language", "yes"),
        ("health", "no"), ("religion", "no"), ("young_child", "no"), ("essential_work", "no"),
    ],
    "excluded": [("citizen", "yes"), ("age", "25_65"), ("conviction", "yes")],
    "release": [
        ("citizen", "yes"), ("age", "over_65"), ("conviction", "no"), ("prosecution", "no"),
        ("incapacity", "no"), ("registered", "no"), ("profession", "no"), ("language", "yes"),
        ("health", "no"), ("religion", "no"), ("young_child", "yes"), ("essential_work", "no"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_full_session(lang, api_server, tmp_path: Path, artifacts: Path):
    """/start → language → menu → topic → question → 👍 (stored by the API) → the check."""
    t = texts(lang)
    user_id = 1001 if lang == "kk" else 1002

    async def scenario() -> None:
        async with running_bot(api_server.url, tmp_path) as h:
            user = h.user(user_id)
            await user.say("/start")
            assert t("start.greeting") in user.last_text()
            assert user.buttons() == ["Қазақша", "Русский"]

            await user.press(t("lang_name"))
            assert t("lang.set") in user.last_text()
            assert t("topics.pay-guarantees") in user.buttons()

            await user.press(t("topics.pay-guarantees"))
            topic = user.last()
            assert TOPIC_WORDS[lang] in topic["text"].lower()
            assert "📚" in topic["text"]
            await user.press(t("topics.notification"))
            assert t("buttons.quiz") in user.buttons()

            await user.say(QUESTIONS[lang])
            answer = user.last()["text"]
            assert ANSWER_WORDS[lang] in answer.lower()
            assert "16" in answer.split("📚")[1]  # the article on pay, as a short citation
            assert user.buttons()[:2] == ["👍", "👎"]
            await user.press("👍")
            assert user.notices()[-1] == t("vote.up")
            assert user.buttons() == [t("buttons.menu")]

            await user.press(t("buttons.menu"))
            await user.press(t("forbidden.label"))
            assert "647" in user.last()["text"]

            await user.say("/quiz")
            assert to_plain(t("quiz.intro", total=len(quiz.QUESTIONS))) in user.last_text()
            await answer_quiz(user, lang, PATHS["release"][:3])
            await user.press(t("buttons.back"))
            await answer_quiz(user, lang, PATHS["release"][2:])
            verdict = user.last_text()
            assert "🟡" in verdict
            assert t("cite.cpc", n="640") in verdict

            await user.say("/lang")
            other = "ru" if lang == "kk" else "kk"
            await user.press(texts(other)("lang_name"))
            assert texts(other)("lang.set") in user.last_text()

            # Every text the bot sent parsed as Telegram HTML (the fake checks) and fits.
            assert not [c for c in h.tg.calls if c.method not in KNOWN_METHODS]
            title = {"kk": "Kazakh session", "ru": "Russian session"}[lang]
            (artifacts / f"transcript-{lang}.md").write_text(
                transcript(h.tg, user_id, f"Alqabi bot — {title}"), encoding="utf-8"
            )

    asyncio.run(scenario())
    rows = [r for r in api_server.feedback_rows() if r["question"] == QUESTIONS[lang]]
    assert len(rows) == 1
    row = rows[0]
    assert row["vote"] == "up"
    assert row["lang"] == lang
    assert ANSWER_WORDS[lang] in row["answer"].lower()
    # Neither the Telegram id nor the bot's own hash of it is stored as is.
    assert str(user_id) not in row["user_hash"]
    assert row["user_hash"] != user_hash("test-salt", "tg", user_id)


KNOWN_METHODS = {
    "getMe", "getUpdates", "deleteWebhook", "setMyCommands", "sendMessage", "editMessageText",
    "editMessageReplyMarkup", "answerCallbackQuery", "sendChatAction", "close",
}  # fmt: skip


@pytest.mark.parametrize("lang", ["kk", "ru"])
@pytest.mark.parametrize("path", ["included", "excluded", "release"])
def test_eligibility_check(lang, path, tmp_path: Path):
    """The whole check through Telegram buttons; it needs no API."""
    t = texts(lang)
    expected = {"included": "✅", "excluded": "⛔", "release": "🟡"}[path]

    async def scenario() -> None:
        async with running_bot(closed_port_url(), tmp_path) as h:
            user = h.user(2000, language_code=lang)
            await user.say("/quiz")
            assert t("quiz.progress", n=1, total=len(quiz.QUESTIONS)) in user.last_text()
            quiz_message = user.last()["message_id"]
            await answer_quiz(user, lang, PATHS[path])
            verdict = user.last_text()
            assert verdict.startswith(expected)
            # Answers edit one message in place instead of flooding the chat.
            assert user.last()["message_id"] == quiz_message
            reasons = [o for q, o in PATHS[path] if q in ("age", "conviction", "young_child")]
            if path == "excluded":
                assert t("quiz.reasons.conviction") in verdict
                assert t("cite.law", n="10") in verdict
            if path == "release":
                assert reasons == ["over_65", "no", "yes"]
                assert t("quiz.reasons.over_65") in verdict
                assert t("quiz.reasons.young_child") in verdict
            if path == "included":
                assert t("quiz.reasons.over_65") not in verdict
            # Back from the verdict returns to the last question.
            await user.press(t("buttons.back"))
            last_q = PATHS[path][-1][0]
            assert t(f"quiz.questions.{last_q}") in user.last_text()
            await user.press(t("buttons.cancel"))
            assert t("quiz.cancelled") in user.last_text()

    asyncio.run(scenario())


def test_api_down_is_a_polite_message_with_a_retry(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO)
    t = texts("ru")

    async def scenario() -> None:
        async with running_bot(closed_port_url(), tmp_path) as h:
            user = h.user(3000)
            await user.say("/start")
            await user.press("Русский")
            await user.say("сколько платят присяжным")
            assert user.last_text() == t("errors.api_down")
            assert t("buttons.retry") in user.buttons()
            await user.press(t("buttons.retry"))
            assert user.last_text() == t("errors.api_down")
            await user.press(t("buttons.menu"))
            await user.press(t("topics.fines"))
            assert user.last_text() == t("errors.api_down")
            assert t("buttons.retry") in user.buttons()
            texts_sent = [m["text"] for m in h.tg.sent_to(3000)]
            assert not [x for x in texts_sent if "Traceback" in x or "Error" in x]

    asyncio.run(scenario())
    assert "Traceback" not in caplog.text
    assert TOKEN not in caplog.text


def test_a_flood_from_one_user_is_rate_limited(tmp_path: Path):
    t = texts("kk")

    async def scenario() -> None:
        async with running_bot(closed_port_url(), tmp_path, rate_messages=5) as h:
            flooder, other = h.user(4000), h.user(4001)
            ids = [await flooder.say("/help", wait=False) for _ in range(15)]
            for update_id in ids:
                await h.done.wait(update_id)
            sent = [m["text"] for m in h.tg.sent_to(4000)]
            assert sum(t("help.text") in s for s in sent) == 5
            assert sent.count(t("errors.slow_down")) == 1
            # Other users are not affected.
            await other.say("/help")
            assert t("help.text") in other.last_text()

    asyncio.run(scenario())


def test_stickers_photos_voice_unknown_commands_huge_messages_and_bugs(tmp_path: Path, monkeypatch):
    t = texts("ru")

    async def scenario() -> None:
        async with running_bot(closed_port_url(), tmp_path) as h:
            user = h.user(5000, language_code="ru")
            for kind in ("sticker", "photo", "voice"):
                await user.send_other(kind)
                assert user.last_text() == t("errors.unsupported")
            await user.say("/frobnicate")
            assert t("errors.unknown_command") in user.last_text()
            assert "/quiz" in user.last_text()
            await user.say("присяжный " * 500)
            assert user.last_text() == t("errors.too_long", size=len("присяжный " * 500) - 1,
                                         limit=1000)  # fmt: skip
            await user.say("<b>&</b>")
            assert user.last_text() == t("errors.api_down")

            async def broken(*args: object) -> None:
                raise RuntimeError("a bug")

            monkeypatch.setattr(h.assembly.api, "topic", broken)
            await user.say("/menu")
            await user.press(t("topics.fines"))
            assert user.last_text() == t("errors.internal")
            assert "a bug" not in user.last_text()

    asyncio.run(scenario())


def test_the_language_choice_survives_a_restart(tmp_path: Path):
    ru = texts("ru")

    async def scenario() -> None:
        async with running_bot(closed_port_url(), tmp_path) as h:
            user = h.user(6000, language_code="kk")
            await user.say("/lang")
            await user.press("Русский")
        async with running_bot(closed_port_url(), tmp_path) as h:
            user = h.user(6000, language_code="kk")
            await user.say("/menu")
            assert to_plain(ru("menu.title")) in user.last_text()

    asyncio.run(scenario())


# Kazakh in the 2021 Latin alphabet and Russian in translit, as phone users type them.
LATIN = {
    "kk": ("Alqabige qansha aqy tölenedı?", "syiaqy"),
    "ru": ("skolko platyat prisyazhnym", "оклад"),
}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_latin_script_question(lang, api_server, tmp_path: Path):
    """A Latin-script question through the real dispatcher: Kazakh answered in the 2021 Latin
    alphabet, translit Russian in Cyrillic Russian, both with the pay article."""
    t = texts(lang)
    question, word = LATIN[lang]

    async def scenario() -> None:
        async with running_bot(api_server.url, tmp_path) as h:
            user = h.user(3000 + len(lang) + (lang == "kk"))
            await user.say("/start")
            await user.press(t("lang_name"))
            await user.say(question)
            answer = user.last()["text"]
            assert word in answer.lower()
            assert "16" in answer.split("📚")[1]
            body = answer.split("📚")[0]
            if lang == "kk":  # no Cyrillic letters left in the Kazakh answer
                assert not re.search("[а-яәғқңөұүһі]", body.lower())
            else:
                assert re.search("[а-я]", body.lower())

    asyncio.run(scenario())
