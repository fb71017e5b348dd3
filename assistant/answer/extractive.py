"""Extractive answers: the sentences of a guidance document that best answer a question.

Sentences are scored by cosine similarity to the question plus the share of the question's
terms they contain (the small embedder alone misses a sentence that names exactly what was
asked), and picked by maximal marginal relevance, so a second sentence adds something rather
than repeating the first; the picked sentences are shown in document order.
"""

from __future__ import annotations

import numpy as np

from assistant.answer.knowledge import DocSentences
from assistant.core.query import Query
from assistant.core.text import terms

MAX_WORDS = 80
MIN_SENTENCES = 2
MAX_SENTENCES = 4
# MMR trade-off between relevance and novelty.
MMR_LAMBDA = 0.75
# After the minimum, a sentence this much less similar than the best one is not worth adding.
DROP_OFF = 0.04
# Weight of the term share next to the cosine similarity.
TERM_WEIGHT = 0.1


def _words(sentence: str) -> int:
    return len(sentence.split())


def relevance(query: Query, vector: np.ndarray, doc: DocSentences) -> np.ndarray:
    """How well each sentence answers the question."""
    asked = set(query.terms)
    shares = [
        len(asked & set(terms(s, folded=True))) / len(asked) if asked else 0.0
        for s in doc.sentences
    ]
    return doc.vectors @ vector + TERM_WEIGHT * np.asarray(shares, dtype=np.float32)


def select(query: Query, vector: np.ndarray, doc: DocSentences) -> list[int]:
    """Indices (in document order) of 2–4 sentences, at most ~MAX_WORDS words together."""
    if not doc.sentences:
        return []
    scores = relevance(query, vector, doc)
    similarity = doc.vectors @ doc.vectors.T
    chosen: list[int] = []
    words = 0
    candidates = set(range(len(doc.sentences)))
    best = float(scores.max())
    while candidates and len(chosen) < MAX_SENTENCES:

        def mmr(i: int) -> float:
            novelty = max((similarity[i, j] for j in chosen), default=0.0)
            return MMR_LAMBDA * scores[i] - (1 - MMR_LAMBDA) * novelty

        pick = max(candidates, key=mmr)
        candidates.discard(pick)
        size = _words(doc.sentences[pick])
        if chosen and words + size > MAX_WORDS:
            continue
        if len(chosen) >= MIN_SENTENCES and scores[pick] < best - DROP_OFF:
            break
        chosen.append(pick)
        words += size
    return sorted(chosen)


def compose(doc: DocSentences, indices: list[int]) -> str:
    """The picked sentences as one paragraph."""
    return " ".join(doc.sentences[i] for i in indices)
