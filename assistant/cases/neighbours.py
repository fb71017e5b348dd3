"""Nearest acts by cosine similarity of act vectors, and their similarity-weighted vote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Nearest:
    """Catalog positions of the nearest acts (most similar first) and their similarities."""

    positions: np.ndarray
    similarities: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)

    def top(self, k: int, floor: float) -> Nearest:
        """The first ``k`` of these at or above ``floor``: what ``nearest`` with that ``k`` and
        ``floor`` returns when these were found with a larger ``k`` and a lower ``floor``."""
        keep = self.similarities[:k] >= floor
        return Nearest(self.positions[:k][keep], self.similarities[:k][keep])


def nearest(
    vectors: np.ndarray, query: np.ndarray, allowed: np.ndarray, k: int, floor: float
) -> Nearest:
    """The ``k`` acts among ``allowed`` (a boolean mask) most similar to ``query``, at or above
    ``floor``."""
    sims = np.where(allowed, vectors @ query, -np.inf)
    k = min(k, int(allowed.sum()))
    if k <= 0:
        return Nearest(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.argsort(-sims[top], kind="stable")]
    top = top[sims[top] >= floor]
    return Nearest(top, sims[top])


def vote(labels: Sequence[str], weights: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Each class's share of the total weight of the labels that voted for it."""
    index = {c: i for i, c in enumerate(classes)}
    totals = np.zeros(len(classes))
    for label, weight in zip(labels, weights, strict=True):
        totals[index[label]] += weight
    total = totals.sum()
    return totals / total if total > 0 else totals
