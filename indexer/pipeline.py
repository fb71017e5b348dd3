"""Read → clean → chunk → embed → store, incrementally and with progress."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from assistant.core.cases import DOC_TYPE, CourtAct, act_passage
from assistant.core.config import Settings
from assistant.core.embeddings import Embedder
from assistant.core.schemas import Chunk, SourceDocument
from assistant.core.store import EmbeddingCache, LexicalTerms, StoreWriter
from assistant.core.text import terms
from indexer.cases.ingest import IngestReport, as_court_acts
from indexer.chunking import chunk_document
from indexer.readers import ReaderError, ReadResult, iter_files, read_file

# Bump when chunking, lexical terms, what is embedded (court acts: core act_passage) or the
# metadata of court acts (4: collection, kind, УИД) change: stores built by another version
# are re-chunked and re-tokenised on the next run
# (vectors of unchanged text come from the embedding cache).
PIPELINE_VERSION = "4"  # 4: acts de-identified at reading; collection, kind, УИД


class IndexFailure(BaseModel):
    """A document (or file) that could not be indexed, and why."""

    source: str
    reason: str


class IndexReport(BaseModel):
    """What one indexing run did."""

    documents: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks: int = 0
    embedded: int = 0
    cached: int = 0
    seconds: float = 0.0
    failed: list[IndexFailure] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    # Real court acts and case cards read as cases (de-identified), and first-instance acts
    # that took an appeal result from an indexed appeal act or card.
    court_acts: int = 0
    case_cards: int = 0
    appeal_links: int = 0

    @property
    def chunks_per_s(self) -> float:
        return self.chunks / self.seconds if self.seconds > 0 else 0.0


def passage_text(chunk: Chunk) -> str:
    """What the embedder sees: title and heading path give a chunk its context."""
    head = [chunk.title, *chunk.heading_path]
    lines = [h for h in dict.fromkeys(head) if h and h not in chunk.text[: len(h) + 5]]
    return "\n".join([*lines, chunk.text])


def document_passages(doc: SourceDocument, chunks: Sequence[Chunk]) -> list[str]:
    """What the embedder sees of each chunk of a document. A court act (one chunk) is seen
    through its facts and reasoning only, names masked and gender folded: never its court,
    judge, region or parties."""
    if doc.doc_type == DOC_TYPE:
        return [act_passage(CourtAct.from_source_document(doc))]
    return [passage_text(c) for c in chunks]


def chunk_terms(chunk: Chunk) -> LexicalTerms:
    """FTS terms of a chunk; the title and headings count as text."""
    text = "\n".join([chunk.title, *chunk.heading_path, chunk.text])
    return LexicalTerms(norm=terms(text, chunk.lang), folded=terms(text, chunk.lang, folded=True))


# Embeds batches of passages, yielding one matrix per batch in input order: in this process
# (local_encoder), in worker processes (indexer.workers) or on a Ray cluster (indexer.ray_index).
BatchEncoder = Callable[[Sequence[Sequence[str]]], Iterable[np.ndarray]]


def local_encoder(embedder: Embedder) -> BatchEncoder:
    """Embed batches one after the other with ``embedder`` in this process."""
    return lambda batches: (embedder.embed_passages(list(b)) for b in batches)


class Embedding(BaseModel):
    """Counters of one batched embedding pass."""

    embedded: int = 0
    cached: int = 0


def embed_passages(
    texts: Sequence[str],
    embedder: Embedder,
    cache: EmbeddingCache,
    batch_size: int,
    on_progress: Callable[[int], None] = lambda n: None,
    counters: Embedding | None = None,
    encode: BatchEncoder | None = None,
) -> np.ndarray:
    """Vectors for texts: cached ones looked up, the rest embedded in length-sorted batches.

    Batches of similar length waste no work on padding; each batch is cached as soon as it
    is done, so an interrupted run resumes where it stopped. ``encode`` runs the batches
    (default: ``embedder`` in this process).
    """
    counters = counters if counters is not None else Embedding()
    keys = [EmbeddingCache.key(t) for t in texts]
    uses = Counter(keys)
    found = cache.get_many(sorted(uses))
    first = {k: i for i, k in reversed(list(enumerate(keys)))}
    missing = sorted((i for k, i in first.items() if k not in found), key=lambda i: len(texts[i]))
    hits = sum(uses[k] for k in found)
    counters.cached += hits
    on_progress(hits)
    batches = [missing[start : start + batch_size] for start in range(0, len(missing), batch_size)]
    run = encode or local_encoder(embedder)
    results = run([[texts[i] for i in batch] for batch in batches])
    for batch, vectors in zip(batches, results, strict=True):
        cache.put_many((keys[i], v) for i, v in zip(batch, vectors, strict=True))
        found.update({keys[i]: v for i, v in zip(batch, vectors, strict=True)})
        counters.embedded += len(batch)
        on_progress(sum(uses[keys[i]] for i in batch))
    dim = embedder.info.dim
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack([found[k] for k in keys]).astype(np.float32)


def _progress(console: Console, enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
    )


def _source_root(source: str) -> str:
    return source.split("/", 1)[0]


class Indexer:
    """Indexes files into one store directory."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        store_dir: Path | None = None,
        console: Console | None = None,
        progress: bool = True,
        encode: BatchEncoder | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.encode = encode
        self.store_dir = Path(store_dir or settings.store.dir)
        self.console = console or Console(stderr=True)
        self.show_progress = progress

    def writer(self) -> StoreWriter:
        s = self.settings.store
        return StoreWriter(
            self.store_dir,
            self.embedder.info,
            ann_threshold=s.ann_threshold,
            hnsw_m=s.hnsw_m,
            keep_snapshots=s.keep_snapshots,
            pipeline=PIPELINE_VERSION,
        )

    def read(self, paths: Sequence[Path], report: IndexReport) -> list[SourceDocument]:
        """All documents under the paths, real court acts as de-identified cases; failures go
        into the report."""
        read: list[SourceDocument] = []
        for path, result in self.read_files(list(iter_files(paths))):
            if isinstance(result, ReaderError):
                report.failed.append(IndexFailure(source=str(path), reason=str(result)))
                continue
            report.warnings.extend(result.warnings)
            read.extend(result.documents)
        ingest = IngestReport()
        docs: list[SourceDocument] = []
        seen: set[str] = set()
        for doc in as_court_acts(read, ingest):
            if doc.doc_id in seen:
                report.warnings.append(f"{doc.source}: duplicate id {doc.doc_id}, skipped")
                continue
            seen.add(doc.doc_id)
            docs.append(doc)
        report.court_acts, report.case_cards = ingest.acts, ingest.cards
        report.appeal_links = ingest.linked
        return docs

    def read_files(
        self, files: Sequence[tuple[Path, Path]]
    ) -> Iterator[tuple[Path, ReadResult | ReaderError]]:
        """Each ``(file, root)`` read here, in order (a Ray cluster reads them in shards)."""
        for path, root in files:
            try:
                yield path, read_file(path, root)
            except ReaderError as exc:
                yield path, exc

    def run(self, paths: Sequence[Path], prune: bool = False) -> IndexReport:
        """Index the paths; unchanged documents are skipped, changed ones replaced.

        With ``prune``, documents that came from these paths' folders but whose files are
        gone are deleted.
        """
        started = time.perf_counter()
        report = IndexReport()
        docs = self.read(paths, report)
        report.documents = len(docs)
        with self.writer() as writer:
            known = writer.hashes()
            stale = writer.previous is not None and writer.previous.pipeline != PIPELINE_VERSION
            todo: list[tuple[SourceDocument, list[Chunk]]] = []
            for doc in docs:
                old = known.get(doc.doc_id)
                if old == doc.content_hash and not stale:
                    report.unchanged += 1
                    continue
                try:
                    chunks = chunk_document(doc)
                except ValueError as exc:
                    report.failed.append(IndexFailure(source=doc.source, reason=str(exc)))
                    continue
                if not chunks:
                    report.failed.append(IndexFailure(source=doc.source, reason="no text"))
                    continue
                todo.append((doc, chunks))
                if old is None:
                    report.added += 1
                else:
                    report.changed += 1
            if prune:
                report.deleted = self._prune(writer, paths, {d.doc_id for d in docs}, known)
            self._embed_and_store(writer, todo, report)
            if todo or report.deleted or not known:
                writer.commit()
        report.seconds = time.perf_counter() - started
        return report

    def _prune(
        self,
        writer: StoreWriter,
        paths: Sequence[Path],
        present: set[str],
        known: dict[str, str],
    ) -> int:
        roots = {Path(p).resolve().name for p in paths if Path(p).is_dir()}
        sources = {r[0]: r[1] for r in writer.db.execute("SELECT doc_id, source FROM documents")}
        gone = [
            doc_id
            for doc_id in known
            if doc_id not in present and _source_root(sources.get(doc_id, "")) in roots
        ]
        return sum(writer.delete_document(doc_id) for doc_id in gone)

    def _embed_and_store(
        self,
        writer: StoreWriter,
        todo: list[tuple[SourceDocument, list[Chunk]]],
        report: IndexReport,
    ) -> None:
        chunks = [c for _, cs in todo for c in cs]
        texts = [t for doc, cs in todo for t in document_passages(doc, cs)]
        counters = Embedding()
        with _progress(self.console, self.show_progress and bool(texts)) as bar:
            task = bar.add_task("embedding", total=len(texts), rate="")
            started = time.perf_counter()

            def advance(n: int) -> None:
                done = bar.tasks[0].completed + n
                rate = counters.embedded / max(time.perf_counter() - started, 1e-9)
                bar.update(task, completed=done, rate=f"{rate:.1f} chunks/s")

            vectors = embed_passages(
                texts,
                self.embedder,
                writer.cache,
                self.settings.embedder.batch_size,
                on_progress=advance,
                counters=counters,
                encode=self.encode,
            )
        offset = 0
        for doc, doc_chunks in todo:
            n = len(doc_chunks)
            writer.upsert_document(
                doc, doc_chunks, vectors[offset : offset + n], [chunk_terms(c) for c in doc_chunks]
            )
            offset += n
        report.chunks = len(chunks)
        report.embedded = counters.embedded
        report.cached = counters.cached


def delete_documents(
    settings: Settings, embedder: Embedder, doc_ids: Sequence[str], store_dir: Path | None = None
) -> int:
    """Delete documents by id; returns how many were there."""
    indexer = Indexer(settings, embedder, store_dir, progress=False)
    with indexer.writer() as writer:
        deleted = sum(writer.delete_document(d) for d in doc_ids)
        if deleted:
            writer.commit()
    return deleted
