"""FAQ matching: the entries in the question's language, each scored on five signals.

* fuzzy: rapidfuzz on folded, stemmed text against the entry's question variants (canonical
  question and paraphrases), best variant; Kazakh typed without Kazakh letters still matches;
* dense: cosine to the closest variant, both embedded as e5 queries (question to question is a
  symmetric task: measured on the FAQ and the dev gold questions, "query:" on both sides ranks
  better than the variants as passages);
* passage: cosine to the indexed FAQ chunk (canonical question and answer, an e5 passage);
* overlap: the IDF-weighted share of the question's terms found in the entry (variants and
  answer);
* qtype: 1 when a variant asks for the same kind of answer (an amount, a time, a person... see
  ``cues``) about the same thing, 0.5 when only the kind agrees, else 0: it breaks near ties
  between entries on one subject ("сколько присяжных" vs "что такое суд присяжных").

Only entries in the question's language compete: the same entry in three languages would
otherwise fill the top places and tie with itself. A group with no entry in that language
competes with its Russian (else any) version, so the group (``faq-<slug>``) is the fallback
across languages.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import get_args

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz, process

from assistant.answer.cues import question_cues
from assistant.answer.sentences import cached_vectors
from assistant.core.embeddings import Embedder
from assistant.core.query import Query
from assistant.core.schemas import Lang, SourceDocument
from assistant.core.text import fold, terms


class Weights(BaseModel, frozen=True):
    """How the signals add up to one score."""

    fuzzy: float
    dense: float
    passage: float
    overlap: float
    qtype: float = 0.0


class Calibration(BaseModel, frozen=True):
    """Where a question's FAQ score sends it."""

    weights: Weights
    # At or above: answered with the FAQ entry; below: extractive, from the guidance on its topic.
    threshold: float
    # Below, for a question with a jury word: nothing in the FAQ is about it, and the FAQ covers
    # every guidance topic, so it is refused as unsupported.
    support_min: float
    # Below, for a question without one (``cues.about_jury``): refused as off topic.
    off_topic_min: float
    # An FAQ answer whose runner-up on the same topic is closer than this names it ("see also").
    see_also: float


# Chosen by `python -m evals.answers --calibrate` on the dev half of the gold and refusal
# questions (kk, ru, en; split by id; see `calibrate` in evals/answers.py), which prints them,
# over a store indexed as `make index` indexes (the fast ONNX build:
# ALQABI_EMBEDDER_INDEX_BACKEND=st ALQABI_EMBEDDER_MODEL_PATH=var/models/e5-small-st; the FAQ
# passage vectors come from the store, and the margins between entries are a few thousandths):
# the weights that let most dev questions through to the FAQ at >= 95% precision; then the
# thresholds and the see-also margin that maximise the dev answers' hit@1 plus key-fact
# coverage through the engine, keeping refusal precision and recall >= 0.90 and the FAQ
# threshold above the support one. The score is only compared with thresholds calibrated on
# the same scale.
WEIGHTS = Weights(fuzzy=0.0, dense=0.6, passage=0.4, overlap=0.05, qtype=0.02)
CALIBRATION = Calibration(
    weights=WEIGHTS, threshold=0.905, support_min=0.9, off_topic_min=0.915, see_also=0.015
)
# A lead over the next entry below this is a near tie (lower confidence).
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
    # Lead over the next entry: a near tie means the question sits between two entries.
    margin: float
    runner_up: str | None = None
    runner_up_score: float = 0.0
    signals: dict[str, float]


def match_key(text: str, lang: Lang | None = None) -> str:
    """What fuzzy matching compares: folded, stemmed words without stopwords."""
    return " ".join(terms(text, lang, folded=True))


def fuzzy_scores(key: str, keys: list[str]) -> np.ndarray:
    """Fuzzy similarity in [0, 1] of a (``match_key``-ed) question to each variant key.

    token_set rewards a question whose words are all in a variant (short questions);
    token_sort keeps a one-word question from matching every long variant that contains it.
    """
    if not key or not keys:
        return np.zeros(len(keys), dtype=np.float32)
    both = [
        process.cdist([key], keys, scorer=scorer, dtype=np.float32)[0]
        for scorer in (fuzz.token_set_ratio, fuzz.token_sort_ratio)
    ]
    return (both[0] + both[1]) / 200.0


