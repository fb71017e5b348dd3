"""What the answer engine knows about one store snapshot: guidance and FAQ documents by group,
the FAQ index and the sentence vectors of guidance documents (built on first use)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.faq import FaqEntry, FaqIndex
from assistant.answer.sentences import cached_vectors, split_sentences
from assistant.core.embeddings import Embedder
from assistant.core.schemas import Chunk, Lang, SourceDocument
from assistant.core.store import Store

GUIDANCE = "guidance"
FAQ = "faq"


class DocInfo(BaseModel):
    """A guidance or FAQ document without its chunks."""

    doc_id: str
    group: str
    lang: Lang | None
    doc_type: str
    topic: str | None
    title: str
    source: str
    text: str
    sources: list[dict] = Field(default_factory=list)


class DocSentences(BaseModel):
    """Sentences of documents' passages in order, the chunk each comes from, their vectors."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    sentences: list[str]
    chunks: list[Chunk]
    vectors: np.ndarray


class Knowledge:
    """Documents of one snapshot by id and by (group, language)."""

    def __init__(
        self, store: Store, embedder: Embedder, extra_faq: Sequence[SourceDocument] = ()
    ) -> None:
        """``extra_faq``: FAQ documents served besides the store's (not in the store)."""
        self.store = store
        self.embedder = embedder
        # A snapshot lives in <store>/snapshots/<name>; caches sit in <store>.
        self.store_dir: Path = store.path.parent.parent
        self.docs: dict[str, DocInfo] = {}
        self.groups: dict[str, dict[Lang, str]] = {}
        faq_entries: list[FaqEntry] = []
        self._extra = {d.doc_id for d in extra_faq}
        stored = [(t, d) for t in (GUIDANCE, FAQ) for d in store.documents(doc_type=t)]
        for doc_type, doc in [*stored, *((FAQ, d) for d in extra_faq)]:
            meta = doc.metadata
            info = DocInfo(
                doc_id=doc.doc_id,
                group=str(meta.get("group") or doc.doc_id),
                lang=doc.lang,
                doc_type=doc_type,
                topic=meta.get("topic"),
                title=doc.title,
                source=doc.source,
                text=doc.text,
                sources=list(meta.get("sources") or []),
            )
            self.docs[doc.doc_id] = info
            if info.lang is not None:
                self.groups.setdefault(info.group, {})[info.lang] = doc.doc_id
            if doc_type == FAQ:
                faq_entries.append(FaqEntry.from_document(doc))
        self.faq = FaqIndex(faq_entries, self.faq_passages(faq_entries), embedder, self.store_dir)
        self._sentences: dict[str, tuple[list[str], np.ndarray]] = {}
        self._lock = threading.Lock()

    def faq_passages(self, entries: list[FaqEntry]) -> np.ndarray:
        """The stored chunk vectors of FAQ entries (what the FAQ index scores as passages)."""
        # An FAQ answer is short: its first chunk holds the question and the whole answer.
        stored = [e for e in entries if e.doc_id not in self._extra]
        first = [self.store.chunks_of(e.doc_id)[0].chunk_id for e in stored]
        rows = self.store.row_ids_for_chunks(first)
        vectors = self.store.vectors_for([rows[c] for c in first])
        extra = [e for e in entries if e.doc_id in self._extra]
        if not extra:
            return vectors
        # Entries not in the store are embedded as the indexer embeds a FAQ chunk.
        texts = [f"{e.title}\n\n{e.text}" for e in extra]
        new = iter(cached_vectors(self.embedder, self.store_dir, texts, "passage"))
        old = iter(vectors)
        return np.stack([next(new) if e.doc_id in self._extra else next(old) for e in entries])

    def best_version(self, group: str, lang: Lang) -> DocInfo:
        """The group's document in ``lang``, else in Russian, else in any language."""
        versions = self.groups[group]
        for want in (lang, "ru", "kk"):
            if want in versions:
                return self.docs[versions[want]]
        return self.docs[next(iter(versions.values()))]

    def guidance(self, lang: Lang | None = None) -> list[DocInfo]:
        """Guidance documents, optionally in one language."""
        return [
            d
            for d in self.docs.values()
            if d.doc_type == GUIDANCE and (lang is None or d.lang == lang)
        ]

    def sentences(self, doc_ids: list[str], question: np.ndarray, chunks: int = 3) -> DocSentences:
        """Sentences, with vectors, of the documents' ``chunks`` passages closest to a question.

        Sentence vectors are embedded once per chunk and snapshot (and cached on disk).
        """
        doc_chunks = [c for doc_id in doc_ids for c in self.store.chunks_of(doc_id)]
        rows = self.store.row_ids_for_chunks([c.chunk_id for c in doc_chunks])
        vectors = self.store.vectors_for([rows[c.chunk_id] for c in doc_chunks])
        top = sorted(np.argsort(-(vectors @ question))[:chunks])
        sentences: list[str] = []
        owners: list[Chunk] = []
        parts: list[np.ndarray] = []
        for i in top:
            chunk = doc_chunks[i]
            texts, chunk_vectors = self._chunk_sentences(chunk)
            sentences.extend(texts)
            owners.extend([chunk] * len(texts))
            parts.append(chunk_vectors)
        return DocSentences(
            sentences=sentences,
            chunks=owners,
            vectors=np.concatenate(parts) if parts else np.zeros((0, len(question)), np.float32),
        )

    def _chunk_sentences(self, chunk: Chunk) -> tuple[list[str], np.ndarray]:
        with self._lock:
            found = self._sentences.get(chunk.chunk_id)
        if found is not None:
            return found
        texts = split_sentences(chunk.text)
        built = (texts, cached_vectors(self.embedder, self.store_dir, texts, "passage"))
        with self._lock:
            return self._sentences.setdefault(chunk.chunk_id, built)
