"""A learned second opinion on refusals: softmax regression over the question's e5 vector.

The wording rules of ``refusal`` catch the phrasings they name; this model catches personal case
advice and off-topic questions worded otherwise ("the jury hears my brother's case next week,
how do we get them to acquit him", "do jurors get lunch"). It is trained by
``python -m evals.refusal_model`` on questions written for it (``evals/training/refusals/``:
personal advice, off topic, and answerable jury-duty questions full of personal context) and on
the FAQ's own paraphrases as answerable ones; a class refuses only at or above its threshold,
chosen on the dev questions so that answerable ones are not refused.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from assistant.answer.models import RefusalReason

MODEL_FILE = Path(__file__).with_name("refusal_model.json")
ANSWERABLE = "answerable"


class RefusalModel(BaseModel, frozen=True):
    """P(class | question vector) = softmax(coef · vector + intercept)."""

    classes: tuple[str, ...]
    coef: tuple[tuple[float, ...], ...]
    intercept: tuple[float, ...]
    # Per refusing class: the probability at or above which the question is refused, when the
    # FAQ's best match is below the score beside it.
    thresholds: dict[str, tuple[float, float]]
    # How and on what it was trained, with its held-out figures.
    trained: dict = {}

    def probabilities(self, vector: np.ndarray) -> dict[str, float]:
        z = np.asarray(self.coef, dtype=np.float32) @ vector.astype(np.float32)
        z = z + np.asarray(self.intercept, dtype=np.float32)
        e = np.exp(z - z.max())
        return dict(zip(self.classes, (e / e.sum()).tolist(), strict=True))

    def decide(self, vector: np.ndarray, faq_score: float) -> RefusalReason | None:
        """The refusal the vector calls for, or None (the most probable refusing class over
        its thresholds)."""
        p = self.probabilities(vector)
        over = [(p[c], c) for c, (t, s) in self.thresholds.items() if p[c] >= t and faq_score < s]
        return RefusalReason(max(over)[1]) if over else None


@lru_cache(maxsize=1)
def refusal_model() -> RefusalModel:
    return RefusalModel.model_validate_json(MODEL_FILE.read_text(encoding="utf-8"))


def save_refusal_model(model: RefusalModel) -> None:
    MODEL_FILE.write_text(
        json.dumps(model.model_dump(mode="json"), ensure_ascii=False) + "\n", encoding="utf-8"
    )
    refusal_model.cache_clear()
