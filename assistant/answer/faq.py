"""FAQ matching: a pairwise classifier gives each entry of the question's language the
probability that it answers the question, from eight features of the (question, entry) pair:

* dense: cosine to the closest of the entry's question variants (canonical question and
  paraphrases, in Cyrillic), both embedded as e5 queries; passage: cosine to the indexed FAQ
  chunk (question and answer, an e5 passage);
* chars: cosine of character 2-4-gram TF-IDF vectors of the folded Cyrillic texts, closest
  variant (holds on typos, translit and Kazakh typed without its letters);
* each of these three also as its gap to the best entry's (how far behind the leader);
* overlap: the IDF-weighted share of the question's terms found in one variant and the answer
  together (the best variant);
* qtype: per kind of answer the question asks for (an amount, a time, a person, money, a
  consequence... see ``cues``), 1 when a variant asks it about the same thing, 0.5 when only the
  kind agrees, else 0, averaged; read on the sentence that asks (``Query.focus``: a long
  message tells its context first).

The features do not name entries, so the model (``faq_model.json``: logistic regression trained
by ``python -m evals.faq_model`` on the FAQ's paraphrases, each left out of its own entry, and
generated variants: other scripts, folded, typos, dropped words; against each question's closest
groups) holds for entries it was not
trained on, and a new FAQ takes effect by building a new index (``AnswerEngine.reload_faq``),
no refit. The probability is calibrated (log loss on held-out groups); the thresholds that
send a question to the FAQ answer, the guidance or a refusal are chosen on the dev half of the
gold questions (``python -m evals.answers --calibrate``) and kept in the same file.

Only entries in the question's language compete: the same entry in three languages would
otherwise fill the top places and tie with itself. A group with no entry in that language
competes with its Russian (else any) version, so the group (``faq-<slug>``) is the fallback
across languages.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import get_args

import numpy as np
from pydantic import BaseModel
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from assistant.answer.cues import DECISIVE_SUBJECTS, SUBJECTS, question_cues, without_context
from assistant.answer.sentences import cached_vectors
from assistant.core.embeddings import Embedder
from assistant.core.query import Query
from assistant.core.schemas import Lang, SourceDocument
from assistant.core.script import Lexicon
from assistant.core.text import terms

FEATURES = (
    "dense", "dense_gap", "passage", "passage_gap", "chars", "chars_gap", "overlap", "qtype",
)  # fmt: skip
MODEL_FILE = Path(__file__).with_name("faq_model.json")


class MatchModel(BaseModel, frozen=True):
    """Logistic regression over the pair features: P(the entry answers the question)."""

    features: tuple[str, ...] = FEATURES
    coef: tuple[float, ...]
    intercept: float
    # How and on what it was trained, with its held-out figures.
    trained: dict = {}

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = x @ np.asarray(self.coef, dtype=np.float32) + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


class Calibration(BaseModel, frozen=True):
    """Where a question's FAQ probability sends it."""

    # At or above: answered with the FAQ entry; below: extractive, from the guidance on its topic.
    threshold: float
    # Below, for a question with a jury word: nothing in the FAQ is about it, and the FAQ covers
    # every guidance topic, so it is refused as unsupported.
    support_min: float
    # Below, for a question without one (``cues.about_jury``): refused as off topic.
    off_topic_min: float
    # Below, for a question with a jury word and a word no FAQ or guidance text uses
    # (``Query.foreign``): refused as unsupported.
    foreign_min: float = 0.0
    # Below, for a question without a jury word with such a word: refused as off topic.
    foreign_off_topic_min: float = 0.0
    # An FAQ answer whose runner-up on the same topic is closer than this names it ("see also").
    see_also: float


class ModelFile(BaseModel):
    """``faq_model.json``: the model and the thresholds chosen for it."""

    model: MatchModel
    calibration: Calibration


@lru_cache(maxsize=1)
def model_file() -> ModelFile:
    return ModelFile.model_validate_json(MODEL_FILE.read_text(encoding="utf-8"))


