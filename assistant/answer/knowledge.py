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
from assistant.core.schemas import Chunk, Lang
from assistant.core.script import Lexicon
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

    def __init__(self, store: Store, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder
        # A snapshot lives in <store>/snapshots/<name>; caches sit in <store>.
        self.store_dir: Path = store.path.parent.parent
        self.docs: dict[str, DocInfo] = {}
        self.groups: dict[str, dict[Lang, str]] = {}
        faq_entries: list[FaqEntry] = []
        for doc_type in (GUIDANCE, FAQ):
            for doc in store.documents(doc_type=doc_type):
                meta = doc.metadata
                self._add(
                    DocInfo(
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
                )
                if doc_type == FAQ:
                    faq_entries.append(FaqEntry.from_document(doc))
        self.lexicon = self._lexicon(faq_entries)
        # The snapshot's own entries: what published ones are served besides.
        self.snapshot_faq: tuple[FaqEntry, ...] = tuple(faq_entries)
        self.faq = FaqIndex(
            faq_entries, self.faq_passages(faq_entries), embedder, self.store_dir, self.lexicon
        )
        self._sentences: dict[str, tuple[list[str], np.ndarray]] = {}
        self._lock = threading.Lock()

    def _lexicon(self, entries: Sequence[FaqEntry]) -> Lexicon:
        """The words of the guidance and of ``entries`` (paraphrases too): what Latin-script
        words of a question are read against, and what tells a word no text uses."""
        lexicon = Lexicon.of(
            [(d.lang, f"{d.title}\n{d.text}") for d in self.docs.values()
             if d.lang and d.doc_type != FAQ]
            + [(e.lang, f"{e.title}\n{e.text}") for e in entries if e.lang]
        )  # fmt: skip
        lexicon.add_questions([(e.lang, v) for e in entries if e.lang for v in e.variants])
        return lexicon

    def _add(self, info: DocInfo) -> None:
        self.docs[info.doc_id] = info
        if info.lang is not None:
            self.groups.setdefault(info.group, {})[info.lang] = info.doc_id

    def replace_faq(self, entries: Sequence[FaqEntry]) -> None:
        """Match questions against ``entries`` from now on (the whole FAQ: entries of the
        snapshot that are left out are no longer answered); an entry the store does not hold is
        answered from its own text. Only the new wording is embedded (vectors are cached)."""
        entries = list(entries)
        # Built anew: a withdrawn entry's words are no longer known.
        lexicon = self._lexicon(entries)
        passages = self.faq_passages(entries)
        index = FaqIndex(
            entries, passages, self.embedder, self.store_dir, lexicon, previous=self.faq
        )
        with self._lock:
            self.lexicon = lexicon
            for doc_id in [d for d, info in self.docs.items() if info.doc_type == FAQ]:
                info = self.docs.pop(doc_id)
                versions = self.groups.get(info.group, {})
                if info.lang is not None and versions.get(info.lang) == doc_id:
                    del versions[info.lang]
                if not versions:
                    self.groups.pop(info.group, None)
            for e in entries:
                self._add(
                    DocInfo(
                        doc_id=e.doc_id,
                        group=e.group,
                        lang=e.lang,
                        doc_type=FAQ,
                        topic=e.topic,
                        title=e.title,
                        source=e.source,
                        text=e.text,
                        sources=e.sources,
                    )
                )
            self.faq = index

    def lead_chunk(self, doc_id: str) -> Chunk:
        """The first chunk of a document: the stored one, or (for an FAQ entry published since
        the snapshot) its whole text as one."""
        stored = self.store.chunks_of(doc_id)
        if stored:
            return stored[0]
        doc = self.docs[doc_id]
        return Chunk(
            chunk_id=f"{doc_id}#0",
            doc_id=doc_id,
            ordinal=0,
            text=f"{doc.title}\n\n{doc.text}",
            title=doc.title,
            lang=doc.lang,
            source=doc.source,
            start=0,
            end=len(doc.text),
            doc_type=doc.doc_type,
        )

    def faq_passages(self, entries: list[FaqEntry]) -> np.ndarray:
        """The passage vectors of FAQ entries (what the FAQ index scores as passages): the
        stored chunk's, else (an entry published since the snapshot) embedded here."""
        # An FAQ answer is short: its first chunk holds the question and the whole answer.
        chunks = {e.doc_id: self.store.chunks_of(e.doc_id)[:1] for e in entries}
        stored = [c[0].chunk_id for c in chunks.values() if c]
        rows = self.store.row_ids_for_chunks(stored)
        vectors = dict(zip(stored, self.store.vectors_for([rows[c] for c in stored]), strict=True))
        new = [e for e in entries if not chunks[e.doc_id]]
        texts = [f"{e.title}\n\n{e.text}" for e in new]
        embedded = cached_vectors(self.embedder, self.store_dir, texts, "passage")
        vectors.update((e.doc_id, v) for e, v in zip(new, embedded, strict=True))
        if not entries:
            return np.zeros((0, self.embedder.info.dim), np.float32)
        keys = [chunks[e.doc_id][0].chunk_id if chunks[e.doc_id] else e.doc_id for e in entries]
        return np.stack([vectors[k] for k in keys])

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
