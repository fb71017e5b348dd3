"""The label shown next to the probabilities: a cost-weighted arg-max chosen on training acts.

The probabilities stay calibrated (fitted by log-loss); the label is a separate decision. With
one outcome far more common than the others, a calibrated probability seldom puts a minority
outcome first, so the plain arg-max almost always names the majority. The rule here weighs each
class's probability (label = arg-max of p_c · w_c) with weights that maximise macro-F1 on the
training acts' cross-fitted probabilities, never on the acts being evaluated.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel
from sklearn.metrics import f1_score

# Log-weights tried per class: weights from e^-3 to e^3, in steps of e^0.1.
GRID = np.round(np.arange(-3.0, 3.0001, 0.1), 2)
PASSES = 3
# A weight moves away from 1 only for at least this much macro-F1 on the training acts: a
# smaller gain on a few hundred acts is noise.
MIN_GAIN = 0.005


class DecisionRule(BaseModel):
    """Per-class log-weights of the label rule (all zero: the plain arg-max)."""

    log_weights: list[float]

    def decide(self, probs: np.ndarray) -> np.ndarray:
        """The label index of each row of ``probs`` (n × classes, or one row); a class of zero
        probability (not allowed for the case) is never chosen."""
        return _decide(np.atleast_2d(probs), np.asarray(self.log_weights))

    def weights(self, classes: list[str]) -> dict[str, float]:
        """The weights by class, the largest scaled to 1 (what the response shows)."""
        w = np.exp(np.asarray(self.log_weights) - max(self.log_weights))
        return {c: round(float(x), 4) for c, x in zip(classes, w, strict=True)}


def _decide(probs: np.ndarray, log_weights: np.ndarray) -> np.ndarray:
    scores = np.where(probs > 0, np.log(np.maximum(probs, 1e-300)) + log_weights, -np.inf)
    return scores.argmax(axis=1)


def _macro_f1(labels: np.ndarray, predicted: np.ndarray) -> float:
    return float(f1_score(labels, predicted, average="macro", zero_division=0))


def choose_rule(probs: np.ndarray, labels: np.ndarray) -> DecisionRule:
    """Log-weights maximising macro-F1 of ``probs`` (cross-fitted probabilities of training
    acts) against their ``labels``, by coordinate ascent over ``GRID``; the majority class keeps
    weight 1, and a weight changes only for a gain of at least ``MIN_GAIN``, to the weight
    nearest 1 among those within ``MIN_GAIN`` of the best."""
    n_classes = probs.shape[1]
    log_weights = np.zeros(n_classes)
    present = np.bincount(labels, minlength=n_classes)
    best = _macro_f1(labels, _decide(probs, log_weights))
    for _ in range(PASSES):
        moved = False
        for c in range(n_classes):
            if c == int(present.argmax()) or not present[c]:
                continue
            scores = []
            for value in GRID:
                trial = log_weights.copy()
                trial[c] = value
                scores.append(_macro_f1(labels, _decide(probs, trial)))
            top = max(scores)
            if top < best + MIN_GAIN:
                continue
            # Of the weights within MIN_GAIN of the best, the one nearest 1.
            value = min(
                (v for v, f in zip(GRID, scores, strict=True) if f >= top - MIN_GAIN), key=abs
            )
            if value != log_weights[c]:
                log_weights[c] = value
                best = _macro_f1(labels, _decide(probs, log_weights))
                moved = True
        if not moved:
            break
    return DecisionRule(log_weights=[float(w) for w in log_weights])
