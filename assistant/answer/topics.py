"""Curated guidance by topic: localised title, a short summary, citations, what to read next."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.answer import citations
from assistant.answer.knowledge import DocInfo, Knowledge
from assistant.answer.models import language_note
from assistant.answer.sentences import split_sentences
from assistant.core.schemas import Lang
from assistant.locales import text

# The order a citizen meets the topics in, from what a jury trial is to where to ask.
TOPIC_ORDER = (
    "jury-trial", "jurisdiction", "eligibility", "selection-lists", "notification",
    "court-selection", "panel", "oath", "rights-duties", "pay-guarantees", "fines", "verdict",
    "appeal-cassation", "contacts",
)  # fmt: skip
SUMMARY_WORDS = 120
NEXT_TOPICS = 3
_SECTION = re.compile(r"^##\s+(.+)$", re.M)


class TopicNotFound(LookupError):
    """No guidance document has this topic."""


class TopicRef(BaseModel):
    """A topic in a list."""

    topic: str
    title: str
    lang: Lang | None


class TopicDetail(BaseModel):
    """One topic's guidance, short enough for a chat message."""

    topic: str
    lang: Lang
    title: str
    summary: str
    sections: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    next: list[TopicRef] = Field(default_factory=list)
    doc_id: str
    source: str
    content_lang: Lang | None = None
    note: str | None = None


def _ordered(topics: set[str]) -> list[str]:
    known = [t for t in TOPIC_ORDER if t in topics]
    return known + sorted(topics - set(known))


def _by_topic(knowledge: Knowledge, lang: Lang) -> dict[str, DocInfo]:
    docs: dict[str, DocInfo] = {}
    for doc in knowledge.guidance():
        if doc.topic:
            docs[doc.topic] = knowledge.best_version(doc.group, lang)
    return docs


def list_topics(knowledge: Knowledge, lang: Lang) -> list[TopicRef]:
    """All topics with their titles in ``lang`` (or the language the guidance exists in)."""
    docs = _by_topic(knowledge, lang)
    return [TopicRef(topic=t, title=docs[t].title, lang=docs[t].lang) for t in _ordered(set(docs))]


def summarize(doc_text: str, max_words: int = SUMMARY_WORDS) -> str:
    """The first sentence of each section, without inline references, up to ``max_words``."""
    parts = _SECTION.split(doc_text)
    firsts = []
    for body in parts[2::2]:
        sentences = split_sentences(body)
        if sentences:
            firsts.append(citations.strip_inline(sentences[0]))
    if not firsts:
        firsts = [citations.strip_inline(s) for s in split_sentences(doc_text)]
    out: list[str] = []
    words = 0
    for sentence in firsts:
        size = len(sentence.split())
        if out and words + size > max_words:
            break
        out.append(sentence)
        words += size
    return " ".join(out)


def topic_detail(knowledge: Knowledge, topic: str, lang: Lang) -> TopicDetail:
    """One topic in ``lang``; raises TopicNotFound for an unknown topic."""
    docs = _by_topic(knowledge, lang)
    if topic not in docs:
        raise TopicNotFound(
            text(lang, "topics.not_found", topic=topic, known=", ".join(_ordered(set(docs))))
        )
    doc = docs[topic]
    order = _ordered(set(docs))
    at = order.index(topic)
    following = [
        order[(at + i) % len(order)] for i in range(1, min(NEXT_TOPICS, len(order) - 1) + 1)
    ]
    cited = citations.parse(doc.text) or citations.from_metadata(doc.sources)
    detail = TopicDetail(
        topic=topic,
        lang=lang,
        title=doc.title,
        summary=summarize(doc.text),
        sections=[s.strip() for s in _SECTION.findall(doc.text)],
        citations=citations.labels(cited, lang),
        next=[TopicRef(topic=t, title=docs[t].title, lang=docs[t].lang) for t in following],
        doc_id=doc.doc_id,
        source=doc.source,
    )
    detail.note = language_note(lang, doc.lang)
    if detail.note is not None:
        detail.content_lang = doc.lang
    return detail
