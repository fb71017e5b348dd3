"""Advisory outcome estimates: precedents (kNN) and a classifier, blended, with abstention."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.cases.catalog import Catalog
from assistant.cases.describe import described
from assistant.cases.messages import DISCLAIMER, Abstention, label_rule, reason
from assistant.cases.model import PredictorModel
from assistant.cases.neighbours import Nearest, nearest, vote
from assistant.cases.schemas import Neighbour, PredictFilters, PredictionResponse, PredictRequest
from assistant.core.cases import CATEGORIES, outcomes_for
from assistant.core.embeddings import Embedder
from assistant.core.schemas import Lang


def allowed_classes(classes: list[str], category: str | None) -> np.ndarray:
    """Which classes a case of ``category`` can end in (all of them when it is unknown or has no
    label set of its own here, as in a collection that brings its own outcome labels)."""
    if category is None or category not in CATEGORIES:
        return np.ones(len(classes), dtype=bool)
    return np.isin(classes, outcomes_for(category))


def detect_category(catalog: Catalog, vector: np.ndarray, pool: np.ndarray, k: int) -> str | None:
    """The category of most of the ``k`` acts of ``pool`` nearest to ``vector`` (similarity-
    weighted): a description's category when the user did not give one. It reads only the
    de-identified description's vector, so a name or a gender cannot change it."""
    found = nearest(catalog.vectors, vector, pool, k, -np.inf)
    if not len(found):
        return None
    labels = [str(catalog.categories[i]) for i in found.positions]
    classes = sorted(set(labels))
    shares = vote(labels, np.maximum(found.similarities, 0.0) + 1e-6, classes)
    return classes[int(shares.argmax())]


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
    """Probabilities over the model's classes, the label its rule chooses from them (an index
    into the classes), the precedents behind them, and any abstention."""

    probabilities: np.ndarray
    label: int
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
    # Precedents only among acts that could end as this case can (never a civil outcome's
    # vote for a criminal case).
    allowed = allowed_classes(model.classes, category)
    pool = pool & np.isin(catalog.outcomes, np.asarray(model.classes)[allowed])
    candidates = nearest(catalog.vectors, vector, pool, model.k, -np.inf)
    above = candidates.similarities >= rule.floor
    found = Nearest(candidates.positions[above], candidates.similarities[above])
    labels = [str(catalog.outcomes[i]) for i in found.positions]
    knn = model.knn_probs(labels, found.similarities)
    clf = model.classifier_probs(model.space.encode(vector, category, articles))[0]
    probs = model.combine(knn, clf, allowed)
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
    label = int(model.decision.decide(probs)[0])
    return Estimate(probs, label, found, abstention, figures)


class Predictor:
    """Answers prediction requests with one trained model over one catalog."""

    def __init__(
        self, model: PredictorModel, catalog: Catalog, embedder: Embedder, max_query_chars: int
    ) -> None:
        self.model = model
        self.catalog = catalog
        self.embedder = embedder
        self.max_query_chars = max_query_chars
        # The model is fitted on every eligible act: generated ones make it a demo.
        self.synthetic = bool(catalog.synthetic[eligible(catalog)].any())

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
        masking: dict[str, Any] = {}
        if request.case_id is not None:
            position = self.catalog.position(request.case_id)
            record = self.catalog.records[position]
            vector = self.catalog.vectors[position]
            category, articles, source = record.category, record.articles, "act"
            pool &= self.catalog.others(position) & (self.catalog.categories == category)
            lang = request.lang or default_lang
        else:
            found = described(request.query or "", self.max_query_chars, request.lang, default_lang)
            lang = request.lang or found.lang
            masking = {"query": found.text, "masked": found.masked}
            vector = self.embedder.embed_passages([found.features])[0]
            given = filters.category or []
            if len(given) == 1:
                category, source = given[0], "given"
            else:
                # Several given categories narrow the detection; none leaves it to the acts.
                category, source = (
                    detect_category(self.catalog, vector, pool, self.model.k),
                    "detected",
                )
            articles = filters.article or []
        result = estimate(self.model, self.catalog, vector, category, articles, pool)
        probs = result.probabilities
        m = self.model
        return PredictionResponse(
            **masking,
            category=category,
            category_source=source if category else None,
            synthetic=self.synthetic,
            abstained=result.abstention is not None,
            reason=reason(result.abstention, lang, **result.figures) if result.abstention else None,
            label=None if result.abstention else m.classes[result.label],
            label_rule=label_rule(lang),
            label_weights=m.decision.weights(m.classes),
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
