"""The API's answers as the bot reads them (``assistant.api`` is not imported: the bot speaks
HTTP). Unknown fields are ignored so the API can grow without breaking the bot."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["kk", "ru"]
AnswerKind = Literal["faq", "extractive", "generative", "refusal"]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Source(_Lenient):
    """A passage an answer rests on."""

    doc_id: str
    chunk_id: str
    title: str = ""
    text: str = ""
    score: float = 0.0
    source: str = ""
    lang: str | None = None


class AskResponse(_Lenient):
    """``POST /v1/ask``: the answer, its sources and citations already localised."""

    answer: str
    lang: str
    kind: AnswerKind
    sources: list[Source] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    confidence: float = 0.0
    note: str | None = None
    topic: str | None = None


class TopicRef(_Lenient):
    """A topic with its localised title."""

    topic: str
    title: str


class TopicDetail(_Lenient):
    """``GET /v1/topics/{topic}``: curated guidance for one topic."""

    topic: str
    title: str
    summary: str
    sections: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    next: list[TopicRef] = Field(default_factory=list)
    note: str | None = None


class SummonsButton(BaseModel):
    label: str
    action: str


class SummonsReply(BaseModel):
    """A summons text rendered by the API (Telegram HTML) with its buttons."""

    candidate_id: int
    lang: str
    html: str
    buttons: list[list[SummonsButton]] = []
