"""Similar-case search: hybrid retrieval over court acts, aggregated to acts, with deviations."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.cases.catalog import Catalog
from assistant.cases.describe import described
from assistant.cases.deviation import DeviationRule, deviation
from assistant.cases.schemas import (
    CaseFilters,
    CaseHit,
    CaseSearchRequest,
    CaseSearchResponse,
    Deviation,
)
from assistant.cases.snippet import snippet
from assistant.core.cases import CaseText
from assistant.core.config import CaseSettings
from assistant.core.schemas import SearchFilters
from assistant.core.text import terms
from assistant.retrieval import METHODS, HybridRetriever, Method


@dataclass(frozen=True)
class Candidates:
    """Ranked chunk rows per method, the query text (de-identified), which acts may be
    returned, and what was masked in a description."""

    ranked: dict[Method, list[tuple[int, float]]]
    text: str
    keep: np.ndarray | None
    masking: CaseText | None = None


def fuse_scores(
    ranked: Mapping[Method, list[tuple[int, float]]], weights: Mapping[Method, float]
) -> list[tuple[int, float]]:
    """Rows by the weighted sum of each method's min-max normalised score (0 where a method did
    not return the row), best first.

    Score fusion rather than rank fusion: over templated court acts BM25 is nearly decisive, and
    the dense cosine only has to break its near-ties, which ranks alone cannot express
    (evals/cases.py measured both)."""
    fused: dict[int, float] = {}
    for method, hits in ranked.items():
        if not hits or not weights.get(method):
            continue
        scores = np.array([score for _, score in hits])
        low, span = scores.min(), scores.max() - scores.min()
        norm = (scores - low) / span if span > 0 else np.ones_like(scores)
        for (row, _), value in zip(hits, norm, strict=True):
            fused[row] = fused.get(row, 0.0) + weights[method] * float(value)
    return sorted(fused.items(), key=lambda item: item[1], reverse=True)


class CaseSearch:
    """Finds the acts most like a description or like an indexed act."""

    def __init__(
        self, retriever: HybridRetriever, catalog: Catalog, settings: CaseSettings
    ) -> None:
        self.retriever = retriever
        self.weights: dict[Method, float] = {
            "dense": settings.dense_weight,
            "lexical": settings.lexical_weight,
            "fuzzy": settings.fuzzy_weight,
        }
        self.catalog = catalog
        self.settings = settings
        self.rule = DeviationRule(
            neighbours=settings.deviation_neighbours,
            min_neighbours=settings.deviation_min_neighbours,
            share=settings.deviation_share,
            floor=settings.deviation_floor,
        )
        # An act's flag depends only on the catalog and the rule, both fixed for this object.
        self._deviations: dict[int, Deviation | None] = {}

    def store_filters(self, filters: CaseFilters) -> SearchFilters:
        """Store filters for court acts; an article also matches its parts ("УК 188 ч.2")."""
        articles = self.catalog.expand_articles(filters.article) if filters.article else None
        # An article no act cites keeps the filter as given, so that it matches nothing.
        return filters.search_filters(articles or filters.article)

    def candidates(
        self, request: CaseSearchRequest, methods: Sequence[Method] = METHODS
    ) -> Candidates:
        """Each method's ranked chunk rows for the request; QueryError for a bad description,
        CaseNotFound for an unknown case number."""
        filters = self.store_filters(request.filters)
        n = self.retriever.settings.candidates
        if request.case_id is None:
            # Only the de-identified, neutral features are searched (and so embedded, cached).
            found = described(request.query or "", self.retriever.max_query_chars)
            ranked = self.retriever.ranked(found.features, filters, methods)
            return Candidates(ranked, found.text, None, found)
        # The act's own vector and facts stand for it; its own case family is left out.
        position = self.catalog.position(request.case_id)
        text = self.catalog.act(request.case_id).facts
        runners = {
            "dense": lambda: self.retriever.store.search_dense(
                self.catalog.vectors[position], n, filters
            ),
            "lexical": lambda: self.retriever.lexical(text, n, filters),
        }
        ranked = {m: run() for m, run in runners.items() if m in methods}
        return Candidates(ranked, text, self.catalog.others(position))

    def rank(self, found: Candidates, k: int) -> list[tuple[int, int, float]]:
        """The best ``k`` acts as (catalog position, best chunk row, fused score)."""
        return self.best_acts(fuse_scores(found.ranked, self.weights), found.keep, k)

    def best_acts(
        self, rows: Iterable[tuple[int, float]], keep: np.ndarray | None, k: int
    ) -> list[tuple[int, int, float]]:
        """The first ``k`` acts of scored chunk rows (best first), each with its best row; acts
        outside ``keep`` (a mask over the catalog) are passed over."""
        best: dict[int, tuple[int, float]] = {}
        for row, score in rows:
            position = self.catalog.row_act.get(row)
            if position is None or position in best:
                continue
            if keep is not None and not keep[position]:
                continue
            best[position] = (row, score)
            if len(best) == k:
                break
        return [(position, row, score) for position, (row, score) in best.items()]

    def deviation(self, position: int) -> Deviation | None:
        """The deviation flag of the act at ``position`` (computed once)."""
        if position not in self._deviations:
            self._deviations[position] = deviation(self.catalog, position, self.rule)
        return self._deviations[position]

    def search(
        self, request: CaseSearchRequest, methods: Sequence[Method] = METHODS
    ) -> CaseSearchResponse:
        """The ``k`` most similar acts with their outcomes, passages and deviation flags."""
        found = self.candidates(request, methods)
        ranked = self.rank(found, request.k)
        chunks = self.retriever.store.get_chunks([row for _, row, _ in ranked])
        wanted = set(terms(found.text, folded=True))
        results = []
        for position, row, score in ranked:
            record = self.catalog.records[position]
            results.append(
                CaseHit(
                    case_id=record.case_id,
                    title=record.title,
                    court=record.court,
                    collection=record.collection,
                    category=record.category,
                    instance=record.instance,
                    date=record.date,
                    outcome=record.outcome,
                    appeal_outcome=record.appeal_outcome,
                    cassation_outcome=record.cassation_outcome,
                    score=round(score, 6),
                    snippet=snippet(
                        chunks[row].text, wanted, chunks[row].lang, self.settings.snippet_chars
                    ),
                    deviation=self.deviation(position),
                    synthetic=record.synthetic,
                )
            )
        summary = Counter(hit.outcome for hit in results if hit.outcome)
        masking = (
            {"query": found.masking.text, "masked": found.masking.masked} if found.masking else {}
        )
        return CaseSearchResponse(
            **masking,
            results=results,
            outcome_summary=dict(summary.most_common()),
            synthetic=any(hit.synthetic for hit in results),
        )
