"""Typed models for each pipeline stage: SourceDocument → Chunk → ScoredChunk → SearchHit."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

Lang = Literal["kk", "ru", "en"]
LANGS: tuple[Lang, ...] = ("kk", "ru", "en")
# Bounds on request filters: one value, and how many values (or keys) one filter may hold.
FilterValue = Annotated[str, Field(max_length=200)]
FilterValues = Annotated[list[FilterValue], Field(max_length=100)]


class SourceDocument(BaseModel):
    """One cleaned document, as read from a file (or one line of a JSONL file)."""

    doc_id: str
    source: str
    title: str
    text: str
    lang: Lang | None = None
    doc_type: str = "document"
    category: str | None = None
    date: dt.date | None = None
    content_hash: str
    metadata: dict[str, Any] = Field(default_factory=dict)


class Chunk(BaseModel):
    """A retrievable piece of a document with its place in the structure."""

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    title: str
    heading_path: list[str] = Field(default_factory=list)
    article: str | None = None
    lang: Lang | None = None
    source: str
    start: int
    end: int
    doc_type: str = "document"
    category: str | None = None
    date: dt.date | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ScoredChunk(BaseModel):
    """A chunk with its fused score and the per-method scores behind it."""

    chunk: Chunk
    score: float
    scores: dict[str, float] = Field(default_factory=dict)


class SearchFilters(BaseModel):
    """Metadata filters; every given field must match."""

    doc_type: FilterValues | None = None
    lang: list[Lang] | None = Field(default=None, max_length=3)
    category: FilterValues | None = None
    doc_id: FilterValues | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # Chunk metadata key → accepted values; a list-valued key matches when any element does.
    metadata: Annotated[dict[FilterValue, FilterValues], Field(max_length=20)] | None = None

    @field_validator("doc_type", "lang", "category", "doc_id", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("metadata", mode="before")
    @classmethod
    def _values_as_lists(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("metadata")
    @classmethod
    def _plain_keys(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        for key in value or {}:
            if not key.replace("_", "").isalnum():
                raise ValueError(f"metadata filter key {key!r} must be letters, digits or _")
        return value


class SearchHit(BaseModel):
    """One search result as the API and CLI show it."""

    doc_id: str
    chunk_id: str
    title: str
    text: str
    score: float = Field(
        description="Fused score: the weighted sum of each method's standardised score; it "
        "orders the hits of one query and is not comparable across queries."
    )
    source: str
    lang: Lang | None = None
    doc_type: str = "document"
    heading_path: list[str] = Field(default_factory=list)
    article: str | None = None
    scores: dict[str, float] = Field(
        default_factory=dict,
        description="Each method's raw score: dense cosine, BM25, fuzzy BM25.",
    )

    @classmethod
    def from_scored(cls, scored: ScoredChunk) -> SearchHit:
        c = scored.chunk
        return cls(
            doc_id=c.doc_id,
            chunk_id=c.chunk_id,
            title=c.title,
            text=c.text,
            score=round(scored.score, 6),
            source=c.source,
            lang=c.lang,
            doc_type=c.doc_type,
            heading_path=c.heading_path,
            article=c.article,
            scores={k: round(v, 6) for k, v in scored.scores.items()},
        )


class SearchResponse(BaseModel):
    """``{"results": [...]}`` as returned by ``alqabi search --json`` and ``/v1/search``."""

    results: list[SearchHit]
