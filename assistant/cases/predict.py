"""Advisory outcome estimates: precedents (kNN) and a classifier, blended, with abstention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.cases.catalog import Catalog
from assistant.cases.messages import DISCLAIMER, Abstention, reason
from assistant.cases.model import PredictorModel
from assistant.cases.neighbours import Nearest, nearest
from assistant.cases.schemas import Neighbour, PredictFilters, PredictionResponse, PredictRequest
from assistant.core.cases import neutral_text, outcomes_for
from assistant.core.embeddings import Embedder
from assistant.core.schemas import Lang
from assistant.core.text import detect_lang
from assistant.retrieval import check_query


def allowed_classes(classes: list[str], category: str | None) -> np.ndarray:
    """Which classes a case of ``category`` can end in (all of them when it is unknown)."""
    if category is None:
        return np.ones(len(classes), dtype=bool)
    return np.isin(classes, outcomes_for(category))


def eligible(catalog: Catalog) -> np.ndarray:
    """First-instance acts with a category and an outcome: the precedents and training examples
    (a review act's outcome answers another question, and its text names the lower court).
    Collections label outcomes differently, so the model learns from one: the collection with
    the most such acts."""
    decided = (
        (catalog.instances == "first")
        & (catalog.outcomes != None)  # noqa: E711 - elementwise on object arrays
        & (catalog.categories != None)  # noqa: E711
    )
    names, counts = np.unique(catalog.collections[decided].astype(str), return_counts=True)
    if not len(names):
        return decided
    return decided & (catalog.collections == names[int(np.argmax(counts))])


@dataclass(frozen=True)
class Estimate:
    """Probabilities over the model's classes, the precedents behind them, and any abstention."""

    probabilities: np.ndarray
    precedents: Nearest
    abstention: Abstention | None
    figures: dict[str, Any]


def estimate(
    model: PredictorModel,
    catalog: Catalog,
    vector: np.ndarray,
    category: str | None,
    articles: list[str],
    pool: np.ndarray,
) -> Estimate:
    """The blended estimate for one act vector with its structured features, precedents drawn
    from ``pool`` (a mask over the catalog)."""
    rule = model.abstention
    pool = pool & np.isin(catalog.outcomes, model.classes)
    candidates = nearest(catalog.vectors, vector, pool, model.k, -np.inf)
    above = candidates.similarities >= rule.floor
    found = Nearest(candidates.positions[above], candidates.similarities[above])
    labels = [str(catalog.outcomes[i]) for i in found.positions]
    knn = model.knn_probs(labels, found.similarities)
    clf = model.classifier_probs(model.space.encode(vector, category, articles))[0]
    probs = model.combine(knn, clf, allowed_classes(model.classes, category))
    best = float(candidates.similarities[0]) if len(candidates) else 0.0
    figures: dict[str, Any] = {"similarity": best, "floor": rule.floor}
    abstention = None
    if best < rule.floor:
        abstention = Abstention.OUT_OF_DOMAIN
    elif len(found) < rule.min_precedents:
        abstention = Abstention.FEW_PRECEDENTS
        figures = {"count": len(found), "needed": rule.min_precedents}
    elif probs.max() < rule.min_confidence:
        abstention = Abstention.LOW_CONFIDENCE
        figures = {"confidence": float(probs.max()), "threshold": rule.min_confidence}
    return Estimate(probs, found, abstention, figures)


class Predictor:
    """Answers prediction requests with one trained model over one catalog."""

    def __init__(
        self, model: PredictorModel, catalog: Catalog, embedder: Embedder, max_query_chars: int
    ) -> None:
        self.model = model
        self.catalog = catalog
        self.embedder = embedder
        self.max_query_chars = max_query_chars

    def _pool(self, filters: PredictFilters) -> np.ndarray:
        pool = eligible(self.catalog)
        if filters.category:
            pool &= np.isin(self.catalog.categories, filters.category)
        if filters.article:
            refs = set(self.catalog.expand_articles(filters.article))
            pool &= np.array([not refs.isdisjoint(r.articles) for r in self.catalog.records])
        return pool

    def predict(self, request: PredictRequest, default_lang: Lang = "kk") -> PredictionResponse:
        """An estimate for a description or an indexed act; QueryError for a bad description,
        CaseNotFound for an unknown case number."""
        filters = request.filters
        pool = self._pool(filters)
        if request.case_id is not None:
            position = self.catalog.position(request.case_id)
            record = self.catalog.records[position]
            vector = self.catalog.vectors[position]
            category, articles = record.category, record.articles
            pool &= self.catalog.others(position) & (self.catalog.categories == category)
            lang = request.lang or default_lang
        else:
            text = check_query(request.query or "", self.max_query_chars)
            lang = request.lang or detect_lang(text, default_lang)
            vector = self.embedder.embed_passages([neutral_text(text, lang)])[0]
            category = (
                filters.category[0] if filters.category and len(filters.category) == 1 else None
            )
            articles = filters.article or []
        result = estimate(self.model, self.catalog, vector, category, articles, pool)
        probs = result.probabilities
        m = self.model
        return PredictionResponse(
            abstained=result.abstention is not None,
            reason=reason(result.abstention, lang, **result.figures) if result.abstention else None,
            label=None if result.abstention else m.classes[int(probs.argmax())],
            probabilities={
                c: round(float(p), 4) for c, p in zip(m.classes, probs, strict=True) if p > 0
            },
            precedents=[
                Neighbour(
                    case_id=self.catalog.records[i].case_id,
                    outcome=self.catalog.records[i].outcome,
                    similarity=round(float(s), 4),
                )
                for i, s in zip(
                    result.precedents.positions, result.precedents.similarities, strict=True
                )
            ],
            baseline=m.baseline,
            metrics=m.metrics,
            model_version=m.version,
            disclaimer=DISCLAIMER[lang],
        )
