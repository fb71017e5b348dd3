"""The trained outcome predictor as plain data: JSON in, JSON out, never executable on load."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, model_validator

from assistant.cases.decision import DecisionRule
from assistant.cases.metrics import ReliabilityBin
from assistant.cases.neighbours import vote
from assistant.cases.schemas import Baseline, ModelMetrics

FORMAT = 3


def article_tokens(refs: Sequence[str]) -> set[str]:
    """Article refs with their bare article too: "УК 188 ч.2" → {"УК 188 ч.2", "УК 188"}."""
    return {t for ref in refs for t in (ref, ref.split(" ч.")[0])}


class FeatureSpace(BaseModel):
    """Structured features next to the text vector: category and articles, one-hot.

    Court, region, judge, names and gender are not here and must never be added.
    """

    categories: list[str]
    articles: list[str]

    def encode(
        self,
        vector: np.ndarray,
        category: str | None,
        articles: Sequence[str],
    ) -> np.ndarray:
        """One feature row; an unknown or missing value leaves its block at zero."""
        structured = np.zeros(len(self.categories) + len(self.articles))
        if category in self.categories:
            structured[self.categories.index(category)] = 1.0
        offset = len(self.categories)
        for token in article_tokens(articles):
            if token in self.articles:
                structured[offset + self.articles.index(token)] = 1.0
        return np.concatenate([np.asarray(vector, dtype=np.float64), structured])


class Fold(BaseModel):
    """One rolling origin: a model fitted on the ``train`` acts up to ``train_until`` predicted
    the next ``test`` acts, up to ``test_until``, with these figures; ``decision`` is the label
    rule that model chose on its own training acts."""

    train: int
    test: int
    train_until: str | None
    test_until: str | None
    accuracy: float
    macro_f1: float
    ece: float
    decision: DecisionRule


class TimeSplit(BaseModel):
    """How the figures were measured: rolling origins over the date-ordered acts, each
    predicting the next block from older acts only; the model itself is fitted on all ``acts``."""

    acts: int
    folds: list[Fold]


class AbstentionRule(BaseModel):
    """No estimate below ``floor`` similarity, with fewer than ``min_precedents`` precedents above
    it, or when the top probability is under ``min_confidence``."""

    floor: float
    min_precedents: int
    min_confidence: float


class PredictorModel(BaseModel):
    """Classifier weights, kNN and blending parameters, the label rule, and the evaluation
    behind them."""

    format: int = FORMAT
    version: str
    trained_at: str
    snapshot: str
    embedder: str
    data_hash: str
    split: TimeSplit
    classes: list[str]
    space: FeatureSpace
    coef: list[list[float]]
    intercept: list[float]
    k: int
    sharpness: float
    blend: float
    temperature: float
    decision: DecisionRule
    abstention: AbstentionRule
    baseline: Baseline
    metrics: ModelMetrics
    reliability: list[ReliabilityBin]

    @model_validator(mode="after")
    def _shapes(self) -> PredictorModel:
        width = len(self.coef[0]) if self.coef else 0
        rows = len(self.classes) if len(self.classes) > 2 else 1
        if self.format != FORMAT or len(self.coef) != rows or len(self.intercept) != rows:
            raise ValueError("predictor file has another format or inconsistent weights")
        if any(len(row) != width for row in self.coef):
            raise ValueError("predictor weights are ragged")
        if len(self.decision.log_weights) != len(self.classes):
            raise ValueError("predictor label rule does not match its classes")
        return self

    def classifier_probs(self, features: np.ndarray) -> np.ndarray:
        """Multinomial logistic probabilities (n × classes) of feature rows."""
        logits = np.atleast_2d(features) @ np.asarray(self.coef).T + np.asarray(self.intercept)
        if logits.shape[1] == 1:  # scikit-learn keeps one weight row for two classes
            logits = np.hstack([np.zeros_like(logits), logits])
        return softmax(logits)

    def knn_probs(self, labels: Sequence[str], similarities: np.ndarray) -> np.ndarray:
        """Kernel-weighted vote of precedents (see ``knn_probs``)."""
        return knn_probs(self.classes, self.sharpness, labels, similarities)

    def combine(self, knn: np.ndarray, clf: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Log-linear blend of the two, restricted to ``allowed`` classes, temperature-scaled."""
        return blend_probs(knn, clf, allowed, self.blend, self.temperature)

    def save(self, path: Path) -> None:
        """Write atomically as JSON."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.model_dump(mode="json"), ensure_ascii=False), "utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PredictorModel:
        """Read and validate a saved model (plain JSON: nothing in it can run)."""
        return cls.model_validate_json(path.read_bytes())


def knn_probs(
    classes: Sequence[str], sharpness: float, labels: Sequence[str], similarities: np.ndarray
) -> np.ndarray:
    """Vote of precedents weighted by exp(sharpness · (similarity − 1)), shrunk towards uniform
    by one pseudo-vote."""
    weights = np.exp(sharpness * (np.asarray(similarities) - 1.0))
    n = len(labels)
    return (n * vote(labels, weights, classes) + 1.0 / len(classes)) / (n + 1)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def blend_probs(
    knn: np.ndarray, clf: np.ndarray, allowed: np.ndarray, blend: float, temperature: float
) -> np.ndarray:
    """softmax((blend·log knn + (1 − blend)·log clf) / temperature) over allowed classes."""
    logits = blend * np.log(np.maximum(knn, 1e-12)) + (1 - blend) * np.log(np.maximum(clf, 1e-12))
    logits = np.where(allowed, logits / temperature, -np.inf)
    return softmax(logits)
