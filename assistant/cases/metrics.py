"""Classification and calibration metrics of probabilistic predictions."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel
from sklearn.metrics import f1_score

ECE_BINS = 15


class ReliabilityBin(BaseModel):
    """Predictions with top probability in [low, high): their mean confidence and accuracy."""

    low: float
    high: float
    count: int
    confidence: float
    accuracy: float


class Scores(BaseModel):
    """How good a set of predictions is, and how well its probabilities are calibrated."""

    n: int
    accuracy: float
    macro_f1: float
    brier: float
    ece: float


def reliability(
    probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS
) -> list[ReliabilityBin]:
    """Equal-width bins of top-label confidence (empty bins left out)."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    # The last bin is closed so that a confidence of exactly 1.0 is counted.
    which = np.minimum(np.searchsorted(edges, confidence, side="right") - 1, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append(
                ReliabilityBin(
                    low=float(edges[b]),
                    high=float(edges[b + 1]),
                    count=int(mask.sum()),
                    confidence=float(confidence[mask].mean()),
                    accuracy=float(correct[mask].mean()),
                )
            )
    return out


def expected_calibration_error(
    probs: np.ndarray, labels: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Count-weighted mean gap between confidence and accuracy over the bins."""
    n = len(labels)
    return float(
        sum(b.count * abs(b.confidence - b.accuracy) for b in reliability(probs, labels, bins)) / n
    )


def brier(probs: np.ndarray, labels: np.ndarray) -> float:
    """Multi-class Brier score: mean squared distance to the one-hot label (0 best, 2 worst)."""
    onehot = np.eye(probs.shape[1])[labels]
    return float(((probs - onehot) ** 2).sum(axis=1).mean())


def score(probs: np.ndarray, labels: np.ndarray, predicted: np.ndarray | None = None) -> Scores:
    """All metrics of predictions ``probs`` (n × classes) against integer ``labels``: accuracy
    and macro-F1 of the ``predicted`` labels (default the arg-max), Brier and ECE of ``probs``."""
    if predicted is None:
        predicted = probs.argmax(axis=1)
    return Scores(
        n=len(labels),
        accuracy=float((predicted == labels).mean()),
        macro_f1=float(f1_score(labels, predicted, average="macro", zero_division=0)),
        brier=brier(probs, labels),
        ece=expected_calibration_error(probs, labels),
    )
