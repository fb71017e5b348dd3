"""FAQ matching: every FAQ entry is scored against a question on four signals.

* fuzzy: rapidfuzz on folded, stemmed text of the question and the entry's question variants
  (canonical question and paraphrases), so Kazakh typed without Kazakh letters still matches;
* dense: cosine of the question to the variants, all embedded as e5 queries;
* passage: cosine of the question to the indexed FAQ chunk (question and answer, an e5 passage);
* overlap: the IDF-weighted share of the question's terms found anywhere in the entry.

Entries of both languages count: the group (``faq-<slug>``) ties the language versions together,
and a group scores as its best entry.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz, process

from assistant.answer.sentences import cached_vectors
from assistant.core.embeddings import Embedder
from assistant.core.schemas import Lang, SourceDocument
from assistant.core.text import terms


class Weights(BaseModel, frozen=True):
    """How the four signals add up to one score."""

    fuzzy: float
    dense: float
    passage: float
    overlap: float


# Weights and thresholds chosen by `python -m evals.answers --calibrate` on one half of the
# gold and refusal questions (split by id; see `calibrate` in evals/answers.py): the weights
# that let most questions through to the FAQ at >= 95% precision, and the lowest threshold that
# keeps that precision (held-out half: 0.89). The score is only compared with thresholds
# calibrated on the same scale.
WEIGHTS = Weights(fuzzy=0.05, dense=0.6, passage=0.4, overlap=0.05)
# At or above: answered with the FAQ entry; below: extractive, from the guidance on its topic.
THRESHOLD = 0.96
# Below: nothing in the FAQ is about the question, and the FAQ covers every guidance topic, so
# it is refused. The highest score that keeps 98% of the gold questions answerable; it refuses
# every off-topic prompt in both halves.
SUPPORT_MIN = 0.91
# A lead over the next group below this is a near tie: FAQ answers with a lead of at least this
# were all right on the gold set, those with less about 3 in 4 (lower confidence; answering them
# from the guidance instead lost more key facts than it gained right topics).
CLOSE_MARGIN = 0.02


class FaqEntry(BaseModel):
    """One FAQ document in one language."""

    doc_id: str
    group: str
    lang: Lang | None
    topic: str | None = None
    title: str
    text: str
    variants: list[str]

    @classmethod
    def from_document(cls, doc: SourceDocument) -> FaqEntry:
        meta = doc.metadata
        paraphrases = [str(p) for p in meta.get("paraphrases") or [] if str(p).strip()]
        return cls(
            doc_id=doc.doc_id,
            group=str(meta.get("group") or doc.doc_id),
            lang=doc.lang,
            topic=meta.get("topic"),
            title=doc.title,
            text=doc.text,
            variants=list(dict.fromkeys([doc.title, *paraphrases])),
        )


class FaqMatch(BaseModel):
    """A FAQ group, how well it matched a question, and the signals behind the score."""

    group: str
    topic: str | None
    score: float
    # Lead over the next group: a near tie means the question sits between two entries.
    margin: float
    signals: dict[str, float]


def match_key(text: str) -> str:
    """What fuzzy matching compares: folded, stemmed words without stopwords."""
    return " ".join(terms(text, folded=True))


def fuzzy_scores(question: str, keys: list[str]) -> np.ndarray:
    """Fuzzy similarity in [0, 1] of a question to each (``match_key``-ed) variant.

    token_set rewards a question whose words are all in a variant (short questions);
    token_sort keeps a one-word question from matching every long variant that contains it.
    """
    key = match_key(question)
    if not key or not keys:
        return np.zeros(len(keys), dtype=np.float32)
    both = [
        process.cdist([key], keys, scorer=scorer, dtype=np.float32)[0]
        for scorer in (fuzz.token_set_ratio, fuzz.token_sort_ratio)
    ]
    return (both[0] + both[1]) / 200.0


def _group_max(values: np.ndarray, owners: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, -1.0, dtype=np.float32)
    np.maximum.at(out, owners, values.astype(np.float32))
    return out


class FaqIndex:
    """The FAQ of one store snapshot, ready to score questions against."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        passages: np.ndarray,
        embedder: Embedder,
        store_dir: Path,
    ) -> None:
        """``passages[i]`` is the stored chunk vector of ``entries[i]``."""
        self.entries = list(entries)
        self.groups = list(dict.fromkeys(e.group for e in self.entries))
        index = {g: i for i, g in enumerate(self.groups)}
        self._entry_group = np.asarray([index[e.group] for e in self.entries], dtype=np.int64)
        self.topics = {e.group: e.topic for e in self.entries}
        variants = [(v, index[e.group]) for e in self.entries for v in e.variants]
        self.variants = [v for v, _ in variants]
        self._variant_group = np.asarray([g for _, g in variants], dtype=np.int64)
        self._keys = [match_key(v) for v in self.variants]
        self._vectors = cached_vectors(embedder, store_dir, self.variants, "query")
        self._passages = passages
        bags: dict[int, set[str]] = {}
        for e in self.entries:
            words = {t for text in (*e.variants, e.text) for t in terms(text, folded=True)}
            bags.setdefault(index[e.group], set()).update(words)
        self._bags = [bags[i] for i in range(len(self.groups))]
        df = Counter(t for bag in self._bags for t in bag)
        self._idf = {t: math.log(len(self.groups) / n) for t, n in df.items()}
        self._unseen_idf = math.log(max(len(self.groups), 1))

    def __len__(self) -> int:
        return len(self.entries)

    def _overlap(self, question: str) -> np.ndarray:
        asked = set(terms(question, folded=True))
        weight = {t: self._idf.get(t, self._unseen_idf) for t in asked}
        total = sum(weight.values()) or 1.0
        return np.asarray(
            [sum(w for t, w in weight.items() if t in bag) / total for bag in self._bags],
            dtype=np.float32,
        )

    def signals(self, question: str, vector: np.ndarray) -> dict[str, np.ndarray]:
        """Each signal per group (in ``self.groups`` order)."""
        n = len(self.groups)
        vector = vector.astype(np.float32)
        return {
            "fuzzy": _group_max(fuzzy_scores(question, self._keys), self._variant_group, n),
            "dense": _group_max(self._vectors @ vector, self._variant_group, n),
            "passage": _group_max(self._passages @ vector, self._entry_group, n),
            "overlap": self._overlap(question),
        }

    @staticmethod
    def combine(signals: dict[str, np.ndarray], weights: Weights = WEIGHTS) -> np.ndarray:
        return sum(getattr(weights, name) * values for name, values in signals.items())

    def best(self, question: str, vector: np.ndarray) -> FaqMatch | None:
        """The best-scoring group, or None for an empty FAQ."""
        if not self.groups:
            return None
        signals = self.signals(question, vector)
        combined = self.combine(signals)
        order = np.argsort(-combined)
        i = int(order[0])
        group = self.groups[i]
        return FaqMatch(
            group=group,
            topic=self.topics.get(group),
            score=float(combined[i]),
            margin=float(combined[i] - combined[order[1]]) if len(order) > 1 else 1.0,
            signals={name: round(float(values[i]), 4) for name, values in signals.items()},
        )
