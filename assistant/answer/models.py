"""Typed results of the answer engine."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from assistant.core.schemas import Lang, ScoredChunk, SearchHit
from assistant.locales import text

Kind = Literal["faq", "extractive", "generative", "refusal"]


class RefusalReason(StrEnum):
    """Why a question is not answered."""

    PERSONAL_ADVICE = "personal_advice"  # advice on the asker's own case
    OFF_TOPIC = "off_topic"  # nothing to do with courts or jury duty
    INJECTION = "injection"  # an attempt to override the assistant's instructions
    NO_SUPPORT = "no_support"  # on topic, but retrieval found nothing that supports an answer


class AnswerSource(SearchHit):
    """A passage the answer rests on: a search hit and the group (one document in every
    language, ``faq-<slug>`` or ``guidance-<topic>``) its document belongs to."""

    group: str | None = None

    @classmethod
    def of(cls, scored: ScoredChunk, group: str | None) -> AnswerSource:
        return cls(**SearchHit.from_scored(scored).model_dump(), group=group)


class Answer(BaseModel):
    """One answer, in the language of the question."""

    answer: str
    lang: Lang
    kind: Kind
    sources: list[AnswerSource] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)
    refusal_reason: RefusalReason | None = None
    # Set when the text is not in ``lang`` (no version of the document in that language).
    content_lang: Lang | None = None
    note: str | None = None
    topic: str | None = None
    # The question as searched, after a follow-up was resolved with the conversation.
    resolved_question: str | None = None
    # Words of the asking sentence no FAQ or guidance text uses ("кофе", "музыку"): the answer
    # may not speak of them, so it goes to the review queue.
    uncovered: list[str] = Field(default_factory=list)


def language_note(lang: Lang, content_lang: Lang | None) -> str | None:
    """The note shown when content is not in the asker's language."""
    if content_lang is None or content_lang == lang:
        return None
    return text(lang, "note.content_in", lang_name=text(lang, f"lang_name.{content_lang}"))
