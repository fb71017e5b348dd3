"""The bot's pure parts: quiz, texts, HTML splitting, rate limit, redaction, API client, CLI."""

from __future__ import annotations

import asyncio
import logging
import sys

import httpx
import pytest
import typer
from tg_fake import check_html
from typer.testing import CliRunner

from assistant.core.config import Settings
from bot import quiz, render
from bot.api_client import ApiClient, ApiError, ApiRateLimited, ApiUnavailable
from bot.dialogue import Chat, Dialogue
from bot.formatting import escape, split_html, to_plain
from bot.i18n import LANGS, texts
from bot.logsafe import RedactingFilter, redact
from bot.memory import LocalMemory
from bot.ratelimit import RateLimiter
from bot.schemas import AskResponse

# -- eligibility check ------------------------------------------------------------------


def run(answers: list[tuple[str, str]]) -> quiz.Question | quiz.Verdict:
    done: tuple[quiz.Answer, ...] = ()
    for qid, oid in answers:
        done = quiz.answer(done, qid, oid)
    return quiz.step(done)


def all_no_except(**chosen: str) -> list[tuple[str, str]]:
    safe = {"citizen": "yes", "age": "25_65", "language": "yes"}
    return [(q.id, chosen.get(q.id, safe.get(q.id, "no"))) for q in quiz.QUESTIONS]


def test_no_obstacles_means_included():
    assert run(all_no_except()) == quiz.Verdict(quiz.Outcome.INCLUDED, ())


@pytest.mark.parametrize(
    ("qid", "oid"),
    [
        ("citizen", "no"), ("age", "under_25"), ("conviction", "yes"), ("prosecution", "yes"),
        ("incapacity", "yes"), ("registered", "yes"), ("profession", "yes"),
    ],
)  # fmt: skip
def test_an_exclusion_ends_the_check_at_once(qid, oid):
    answers = all_no_except(**{qid: oid})
    upto = [a for a in answers[: [q for q, _ in answers].index(qid) + 1]]
    verdict = run(upto)
    assert isinstance(verdict, quiz.Verdict)
    assert verdict.outcome is quiz.Outcome.EXCLUDED
    assert [o.reason for o in verdict.reasons] == [qid if oid in ("yes", "no") else oid]


def test_release_grounds_add_up():
    verdict = run(all_no_except(age="over_65", religion="yes", essential_work="yes"))
    assert isinstance(verdict, quiz.Verdict)
    assert verdict.outcome is quiz.Outcome.RELEASE
    assert [o.reason for o in verdict.reasons] == ["over_65", "religion", "essential_work"]


def test_not_knowing_the_language_is_a_release_ground_under_both_acts():
    verdict = run(all_no_except(language="no"))
    assert isinstance(verdict, quiz.Verdict)
    assert verdict.reasons[0].refs == (quiz.LAW_10, quiz.CPC_640)


def test_stale_or_forged_answers_are_refused():
    with pytest.raises(quiz.QuizError):
        quiz.answer((), "age", "25_65")
    with pytest.raises(quiz.QuizError):
        quiz.answer((), "citizen", "maybe")
    with pytest.raises(quiz.QuizError):
        quiz.step([("citizen", "no"), ("age", "25_65")])
    assert quiz.back([("citizen", "yes"), ("age", "25_65")]) == (("citizen", "yes"),)
    assert quiz.back(()) == ()


@pytest.mark.parametrize("lang", LANGS)
def test_every_question_option_and_reason_has_a_text(lang):
    t = texts(lang)
    for question in quiz.QUESTIONS:
        assert t(f"quiz.questions.{question.id}")
        for option in question.options:
            assert t(f"quiz.options.{option.id}")
            if option.effect is not None:
                assert t(f"quiz.reasons.{option.reason}")
                for ref in option.refs:
                    assert ref.article in render.cite(t, ref)
    for outcome in quiz.Outcome:
        assert t(f"quiz.outcomes.{outcome.value}")


# -- texts ---------------------------------------------------------------------------------


