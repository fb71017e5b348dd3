"""The eligibility check as data plus pure functions, shared by Telegram and the terminal.

Facts: Law "On jurors" art. 1 and 10 (who is left out of the candidate lists, who may ask
to be removed) and the Criminal Procedure Code art. 640-641 (who the presiding judge must
or may release). Texts live in the locale files under ``quiz.*``; this module only holds ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, NamedTuple

Act = Literal["law", "cpc"]
Answer = tuple[str, str]
"""(question id, option id)."""


class Ref(NamedTuple):
    """An article of an act: ``law`` = Law "On jurors", ``cpc`` = Criminal Procedure Code."""

    act: Act
    article: str


class Effect(StrEnum):
    EXCLUDE = "exclude"
    RELEASE = "release"


class Outcome(StrEnum):
    INCLUDED = "included"
    EXCLUDED = "excluded"
    RELEASE = "release"


@dataclass(frozen=True)
class Option:
    """One answer; an effect makes it a reason in the verdict (text: ``quiz.reasons.<id>``)."""

    id: str
    effect: Effect | None = None
    reason: str | None = None
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Question:
    """One step (text: ``quiz.questions.<id>``, option labels: ``quiz.options.<option>``)."""

    id: str
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Verdict:
    """Where the answers lead, with the answers that decided it."""

    outcome: Outcome
    reasons: tuple[Option, ...]


class QuizError(ValueError):
    """The answers do not fit the questions (a stale or forged button)."""


LAW_10 = Ref("law", "10")
CPC_640 = Ref("cpc", "640")


def _yes_no(qid: str, on: Literal["yes", "no"], effect: Effect, refs: tuple[Ref, ...]) -> Question:
    def option(oid: str) -> Option:
        if oid == on:
            return Option(oid, effect, qid, refs)
        return Option(oid)

    return Question(qid, (option("yes"), option("no")))


QUESTIONS: tuple[Question, ...] = (
    _yes_no("citizen", "no", Effect.EXCLUDE, (Ref("law", "1"), Ref("law", "5"))),
    Question(
        "age",
        (
            Option("under_25", Effect.EXCLUDE, "under_25", (LAW_10,)),
            Option("25_65"),
            Option("over_65", Effect.RELEASE, "over_65", (LAW_10, CPC_640)),
        ),
    ),
    _yes_no("conviction", "yes", Effect.EXCLUDE, (LAW_10,)),
    _yes_no("prosecution", "yes", Effect.EXCLUDE, (CPC_640,)),
    _yes_no("incapacity", "yes", Effect.EXCLUDE, (LAW_10,)),
    _yes_no("registered", "yes", Effect.EXCLUDE, (LAW_10,)),
    _yes_no("profession", "yes", Effect.EXCLUDE, (LAW_10,)),
    _yes_no("language", "no", Effect.RELEASE, (LAW_10, CPC_640)),
    _yes_no("health", "yes", Effect.RELEASE, (LAW_10, CPC_640)),
    _yes_no("religion", "yes", Effect.RELEASE, (LAW_10, CPC_640)),
    _yes_no("young_child", "yes", Effect.RELEASE, (CPC_640,)),
    _yes_no("essential_work", "yes", Effect.RELEASE, (CPC_640,)),
)
"""In order: one exclusion ends the check at once; release grounds add up."""

# Everyone may also name other valid reasons or recuse themselves in court.
OTHER_REASONS = (CPC_640, Ref("cpc", "641"))


def step(
    answers: Sequence[Answer], questions: Sequence[Question] = QUESTIONS
) -> Question | Verdict:
    """The next question, or the verdict once an exclusion or the last answer is reached."""
    releases: list[Option] = []
    for n, (qid, oid) in enumerate(answers):
        if n >= len(questions) or questions[n].id != qid:
            raise QuizError(f"answer {n + 1} is for {qid!r}, not the question asked")
        option = questions[n].option(oid)
        if option is None:
            raise QuizError(f"{oid!r} is not an option of {qid!r}")
        if option.effect is Effect.EXCLUDE:
            if n != len(answers) - 1:
                raise QuizError("no answers can follow an exclusion")
            return Verdict(Outcome.EXCLUDED, (option,))
        if option.effect is Effect.RELEASE:
            releases.append(option)
    if len(answers) < len(questions):
        return questions[len(answers)]
    outcome = Outcome.RELEASE if releases else Outcome.INCLUDED
    return Verdict(outcome, tuple(releases))


def answer(
    answers: Sequence[Answer], qid: str, oid: str, questions: Sequence[Question] = QUESTIONS
) -> tuple[Answer, ...]:
    """The answers with one more; QuizError if ``qid`` is not the question being asked."""
    current = step(answers, questions)
    if not isinstance(current, Question) or current.id != qid:
        raise QuizError(f"{qid!r} is not the question being asked")
    if current.option(oid) is None:
        raise QuizError(f"{oid!r} is not an option of {qid!r}")
    return (*answers, (qid, oid))


def back(answers: Sequence[Answer]) -> tuple[Answer, ...]:
    """The answers without the last one."""
    return tuple(answers[:-1])


def position(answers: Sequence[Answer], questions: Sequence[Question] = QUESTIONS) -> int:
    """1-based number of the question being asked."""
    return min(len(answers) + 1, len(questions))
