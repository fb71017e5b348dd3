"""Citation correctness and groundedness of answers, checked against the store itself.

A cited passage is correct when the store holds that chunk with that text and the passage
supports at least one sentence of the answer; a cited article is correct when a cited passage
references it inline or its document lists it in its front matter. An answer's groundedness
is the share of its sentences supported by its cited passages: quoted verbatim, or most of
its terms and all of its numbers found there and close in meaning to a passage sentence (the
thresholds of the generative mode's check, ``LlmSettings``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from assistant.answer import citations
from assistant.answer.sentences import cached_vectors, split_sentences
from assistant.core.config import LlmSettings
from assistant.core.embeddings import Embedder
from assistant.core.schemas import Lang
from assistant.core.store import Store
from assistant.core.text import fold, normalize, terms
from assistant.locales import messages

_MARKER = re.compile(r"\s*\[\d+\]")
_NUMBER = re.compile(r"\d+")
# Sentences this short ("Да.", "Иә.") carry no claim that needs support.
_MIN_TERMS = 2


class Grounding(BaseModel):
    """The checks of one answer."""

    id: str
    lang: Lang
    kind: str | None
    sources_cited: int
    sources_correct: int
    articles_cited: int
    articles_correct: int
    sentences: int
    supported: int
    unsupported: list[str] = Field(default_factory=list)

    @property
    def citations_correct(self) -> bool:
        return (
            self.sources_cited > 0
            and self.sources_correct == self.sources_cited
            and self.articles_correct == self.articles_cited
        )

    @property
    def groundedness(self) -> float:
        return self.supported / self.sentences if self.sentences else 0.0


def _flat(text: str) -> str:
    return " ".join(fold(normalize(text)).split())


def _pointer(lang: Lang) -> re.Pattern[str] | None:
    """The line a FAQ answer ends with when it names a second entry ("See also: {question}
    ({citations})", from the locale): a pointer to a cited source, not a claim."""
    template = messages(lang).get("see_also")
    if not isinstance(template, str) or "{question}" not in template:
        return None
    head, tail = template.split("{question}", 1)
    tail = re.escape(tail).replace(re.escape("{citations}"), ".*?")
    return re.compile(rf"^{re.escape(head)}(?P<question>.+?){tail}\s*$", re.MULTILINE)


class Checker:
    """Checks answers against one store; sentence vectors are cached in ``cache_dir``."""

    def __init__(
        self, store: Store, embedder: Embedder, cache_dir: Path, settings: LlmSettings
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.cache_dir = cache_dir
        self.settings = settings

    def claims(self, answer: str) -> list[str]:
        """The answer's sentences that say something."""
        return [s for s in split_sentences(_MARKER.sub("", answer)) if len(terms(s)) >= _MIN_TERMS]

    def supported(self, claims: Sequence[str], passages: Sequence[str]) -> list[bool]:
        """Per claim: is it backed by the passages?"""
        flat = [_flat(p) for p in passages]
        source_terms = {t for p in passages for t in terms(p, folded=True)}
        source_numbers = {n for p in passages for n in _NUMBER.findall(p)}
        verdicts: list[bool | None] = []
        for claim in claims:
            if any(_flat(claim) in p for p in flat):
                verdicts.append(True)
                continue
            claim_terms = set(terms(claim, folded=True))
            overlap = len(claim_terms & source_terms) / max(len(claim_terms), 1)
            numbers_ok = set(_NUMBER.findall(claim)) <= source_numbers
            # None: lexically plausible, decided by meaning below.
            plausible = overlap >= self.settings.min_term_overlap and numbers_ok
            verdicts.append(None if plausible else False)
        open_claims = [c for c, v in zip(claims, verdicts, strict=True) if v is None]
        if open_claims:
            evidence = [s for p in passages for s in split_sentences(p)] or list(passages)
            a = cached_vectors(self.embedder, self.cache_dir, open_claims, "passage")
            b = cached_vectors(self.embedder, self.cache_dir, evidence, "passage")
            best = iter((a @ b.T).max(axis=1) >= self.settings.min_similarity)
            verdicts = [bool(next(best)) if v is None else v for v in verdicts]
        return [bool(v) for v in verdicts]

    def check(
        self,
        item_id: str,
        lang: Lang,
        kind: str | None,
        answer: str,
        sources: Sequence[dict],
        cited_articles: Sequence[str],
    ) -> Grounding:
        """Check one answer as the API returned it (``sources`` as in ``AskResponse``)."""
        rows = self.store.row_ids_for_chunks([str(s.get("chunk_id")) for s in sources])
        chunks = self.store.get_chunks(list(rows.values()))
        pattern = _pointer(lang)
        pointers = list(pattern.finditer(answer)) if pattern else []
        titles = {_flat(str(s.get("title", ""))) for s in sources}
        # A pointer is right when the entry it names is one of the cited sources.
        pointed = [(m[0].strip(), _flat(m["question"]) in titles) for m in pointers]
        named_titles = {_flat(m["question"]) for m in pointers}
        claims = self.claims(pattern.sub("", answer) if pattern else answer)
        passages: list[str] = []
        correct = 0
        for source in sources:
            row = rows.get(str(source.get("chunk_id")))
            chunk = chunks.get(row) if row is not None else None
            if chunk is None or _flat(chunk.text) != _flat(str(source.get("text", ""))):
                continue
            passages.append(chunk.text)
            named = _flat(str(source.get("title", ""))) in named_titles
            correct += named or (bool(claims) and any(self.supported(claims, [chunk.text])))
        known: list[citations.Citation] = [c for p in passages for c in citations.parse(p)]
        for doc_id in dict.fromkeys(str(s.get("doc_id")) for s in sources):
            doc = self.store.document(doc_id)
            if doc is not None:
                known += citations.from_metadata(doc.metadata.get("sources"))
        allowed = set(citations.labels(known, lang))
        verdicts = self.supported(claims, passages) if passages else [False] * len(claims)
        return Grounding(
            id=item_id,
            lang=lang,
            kind=kind,
            sources_cited=len(sources),
            sources_correct=correct,
            articles_cited=len(cited_articles),
            articles_correct=sum(a in allowed for a in cited_articles),
            sentences=len(claims) + len(pointed),
            supported=sum(verdicts) + sum(ok for _, ok in pointed),
            unsupported=[c for c, ok in [*zip(claims, verdicts, strict=True), *pointed] if not ok],
        )


def mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if values else 0.0
