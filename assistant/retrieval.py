"""Hybrid retrieval: dense (FAISS) + lexical (FTS5 BM25) + fuzzy term expansion, fused.

Each method returns a ranked list of (chunk row id, raw score); the lists are combined by
weighted z-score fusion: each method's scores are standardised over its own candidates, a
candidate a method did not return counts as that method's lowest, and the weighted standard
scores are summed. Unlike rank fusion this keeps how far ahead a method's top hits are: a BM25
list with one clear winner (rare words shared with one passage) lifts it well above the dense
top, an evenly spread one (common words of a narrow corpus) cannot overturn a clear dense
winner. Weights: ``evals/fusion.py``; ``tests/test_fusion.py`` shows both cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict
from rapidfuzz import fuzz, process

from assistant.core.config import RetrievalSettings
from assistant.core.embeddings import Embedder
from assistant.core.schemas import ScoredChunk, SearchFilters
from assistant.core.store import LexicalTerms, Store
from assistant.core.text import normalize, terms

Method = Literal["dense", "lexical", "fuzzy"]
METHODS: tuple[Method, ...] = ("dense", "lexical", "fuzzy")
# Embeds queries while their lexical search runs (one search waits on one embedding).
_DENSE_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="alqabi-dense")


class QueryError(ValueError):
    """A query that cannot be searched (empty, too long)."""


def check_query(query: str, max_chars: int) -> str:
    """The normalised query, or a QueryError saying what is wrong with it."""
    if len(query) > max_chars:
        raise QueryError(f"query is {len(query)} characters long; the limit is {max_chars}")
    text = normalize(query)
    if not any(ch.isalnum() for ch in text):
        raise QueryError("query is empty: type a few words")
    return text


def lexical_terms(text: str, lang: str | None = None) -> LexicalTerms:
    """The FTS terms of a text, normalised and folded."""
    return LexicalTerms(norm=terms(text, lang), folded=terms(text, lang, folded=True))


def zscore_fusion(
    ranked: dict[Method, list[tuple[int, float]]], weights: dict[Method, float]
) -> list[tuple[int, float, dict]]:
    """(row id, fused score, per-method raw scores), best first. Each weighted method's raw
    scores are standardised over its own list; a row the method did not return gets the
    standard score of the method's lowest hit."""
    standard: dict[Method, tuple[dict[int, float], float]] = {}
    parts: dict[int, dict[str, float]] = {}
    for method, hits in ranked.items():
        for row_id, raw in hits:
            parts.setdefault(row_id, {})[method] = raw
        if hits and weights.get(method):
            raw_scores = np.array([raw for _, raw in hits], dtype=np.float64)
            mean, std = float(raw_scores.mean()), float(raw_scores.std()) or 1.0
            z = {row_id: (raw - mean) / std for row_id, raw in hits}
            standard[method] = (z, (float(raw_scores.min()) - mean) / std)
    fused = {
        row_id: sum(weights[m] * z.get(row_id, lowest) for m, (z, lowest) in standard.items())
        for row_id in parts
    }
    order = sorted(fused, key=lambda r: fused[r], reverse=True)
    return [(r, fused[r], parts[r]) for r in order]


class HybridRetriever:
    """Searches one store with one embedder."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        settings: RetrievalSettings | None = None,
        max_query_chars: int = 2_000,
    ) -> None:
        store.check_embedder(embedder.info)
        self.store = store
        self.embedder = embedder
        self.settings = settings or RetrievalSettings()
        self.max_query_chars = max_query_chars

    # -- single methods --------------------------------------------------------------------

    def dense(self, query: str, k: int, filters: SearchFilters | None) -> list[tuple[int, float]]:
        vector = self.embedder.embed_queries([query])[0]
        return self.store.search_dense(vector, k, filters)

    def lexical(self, query: str, k: int, filters: SearchFilters | None) -> list[tuple[int, float]]:
        s = self.settings
        return self.store.search_lexical(
            lexical_terms(query), k, filters, weights=(s.norm_weight, s.folded_weight)
        )

    def fuzzy(self, query: str, k: int, filters: SearchFilters | None) -> list[tuple[int, float]]:
        """Lexical search over index terms close in spelling to the query's (typos)."""
        query_terms = terms(query, folded=True)
        if not query_terms or len(query_terms) > self.settings.fuzzy_max_tokens:
            return []
        vocab = self.store.vocabulary()
        expanded: list[str] = []
        for term in query_terms:
            if len(term) < 4:
                continue
            matches = process.extract(
                term,
                vocab,
                scorer=fuzz.ratio,
                score_cutoff=self.settings.fuzzy_min_score,
                limit=3,
            )
            expanded.extend(m[0] for m in matches if m[0] != term)
        if not expanded:
            return []
        return self.store.search_lexical(LexicalTerms(norm=[], folded=expanded), k, filters)

    # -- fused -----------------------------------------------------------------------------

    def ranked(
        self,
        query: str,
        filters: SearchFilters | None = None,
        methods: Sequence[Method] = METHODS,
    ) -> dict[Method, list[tuple[int, float]]]:
        """Each method's ranked (row id, raw score) list for an already checked query.

        The query is embedded on a worker thread while the lexical methods run here: the
        embedder and SQLite release the GIL, so a search costs the longer of the two, not both."""
        n = self.settings.candidates
        runners = {"dense": self.dense, "lexical": self.lexical, "fuzzy": self.fuzzy}
        dense = (
            _DENSE_POOL.submit(self.dense, query, n, filters)
            if "dense" in methods and len(methods) > 1
            else None
        )
        done = {m: runners[m](query, n, filters) for m in methods if m != "dense" or not dense}
        if dense is not None:
            done["dense"] = dense.result()
        return {m: done[m] for m in methods}

    def fuse(
        self,
        ranked: dict[Method, list[tuple[int, float]]],
        settings: RetrievalSettings | None = None,
    ) -> list[tuple[int, float, dict]]:
        """The ranked lists fused with these settings' weights (default: the retriever's)."""
        s = settings or self.settings
        weights = {"dense": s.dense_weight, "lexical": s.lexical_weight, "fuzzy": s.fuzzy_weight}
        return zscore_fusion(ranked, weights)

    def search(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        methods: Sequence[Method] = METHODS,
    ) -> list[ScoredChunk]:
        """Top-k chunks for a query; raises QueryError for an empty or oversized query."""
        text = check_query(query, self.max_query_chars)
        if k < 1:
            raise QueryError("k must be at least 1")
        fused = self.fuse(self.ranked(text, filters, methods))[:k]
        chunks = self.store.get_chunks([r for r, _, _ in fused])
        return [
            ScoredChunk(chunk=chunks[r], score=score, scores=parts)
            for r, score, parts in fused
            if r in chunks
        ]


class AlqabiRetriever(BaseRetriever):
    """The hybrid retriever behind langchain's retriever interface."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: HybridRetriever
    k: int = 5
    filters: SearchFilters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=hit.chunk.text,
                metadata={
                    "chunk_id": hit.chunk.chunk_id,
                    "doc_id": hit.chunk.doc_id,
                    "title": hit.chunk.title,
                    "source": hit.chunk.source,
                    "lang": hit.chunk.lang,
                    "score": hit.score,
                },
            )
            for hit in self.retriever.search(query, self.k, self.filters)
        ]