def test_locales_have_the_same_keys_and_placeholders():
    kk, ru = texts("kk"), texts("ru")
    assert set(kk.names()) == set(ru.names())
    for key in kk.names():
        assert kk.placeholders(key) == ru.placeholders(key), key
        for lang_texts in (kk, ru):
            sample = {name: "1" for name in lang_texts.placeholders(key)}
            check_html(lang_texts(key, **sample))


def test_buttons_fit_telegram_callback_data():
    async def scenario() -> None:
        dialogue = Dialogue(ApiClient("http://127.0.0.1:9"))
        chat = Chat(user="u", session_id="s", memory=LocalMemory(chosen="kk"))
        outcome = await dialogue.command(chat, "menu")
        actions = [b.action for row in outcome.replies[0].buttons for b in row]
        assert all(len(a.encode()) <= 64 for a in actions)
        for label in (b.label for row in outcome.replies[0].buttons for b in row):
            assert len(label) <= 40, label
        await dialogue.api.aclose()

    asyncio.run(scenario())


# -- HTML --------------------------------------------------------------------------------


def test_long_texts_split_on_paragraphs_and_sentences_with_tags_balanced():
    paragraph = " ".join(f"Сөйлем {n} алқабилер туралы & <мәтін>." for n in range(60))
    text = "\n\n".join(
        [f"<b>{escape('Тақырып <1>')}</b>", escape(paragraph), f"<i>{escape(paragraph)}</i>"] * 3
    )
    parts = split_html(text, 1000)
    assert len(parts) > 3
    for part in parts:
        assert len(part) <= 1000
        check_html(part)
        assert not part.startswith(" ")
        plain = to_plain(part)
        # A part ends at a paragraph or sentence end, never mid-word.
        assert plain.rstrip()[-1] in ".>" or plain.rstrip().endswith("Тақырып <1>"), plain[-30:]
    assert " ".join(to_plain(p) for p in parts).split() == to_plain(text).split()


def test_a_text_without_breaks_still_splits():
    parts = split_html("x" * 9000, 4096)
    assert len(parts) == 3
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts) == "x" * 9000


def test_answers_escape_api_text_and_keep_citations_short():
    t = texts("ru")
    response = AskResponse(
        answer="Статья <b>не</b> тег & «кавычки»",
        lang="ru",
        kind="extractive",
        citations=[f"ст. {n} УПК" for n in range(630, 640)],
    )
    text = render.answer(t, response)
    check_html(text)
    assert "&lt;b&gt;не&lt;/b&gt; тег &amp;" in text
    assert "ст. 634 УПК; …" in text
    assert "ст. 635 УПК" not in text


# -- rate limit ---------------------------------------------------------------------------


def test_token_bucket_allows_a_burst_then_warns_once_per_window():
    now = [0.0]
    limiter = RateLimiter(capacity=3, window=3.0, clock=lambda: now[0])
    assert [limiter.hit("a").allowed for _ in range(3)] == [True, True, True]
    assert limiter.hit("a").warn
    assert not limiter.hit("a").warn
    assert limiter.hit("b").allowed
    now[0] = 1.0  # one token back
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    now[0] = 3.5  # a window after the warning: warned again
    limiter.hit("a")
    limiter.hit("a")
    assert limiter.hit("a").warn


def test_idle_users_are_forgotten_when_there_are_many():
    now = [0.0]
    limiter = RateLimiter(capacity=1, window=1.0, clock=lambda: now[0], max_keys=2)
    limiter.hit("a")
    limiter.hit("b")
    now[0] = 5.0
    limiter.hit("c")
    assert set(limiter._buckets) == {"c"}


# -- redaction -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("token 123456789:AAFakeTokenForTestsOnly_abcdefghijklmn here", "AAFake"),
        ("ЖСН 990101300122 келді", "990101300122"),
        ("звоните +7 701 123 45 67", "701 123"),
        ("звоните 8(701)1234567", "1234567"),
        ("тел. 8 727 123-45-67", "123-45-67"),
        ("почта aigerim.k@mail.kz", "aigerim"),
    ],
)
def test_redact_masks_tokens_iins_phones_and_emails(text, hidden):
    assert hidden not in redact(text)