def _cue_agreement(asked: dict[str, frozenset[str]], cues: dict[str, set[str]]) -> float:
    shared = [kind for kind in asked if kind in cues]
    if not shared:
        return 0.0
    return 1.0 if any(asked[kind] & cues[kind] for kind in shared) else 0.5


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
        self.topics = {e.group: e.topic for e in self.entries}
        pairs = [(v, i) for i, e in enumerate(self.entries) for v in e.variants]
        self.variants = [v for v, _ in pairs]
        self._variant_entry = np.asarray([i for _, i in pairs], dtype=np.int64)
        self._keys = [match_key(v, self.entries[i].lang) for v, i in pairs]
        self._vectors = cached_vectors(embedder, store_dir, self.variants, "query")
        self._passages = passages.astype(np.float32)
        self._bags = [
            {t for text in (*e.variants, e.text) for t in terms(text, e.lang, folded=True)}
            for e in self.entries
        ]
        self._cues: list[dict[str, set[str]]] = [{} for _ in self.entries]
        for variant, i in pairs:
            for kind, focus in question_cues(fold(variant)).items():
                self._cues[i].setdefault(kind, set()).update(focus)
        self._candidates: dict[Lang, np.ndarray] = {
            lang: self._pick_candidates(lang) for lang in get_args(Lang)
        }
        # Inverse document frequency of terms over the entries each language competes among.
        self._idf: dict[Lang, dict[str, float]] = {}
        for lang, candidates in self._candidates.items():
            df = Counter(t for i in candidates for t in self._bags[i])
            self._idf[lang] = {t: math.log(len(candidates) / n) for t, n in df.items()}

    def __len__(self) -> int:
        return len(self.entries)

    def _pick_candidates(self, lang: Lang) -> np.ndarray:
        """One entry per group: in ``lang``, else Russian, else the first there is."""
        by_group: dict[str, dict[Lang | None, int]] = {}
        for i, e in enumerate(self.entries):
            by_group.setdefault(e.group, {})[e.lang] = i
        picked = []
        for group in self.groups:
            versions = by_group[group]
            order = [w for w in (lang, "ru", "kk") if w in versions]
            picked.append(versions[order[0]] if order else next(iter(versions.values())))
        return np.asarray(picked, dtype=np.int64)

    def signals(self, query: Query, vector: np.ndarray) -> dict[str, np.ndarray]:
        """Each signal per group (in ``self.groups`` order), over the entries ``lang`` sees."""
        lang = query.lang
        candidates = self._candidates[lang]
        slot_of = np.full(len(self.entries), -1, dtype=np.int64)
        slot_of[candidates] = np.arange(len(candidates))
        slots = slot_of[self._variant_entry]
        ids = np.flatnonzero(slots >= 0)
        vector = vector.astype(np.float32)

        def best_variant(values: np.ndarray) -> np.ndarray:
            out = np.full(len(candidates), -1.0, dtype=np.float32)
            np.maximum.at(out, slots[ids], values.astype(np.float32))
            return out

        key = " ".join(query.terms)
        asked = question_cues(query.folded)
        return {
            "fuzzy": best_variant(fuzzy_scores(key, [self._keys[v] for v in ids])),
            "dense": best_variant(self._vectors[ids] @ vector),
            "passage": self._passages[candidates] @ vector,
            "overlap": self._overlap(set(key.split()), candidates, self._idf[lang]),
            "qtype": np.asarray(
                [_cue_agreement(asked, self._cues[i]) for i in candidates], dtype=np.float32
            ),
        }

    def _overlap(
        self, asked: set[str], candidates: np.ndarray, idf: dict[str, float]
    ) -> np.ndarray:
        unseen = math.log(max(len(candidates), 1))
        weight = {t: idf.get(t, unseen) for t in asked}
        total = sum(weight.values()) or 1.0
        return np.asarray(
            [sum(w for t, w in weight.items() if t in self._bags[i]) / total for i in candidates],
            dtype=np.float32,
        )

    @staticmethod
    def combine(signals: dict[str, np.ndarray], weights: Weights = WEIGHTS) -> np.ndarray:
        return sum(getattr(weights, name) * values for name, values in signals.items())

    def best(
        self, query: Query, vector: np.ndarray, weights: Weights = WEIGHTS
    ) -> FaqMatch | None:
        """The best-scoring group for a question among its language's entries, or None for an
        empty FAQ."""
        if not self.groups:
            return None
        signals = self.signals(query, vector)
        combined = self.combine(signals, weights)
        order = np.argsort(-combined)
        first = int(order[0])
        second = int(order[1]) if len(order) > 1 else None
        runner_up_score = float(combined[second]) if second is not None else 0.0
        return FaqMatch(
            group=self.groups[first],
            topic=self.topics.get(self.groups[first]),
            score=float(combined[first]),
            margin=float(combined[first]) - runner_up_score if second is not None else 1.0,
            runner_up=self.groups[second] if second is not None else None,
            runner_up_score=runner_up_score,
            signals={name: round(float(values[first]), 4) for name, values in signals.items()},
        )