def save_model_file(data: ModelFile) -> None:
    MODEL_FILE.write_text(
        json.dumps(data.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    model_file.cache_clear()


CALIBRATION = model_file().calibration
# A decisive subject (``cues.DECISIVE_SUBJECTS``) picks among this many closest entries.
SUBJECT_NEAR = 3
# A lead in probability over the next entry below this is a near tie (lower confidence).
CLOSE_MARGIN = 0.1


class FaqEntry(BaseModel):
    """One FAQ document in one language."""

    doc_id: str
    group: str
    lang: Lang | None
    topic: str | None = None
    title: str
    text: str
    # The canonical question (the title) and its paraphrases.
    variants: list[str]
    # The legal provisions the answer rests on ({"act": ..., "article": ...}).
    sources: list[dict] = []
    source: str = "faq"

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
            sources=list(meta.get("sources") or []),
            source=doc.source,
        )


class FaqMatch(BaseModel):
    """A FAQ group, the probability that it answers the question, and the features behind."""

    group: str
    topic: str | None
    score: float
    # Lead over the next entry: a near tie means the question sits between two entries.
    margin: float
    runner_up: str | None = None
    runner_up_score: float = 0.0
    signals: dict[str, float]


def _cue_agreement(asked: dict[str, frozenset[str]], cues: dict[str, set[str]]) -> float:
    """Per kind the question asks: 1 when a variant asks it about the same thing, 0.5 when
    only the kind agrees, 0 when no variant asks it; the mean over the kinds asked, and 0 when
    the question names a subject (money, consequences) no variant names."""
    if not asked or any(kind in SUBJECTS and kind not in cues for kind in asked):
        return 0.0
    agree = [(1.0 if asked[kind] & cues[kind] else 0.5) if kind in cues else 0.0 for kind in asked]
    return sum(agree) / len(agree)


class FaqIndex:
    """The FAQ of one store snapshot (or of entries published since), ready to score
    questions against."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        passages: np.ndarray,
        embedder: Embedder,
        store_dir: Path,
        lexicon: Lexicon | None = None,
        previous: FaqIndex | None = None,
    ) -> None:
        """``passages[i]`` is the passage vector of ``entries[i]``; Latin-script paraphrases are
        read in Cyrillic with ``lexicon``; the Cyrillic variants of a ``previous`` index (all of
        them, under the same lexicon) are not read again."""
        self.entries = list(entries)
        self.groups = list(dict.fromkeys(e.group for e in self.entries))
        self.topics = {e.group: e.topic for e in self.entries}
        pairs = [(v, i) for i, e in enumerate(self.entries) for v in e.variants]
        self.lexicon = lexicon
        # A Latin or mixed-script variant is read through the lexicon: its previous reading
        # holds only under the same lexicon (a published entry rebuilds it).
        known = {
            (q.original, previous.entries[e].lang or "ru"): q
            for q, e in zip(previous.variants, previous._variant_entry, strict=True)
            if q.script == "cyrillic" or previous.lexicon is lexicon
        } if previous else {}  # fmt: skip
        self.variants = []
        for v, i in pairs:
            lang = self.entries[i].lang or "ru"
            self.variants.append(known.get((v, lang)) or Query.of(v, lexicon, default=lang))
        self._variant_entry = np.asarray([i for _, i in pairs], dtype=np.int64)
        texts = [q.text for q in self.variants]
        self._vectors = cached_vectors(embedder, store_dir, texts, "query")
        self._passages = passages.astype(np.float32)
        self.chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
        )
        folded = [without_context(q.folded) for q in self.variants]
        self._char_vectors = (
            self.chars.fit_transform(folded).tocsr() if folded else sparse.csr_matrix((0, 1))
        )
        self._analyze = self.chars.build_analyzer()
        self._char_columns: dict[str, int] = getattr(self.chars, "vocabulary_", {})
        self._char_idf = getattr(self.chars, "idf_", np.zeros(1)).astype(np.float32)
        # Terms of each entry's answer text and of each variant; an entry's bag is all of them.
        answer_terms = [set(terms(e.text, e.lang, folded=True)) for e in self.entries]
        self._bags = [set(t) for t in answer_terms]
        for q, i in zip(self.variants, self._variant_entry, strict=True):
            self._bags[i].update(q.terms)
        self._term_columns = {t: n for n, t in enumerate(sorted(set().union(*self._bags)))}
        answers = self._incidence(answer_terms)
        variants = self._incidence([set(q.terms) for q in self.variants])
        own_answer = answers[self._variant_entry]
        # Per variant: its terms and its entry's answer terms (a union, as 0/1 columns).
        self._variant_terms = variants.maximum(own_answer).tocsr()
        self._answer_terms = answers
        self._cues: list[dict[str, set[str]]] = [{} for _ in self.entries]
        for q, i in zip(self.variants, self._variant_entry, strict=True):
            for kind, focus in question_cues(q.folded).items():
                self._cues[i].setdefault(kind, set()).update(focus)
        # Per group, the decisive subjects (money, an age) some variant of it names.
        place = {g: n for n, g in enumerate(self.groups)}
        self._subjects: list[set[str]] = [set() for _ in self.groups]
        for i, e in enumerate(self.entries):
            self._subjects[place[e.group]].update(DECISIVE_SUBJECTS & set(self._cues[i]))
        self._candidates: dict[Lang, np.ndarray] = {
            lang: self._pick_candidates(lang) for lang in get_args(Lang)
        }
        # Per language, the variants of its candidates in candidate order, and where each
        # candidate's run starts (every entry has a variant: its title).
        self._variant_slots: dict[Lang, tuple[np.ndarray, np.ndarray]] = {}
        for lang, candidates in self._candidates.items():
            runs = [np.flatnonzero(self._variant_entry == i) for i in candidates]
            sizes = np.asarray([len(r) for r in runs], dtype=np.int64)
            ids = np.concatenate(runs) if runs else np.zeros(0, dtype=np.int64)
            self._variant_slots[lang] = (ids, np.concatenate([[0], np.cumsum(sizes)[:-1]]))
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

    def features(
        self, query: Query, vector: np.ndarray, leave_out: Sequence[int] = ()
    ) -> np.ndarray:
        """The pair features (rows: groups in ``self.groups`` order, columns: ``FEATURES``)
        over the entries the question's language sees; the variants ``leave_out`` (indices in
        ``self.variants``) do not count (training leaves a paraphrase out of its own entry)."""
        candidates = self._candidates[query.lang]
        ids, starts = self._variant_slots[query.lang]
        left_out = np.isin(ids, list(leave_out)) if leave_out else None

        def best_variant(values: np.ndarray) -> np.ndarray:
            """Per candidate, the best of its variants' values (``values`` over ``ids``)."""
            if left_out is not None:
                values = np.where(left_out, 0.0, values)
            return np.maximum.reduceat(values.astype(np.float32), starts)

        dense = best_variant(self._vectors[ids] @ vector.astype(np.float32))
        passage = self._passages[candidates] @ vector.astype(np.float32)
        chars = best_variant(
            self._char_vectors[ids] @ self._char_vector(without_context(query.folded))
        )
        asked = {t for t in query.terms if not without_context(t).isspace()}
        weights = self._term_weights(asked, candidates, self._idf[query.lang])
        # The share of the question's terms one variant and the answer hold together: the
        # union of every variant would let one long paraphrase's context words match anything.
        overlap = np.maximum(
            best_variant(self._variant_terms[ids] @ weights),
            self._answer_terms[candidates] @ weights,
        )
        cues = question_cues(query.focus or query.folded)
        qtype = np.asarray([_cue_agreement(cues, self._cues[i]) for i in candidates])
        columns = [dense, dense - dense.max(), passage, passage - passage.max()]
        columns += [chars, chars - chars.max(), overlap, qtype]
        return np.stack(columns, axis=1).astype(np.float32)

    def _char_vector(self, folded: str) -> np.ndarray:
        """The TF-IDF vector of one text, dense (what ``self.chars.transform`` gives, without
        its per-call validation, which costs more than the arithmetic)."""
        counts = Counter(self._analyze(folded))
        out = np.zeros(len(self._char_idf), dtype=np.float32)
        for gram, n in counts.items():
            column = self._char_columns.get(gram)
            if column is not None:
                out[column] = (1.0 + math.log(n)) * self._char_idf[column]
        norm = float(np.linalg.norm(out))
        return out / norm if norm else out

    def _incidence(self, bags: Sequence[set[str]]) -> sparse.csr_matrix:
        """0/1 rows of ``bags`` over the index's term columns."""
        rows = [n for n, bag in enumerate(bags) for _ in bag]
        cols = [self._term_columns[t] for bag in bags for t in bag]
        shape = (len(bags), max(len(self._term_columns), 1))
        return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)

    def _term_weights(
        self, asked: set[str], candidates: np.ndarray, idf: dict[str, float]
    ) -> np.ndarray:
        """Per term column, the asked term's IDF weight over the sum of all asked terms' weights
        (a term no entry knows weighs as much as the rarest)."""
        unseen = math.log(max(len(candidates), 1))
        weight = {t: idf.get(t, unseen) for t in asked}
        total = sum(weight.values()) or 1.0
        out = np.zeros(max(len(self._term_columns), 1), dtype=np.float32)
        for t, w in weight.items():
            column = self._term_columns.get(t)
            if column is not None:
                out[column] = w / total
        return out

    def scored(
        self, query: Query, vector: np.ndarray, model: MatchModel | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """P(each group answers the question), in ``self.groups`` order, and the features
        behind. A code-switched question is read in both its languages (against each one's
        entries, its words stemmed as that language's); each group keeps the better reading. A
        question naming a decisive subject (money, an age) leaves out the groups that never name
        it, when one of the ``SUBJECT_NEAR`` closest does."""
        model = model or model_file().model
        x = self.features(query, vector)
        p = model.probability(x)
        if query.second_lang is not None:
            other = self.features(query.in_lang(query.second_lang), vector)
            q = model.probability(other)
            better = q > p
            x = np.where(better[:, None], other, x)
            p = np.where(better, q, p)
        cues = set(question_cues(query.focus or query.folded))
        # Money paid as a consequence (a fine) is about the consequence.
        asked = DECISIVE_SUBJECTS & cues - ({"money"} if "consequence" in cues else set())
        if asked:
            # A question about money (an age) is answered by an entry about it when one is
            # among the closest few: the subject breaks a near tie, it does not pull in an
            # entry the question is otherwise far from ("what fine does one pay").
            about = np.asarray([asked <= subjects for subjects in self._subjects])
            near = np.argsort(-p)[:SUBJECT_NEAR]
            if about[near].any():
                p = np.where(about, p, 0.0)
        return p, x

    def probabilities(
        self, query: Query, vector: np.ndarray, model: MatchModel | None = None
    ) -> np.ndarray:
        """P(each group answers the question), in ``self.groups`` order."""
        return self.scored(query, vector, model)[0]

    def best(
        self, query: Query, vector: np.ndarray, model: MatchModel | None = None
    ) -> FaqMatch | None:
        """The most probable group for a question among its language's entries, or None for
        an empty FAQ."""
        if not self.groups:
            return None
        p, x = self.scored(query, vector, model)
        order = np.argsort(-p)
        first = int(order[0])
        second = int(order[1]) if len(order) > 1 else None
        runner_up_score = float(p[second]) if second is not None else 0.0
        return FaqMatch(
            group=self.groups[first],
            topic=self.topics.get(self.groups[first]),
            score=float(p[first]),
            margin=float(p[first]) - runner_up_score if second is not None else 1.0,
            runner_up=self.groups[second] if second is not None else None,
            runner_up_score=runner_up_score,
            signals={name: round(float(v), 4) for name, v in zip(FEATURES, x[first], strict=True)},
        )