def test_redact_keeps_ordinary_numbers():
    assert redact("ст. 640 УПК, 10 МРП, 2024 год") == "ст. 640 УПК, 10 МРП, 2024 год"


def test_the_filter_masks_messages_args_and_tracebacks():
    secret = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{secret}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "user %s wrote %s", ("990101300122", secret),
            sys.exc_info(),
        )  # fmt: skip
    RedactingFilter([secret]).filter(record)
    out = logging.Formatter().format(record)
    assert secret not in out
    assert "990101300122" not in out
    assert "getMe failed" in out


# -- API client ----------------------------------------------------------------------------


def client(handler) -> ApiClient:
    return ApiClient("http://api.test", transport=httpx.MockTransport(handler))


ANSWER = {"answer": "Иә.", "lang": "kk", "kind": "faq", "confidence": 0.9, "extra": 1}


def test_one_retry_after_a_connection_error():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=ANSWER)

    async def scenario() -> None:
        async with client(handler) as api:
            response = await api.ask("алқаби", "kk", "tg-1")
        assert response.answer == "Иә."
        assert len(calls) == 2
        assert calls[1].url.path == "/v1/ask"

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("failure", "error", "tries"),
    [
        (httpx.ConnectError, ApiUnavailable, 2),
        (httpx.ReadTimeout, ApiUnavailable, 1),
        (429, ApiRateLimited, 1),
        (503, ApiUnavailable, 1),
        (422, ApiError, 1),
    ],
)
def test_failures_become_typed_errors(failure, error, tries):
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if isinstance(failure, int):
            body = {"title": "x", "status": failure, "detail": "question: too long"}
            return httpx.Response(failure, json=body)
        raise failure("boom", request=request)

    async def scenario() -> None:
        async with client(handler) as api:
            with pytest.raises(error) as caught:
                await api.topic("fines", "ru")
        assert type(caught.value) is error
        assert len(calls) == tries

    asyncio.run(scenario())


def test_an_unexpected_answer_is_treated_as_unavailable():
    async def scenario() -> None:
        async with client(lambda r: httpx.Response(200, text="<html>")) as api:
            with pytest.raises(ApiUnavailable):
                await api.ask("x", None, None)

    asyncio.run(scenario())


# -- dialogue edge cases ----------------------------------------------------------------------


def test_votes_and_retries_only_work_for_their_own_user():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201 if request.url.path == "/v1/feedback" else 200, json=ANSWER)

    async def scenario() -> None:
        dialogue = Dialogue(client(handler))
        alice = Chat(user="alice", session_id="s-a", memory=LocalMemory(chosen="kk"))
        bob = Chat(user="bob", session_id="s-b", memory=LocalMemory(chosen="kk"))
        answer = await dialogue.message(alice, "алқабиге ақы")
        vote = answer.replies[0].buttons[0][0].action
        assert (await dialogue.press(bob, vote)).notice == texts("kk")("vote.stale")
        assert (await dialogue.press(alice, vote)).notice == texts("kk")("vote.up")
        stale = await dialogue.press(alice, "qa:age:25_65")
        assert stale.notice == texts("kk")("quiz.expired")
        assert (await dialogue.press(alice, "zz:1")).notice == texts("kk")("errors.stale_button")

    asyncio.run(scenario())


# -- CLI ---------------------------------------------------------------------------------------


def test_bot_without_a_token_explains_how_to_set_one(monkeypatch, tmp_path):
    from bot.cli import register

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ALQABI_BOT_TOKEN", "")
    monkeypatch.setattr("bot.cli.get_settings", Settings)
    app = typer.Typer()
    register(app)
    result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 2
    assert "ALQABI_BOT_TOKEN" in result.output
    assert "alqabi chat" in result.output

    monkeypatch.setenv("ALQABI_BOT_TOKEN", "not-a-token")
    result = CliRunner().invoke(app, ["bot"])
    assert result.exit_code == 2
    assert "not a valid" in result.output
    assert "not-a-token" not in result.output
