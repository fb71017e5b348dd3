"""Message texts (Telegram HTML) for answers, topics and the eligibility check."""

from __future__ import annotations

from bot import quiz
from bot.formatting import escape
from bot.i18n import Texts
from bot.schemas import AskResponse, TopicDetail

MAX_SOURCE_TITLES = 3
# More citations than this do not help on a phone screen; the first ones are the main ones.
MAX_CITATIONS = 5


def _paragraphs(*blocks: str | None) -> str:
    return "\n\n".join(b for b in blocks if b)


def _sources_line(t: Texts, labels: list[str]) -> str | None:
    if not labels:
        return None
    shown = "; ".join(escape(label) for label in labels[:MAX_CITATIONS])
    more = "; …" if len(labels) > MAX_CITATIONS else ""
    return f"📚 <b>{t('ask.sources')}:</b> {shown}{more}"


def answer(t: Texts, response: AskResponse) -> str:
    """An answer with its note, short citations (or source titles when none were cited) and
    the question whether it helped."""
    labels = list(response.citations)
    if not labels and response.kind != "refusal":
        titles = dict.fromkeys(s.title.strip() for s in response.sources if s.title.strip())
        labels = list(titles)[:MAX_SOURCE_TITLES]
    note = f"<i>{escape(response.note)}</i>" if response.note else None
    rate = f"<i>{t('ask.rate')}</i>"
    return _paragraphs(escape(response.answer.strip()), note, _sources_line(t, labels), rate)


def topic(t: Texts, detail: TopicDetail) -> str:
    """A topic's title, summary, note and citations."""
    note = f"<i>{escape(detail.note)}</i>" if detail.note else None
    return _paragraphs(
        f"<b>{escape(detail.title)}</b>",
        escape(detail.summary.strip()),
        note,
        _sources_line(t, detail.citations),
    )


def cite(t: Texts, ref: quiz.Ref) -> str:
    """A quiz reference as a short citation."""
    return t(f"cite.{ref.act}", n=ref.article)


def quiz_question(t: Texts, question: quiz.Question, number: int, first: bool) -> str:
    """One step of the check; the introduction comes with the first question only."""
    total = len(quiz.QUESTIONS)
    head = t("quiz.intro", total=total) if first else None
    progress = f"<i>{t('quiz.progress', n=number, total=total)}</i>"
    return _paragraphs(head, progress + "\n" + t(f"quiz.questions.{question.id}"))


def verdict(t: Texts, result: quiz.Verdict) -> str:
    """The outcome with each deciding answer and the articles behind it."""
    lines = []
    for option in result.reasons:
        refs = "; ".join(cite(t, r) for r in option.refs)
        lines.append(f"• {t(f'quiz.reasons.{option.reason}')} <i>({refs})</i>")
    other = None
    if result.outcome is not quiz.Outcome.EXCLUDED:
        refs = "; ".join(cite(t, r) for r in quiz.OTHER_REASONS)
        other = f"{t('quiz.other_reasons')} <i>({refs})</i>"
    return _paragraphs(
        t(f"quiz.outcomes.{result.outcome.value}"),
        "\n".join(lines) or None,
        other,
        t("quiz.note"),
    )
