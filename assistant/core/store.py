"""The store: FAISS vectors + SQLite metadata and full-text, in atomic snapshots.

Layout of a store directory::

    CURRENT                  name of the live snapshot (replaced atomically)
    snapshots/<name>/        meta.sqlite, vectors.npy, ids.npy, index.faiss, manifest.json
    embed_cache.sqlite       passage vectors by (model family, text hash); survives crashes
    .lock                    held by the one writer

A writer copies the live snapshot into a new directory, applies its changes there, syncs
every file, writes the manifest (with sha256 of each file) and only then points CURRENT at
it. Readers open whatever CURRENT names, so they never see a half-written store, and a crash
at any point leaves the previous snapshot live.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
from pydantic import BaseModel, Field

from assistant.core.embeddings import EmbedderInfo
from assistant.core.schemas import Chunk, SearchFilters, SourceDocument

FORMAT_VERSION = 1
_FILES = ("meta.sqlite", "vectors.npy", "ids.npy", "index.faiss")
# Filters whose allowed row ids a Store keeps.
_ALLOWED_KEPT = 32
# Bytes of meta.sqlite a reader maps into memory (SQLite caps it at its build's maximum).
_MMAP_BYTES = 1 << 31

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    lang TEXT,
    doc_type TEXT NOT NULL,
    category TEXT,
    date TEXT,
    content_hash TEXT NOT NULL,
    metadata TEXT NOT NULL,
    indexed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    title TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    article TEXT,
    lang TEXT,
    source TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    doc_type TEXT NOT NULL,
    category TEXT,
    date TEXT,
    metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE INDEX IF NOT EXISTS chunks_filter ON chunks(doc_type, lang, category, date);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    norm, folded, tokenize = "unicode61 remove_diacritics 0"
);
CREATE TABLE IF NOT EXISTS vocab (term TEXT PRIMARY KEY, df INTEGER NOT NULL);
"""


class StoreError(RuntimeError):
    """The store is missing, corrupt, locked or used with the wrong embedder."""


class StoreManifest(BaseModel):
    """What a snapshot holds and how to check it."""

    format: int = FORMAT_VERSION
    snapshot: str
    created_at: str
    embedder: EmbedderInfo
    documents: int
    chunks: int
    index_type: Literal["flat", "hnsw"]
    # Version of the chunking and lexical terms that built it; another version means re-index.
    pipeline: str = ""
    files: dict[str, str] = Field(default_factory=dict)


class LexicalTerms(BaseModel):
    """Pre-tokenised text for the two FTS columns."""

    norm: list[str]
    folded: list[str]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_file(path: Path) -> None:
    with path.open("rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# Stores from this many FTS rows on leave weightless terms out of BM25 queries.
_PRUNE_MIN_ROWS = 1000


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _date_str(value: date | None) -> str | None:
    return value.isoformat() if value else None


class _FilterSQL(BaseModel):
    where: str
    params: list[Any]


def _filter_sql(filters: SearchFilters | None, alias: str = "c") -> _FilterSQL:
    if filters is None:
        return _FilterSQL(where="1", params=[])
    parts: list[str] = []
    params: list[Any] = []
    for column in ("doc_type", "lang", "category", "doc_id"):
        values = getattr(filters, column)
        if values:
            parts.append(f"{alias}.{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    if filters.date_from:
        parts.append(f"{alias}.date >= ?")
        params.append(filters.date_from.isoformat())
    if filters.date_to:
        parts.append(f"{alias}.date <= ?")
        params.append(filters.date_to.isoformat())
    for key, values in (filters.metadata or {}).items():
        if not values:
            continue
        marks = ",".join("?" * len(values))
        path = f"$.{key}"
        # Scalars compare directly; lists match when any element is accepted.
        parts.append(
            f"(CASE json_type({alias}.metadata, ?) WHEN 'array' THEN EXISTS (SELECT 1 FROM "
            f"json_each({alias}.metadata, ?) WHERE value IN ({marks})) ELSE "
            f"json_extract({alias}.metadata, ?) IN ({marks}) END)"
        )
        params.extend([path, path, *values, path, *values])
    return _FilterSQL(where=" AND ".join(parts) or "1", params=params)


def _row_to_chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        ordinal=row["ordinal"],
        text=row["text"],
        title=row["title"],
        heading_path=json.loads(row["heading_path"]),
        article=row["article"],
        lang=row["lang"],
        source=row["source"],
        start=row["start"],
        end=row["end"],
        doc_type=row["doc_type"],
        category=row["category"],
        date=row["date"],
        metadata=json.loads(row["metadata"]),
    )


def _build_index(
    ids: np.ndarray, vectors: np.ndarray, dim: int, hnsw_m: int, ann_threshold: int
) -> tuple[faiss.Index, Literal["flat", "hnsw"]]:
    if len(ids) >= ann_threshold:
        base: faiss.Index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = 80
        kind: Literal["flat", "hnsw"] = "hnsw"
    else:
        base = faiss.IndexFlatIP(dim)
        kind = "flat"
    index = faiss.IndexIDMap2(base)
    if len(ids):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
    return index, kind


def live_snapshot(store_dir: Path) -> Path | None:
    """The directory CURRENT points at, or None when there is no store yet."""
    current = Path(store_dir) / "CURRENT"
    if not current.exists():
        return None
    name = current.read_text(encoding="utf-8").strip()
    path = Path(store_dir) / "snapshots" / name
    if not name or not path.is_dir():
        raise StoreError(f"{current} names a missing snapshot {name!r}")
    return path


class Store:
    """A read-only view of one snapshot: dense, lexical and metadata queries."""

    def __init__(self, snapshot_dir: Path, manifest: StoreManifest, ef_search: int = 128) -> None:
        self.path = snapshot_dir
        self.manifest = manifest
        self._local = threading.local()
        self.index = faiss.read_index(str(snapshot_dir / "index.faiss"))
        if manifest.index_type == "hnsw":
            faiss.downcast_index(self.index.index).hnsw.efSearch = ef_search
        self._vocab: list[str] | None = None
        self._vocab_lock = threading.Lock()
        self._no_weight: dict[str, frozenset[str]] | None = None
        self._allowed: dict[tuple[str, tuple[Any, ...]], np.ndarray] = {}
        self._allowed_lock = threading.Lock()
        # Serving runs one query at a time per request; two FAISS threads made a single flat
        # query 2.5x slower here. Index building (StoreWriter) runs before any Store is opened.
        faiss.omp_set_num_threads(1)

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, store_dir: Path, verify: bool = True, ef_search: int = 128) -> Store:
        """Open the live snapshot; with ``verify`` every file's checksum is checked."""
        snapshot = live_snapshot(Path(store_dir))
        if snapshot is None:
            raise StoreError(
                f"no store at {store_dir}: build one with `alqabi index` (or set ALQABI_STORE_DIR)"
            )
        return cls.open_snapshot(snapshot, verify=verify, ef_search=ef_search)

    @classmethod
    def open_snapshot(cls, snapshot: Path, verify: bool = True, ef_search: int = 128) -> Store:
        manifest_path = snapshot / "manifest.json"
        try:
            manifest = StoreManifest.model_validate_json(manifest_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise StoreError(f"snapshot {snapshot.name}: unreadable manifest ({exc})") from exc
        if manifest.format != FORMAT_VERSION:
            raise StoreError(
                f"snapshot {snapshot.name} has format {manifest.format}, expected "
                f"{FORMAT_VERSION}: rebuild it with `alqabi index`"
            )
        if verify:
            for name, expected in manifest.files.items():
                path = snapshot / name
                if not path.exists():
                    raise StoreError(f"snapshot {snapshot.name}: {name} is missing")
                if _sha256(path) != expected:
                    raise StoreError(
                        f"snapshot {snapshot.name}: {name} is corrupt (checksum mismatch)"
                    )
        try:
            return cls(snapshot, manifest, ef_search=ef_search)
        except RuntimeError as exc:
            raise StoreError(f"snapshot {snapshot.name}: cannot load index ({exc})") from exc

    @property
    def db(self) -> sqlite3.Connection:
        """A read-only connection for the calling thread."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            uri = f"file:{self.path / 'meta.sqlite'}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            # A snapshot is never written, so reading it through a memory map is safe, shared by
            # every thread's connection, and saves a quarter of a BM25 query (evals/bench_cases).
            conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
            self._local.conn = conn
        return conn

    def check_embedder(self, info: EmbedderInfo) -> None:
        """Refuse to query with vectors from another model family or dimension."""
        built = self.manifest.embedder
        if built.compat_id != info.compat_id:
            raise StoreError(
                f"store was built with {built.backend}:{built.model} ({built.compat_id}); "
                f"querying it with {info.backend}:{info.model} ({info.compat_id}) is refused"
            )

    # -- queries ---------------------------------------------------------------------------

    def allowed_ids(self, filters: SearchFilters | None) -> np.ndarray | None:
        """Row ids that pass the filters (read-only), or None when there are no filters."""
        sql = _filter_sql(filters)
        if sql.where == "1":
            return None
        # A snapshot never changes, so the rows of a filter are read once (every case search
        # filters by document type); a few recent filters are kept.
        key = (sql.where, tuple(sql.params))
        ids = self._allowed.get(key)
        if ids is None:
            rows = self.db.execute(f"SELECT id FROM chunks c WHERE {sql.where}", sql.params)
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64)
            ids.flags.writeable = False
            with self._allowed_lock:
                if len(self._allowed) >= _ALLOWED_KEPT:
                    self._allowed.pop(next(iter(self._allowed)))
                self._allowed[key] = ids
        return ids

    def search_dense(
        self, query: np.ndarray, k: int, filters: SearchFilters | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (row id, cosine) by inner product."""
        if self.index.ntotal == 0:
            return []
        params = None
        allowed = self.allowed_ids(filters)
        if allowed is not None:
            if len(allowed) == 0:
                return []
            selector = faiss.IDSelectorBatch(allowed)
            params = (
                faiss.SearchParametersHNSW(sel=selector)
                if self.manifest.index_type == "hnsw"
                else faiss.SearchParameters(sel=selector)
            )
        vec = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self.index.search(vec, min(k, self.index.ntotal), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def search_lexical(
        self,
        terms: LexicalTerms,
        k: int,
        filters: SearchFilters | None = None,
        weights: tuple[float, float] = (1.0, 1.0),
    ) -> list[tuple[int, float]]:
        """Top-k (row id, -bm25) over the normalised and folded columns."""
        no_weight = self.weightless_terms()
        groups = []
        for column, values in (("norm", terms.norm), ("folded", terms.folded)):
            kept = [t for t in dict.fromkeys(values) if t not in no_weight[column]]
            if kept:
                groups.append(f"{column} : (" + " OR ".join(map(_fts_quote, kept)) + ")")
        if not groups:
            return []
        sql = _filter_sql(filters)
        query = (
            "SELECT f.rowid, bm25(chunks_fts, ?, ?) AS s FROM chunks_fts f "
            + ("JOIN chunks c ON c.id = f.rowid " if sql.where != "1" else "")
            + f"WHERE chunks_fts MATCH ? AND {sql.where} ORDER BY s LIMIT ?"
        )
        rows = self.db.execute(query, [*weights, " OR ".join(groups), *sql.params, k])
        return [(int(r[0]), -float(r[1])) for r in rows]

    def weightless_terms(self) -> dict[str, frozenset[str]]:
        """Per FTS column, the terms in at least half of the rows of a store of
        ``_PRUNE_MIN_ROWS`` rows or more, loaded once.

        FTS5's bm25 gives such a term an IDF of 1e-6 (log((N - n + 0.5) / (n + 0.5)) <= 0 is
        clamped), so it adds nothing to any score, yet its posting list is the longest to scan:
        leaving them out of a case description's query ("Ф.И.О.1" gives "ф" and "1") made it
        43% faster with the same top 10 (evals/bench_cases). Smaller stores keep them: their
        scan is cheap and a row found only through them is still a lexical candidate.
        """
        with self._vocab_lock:
            if self._no_weight is None:
                found: dict[str, set[str]] = {"norm": set(), "folded": set()}
                rows = self.db.execute("SELECT count(*) FROM chunks_fts").fetchone()[0]
                if rows >= _PRUNE_MIN_ROWS:
                    self.db.execute(
                        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms "
                        "USING fts5vocab(main, chunks_fts, 'col')"
                    )
                    for column, term in self.db.execute(
                        "SELECT col, term FROM temp.fts_terms WHERE doc * 2 >= ?", (rows,)
                    ):
                        found[column].add(term)
                self._no_weight = {column: frozenset(t) for column, t in found.items()}
            return self._no_weight

    def vocabulary(self) -> list[str]:
        """Folded index terms (for fuzzy expansion), loaded once."""
        with self._vocab_lock:
            if self._vocab is None:
                self._vocab = [r[0] for r in self.db.execute("SELECT term FROM vocab")]
            return self._vocab

    def get_chunks(self, row_ids: Sequence[int]) -> dict[int, Chunk]:
        """Chunks by row id."""
        if not row_ids:
            return {}
        out: dict[int, Chunk] = {}
        ids = list(dict.fromkeys(int(i) for i in row_ids))
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            rows = self.db.execute(
                f"SELECT * FROM chunks WHERE id IN ({','.join('?' * len(part))})", part
            )
            out.update({r["id"]: _row_to_chunk(r) for r in rows})
        return out

    def row_ids_for_chunks(self, chunk_ids: Sequence[str]) -> dict[str, int]:
        """Row ids by chunk id."""
        if not chunk_ids:
            return {}
        rows = self.db.execute(
            f"SELECT chunk_id, id FROM chunks WHERE chunk_id IN ({','.join('?' * len(chunk_ids))})",
            list(chunk_ids),
        )
        return {r[0]: int(r[1]) for r in rows}

    def vectors_for(self, row_ids: Sequence[int]) -> np.ndarray:
        """Stored vectors for row ids (in that order)."""
        return (
            np.stack([self.index.reconstruct(int(i)) for i in row_ids])
            if row_ids
            else (np.zeros((0, self.manifest.embedder.dim), dtype=np.float32))
        )

    def document(self, doc_id: str) -> SourceDocument | None:
        """A whole document by id."""
        row = self.db.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        return SourceDocument(
            doc_id=row["doc_id"],
            source=row["source"],
            title=row["title"],
            text=row["text"],
            lang=row["lang"],
            doc_type=row["doc_type"],
            category=row["category"],
            date=row["date"],
            content_hash=row["content_hash"],
            metadata=json.loads(row["metadata"]),
        )

    def documents(self, doc_type: str | None = None) -> Iterator[SourceDocument]:
        """All documents, optionally of one type."""
        query = "SELECT doc_id FROM documents" + (" WHERE doc_type = ?" if doc_type else "")
        ids = [r[0] for r in self.db.execute(query, (doc_type,) if doc_type else ())]
        for doc_id in ids:
            doc = self.document(doc_id)
            if doc is not None:
                yield doc

    def document_hashes(self) -> dict[str, str]:
        """content_hash by doc_id."""
        return {r[0]: r[1] for r in self.db.execute("SELECT doc_id, content_hash FROM documents")}

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        """A document's chunks in order."""
        rows = self.db.execute("SELECT * FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))
        return [_row_to_chunk(r) for r in rows]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class EmbeddingCache:
    """Passage vectors by (model family, sha256 of text); committed per batch."""

    def __init__(self, path: Path, info: EmbedderInfo) -> None:
        self._conn = sqlite3.connect(path)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors (compat TEXT, key TEXT, vec BLOB, "
            "PRIMARY KEY (compat, key))"
        )
        self._compat = info.compat_id
        self._dim = info.dim

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 900):
            part = list(keys[start : start + 900])
            rows = self._conn.execute(
                f"SELECT key, vec FROM vectors WHERE compat = ? AND key IN "
                f"({','.join('?' * len(part))})",
                [self._compat, *part],
            )
            for key, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (self._dim,):
                    out[key] = vec
        return out

    def put_many(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(self._compat, k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items],
            )

    def close(self) -> None:
        self._conn.close()


class StoreWriter:
    """Builds the next snapshot from the live one; ``commit`` swaps it in atomically."""

    def __init__(
        self,
        store_dir: Path,
        embedder: EmbedderInfo,
        ann_threshold: int = 100_000,
        hnsw_m: int = 32,
        keep_snapshots: int = 2,
        pipeline: str = "",
    ) -> None:
        self.store_dir = Path(store_dir)
        self.embedder = embedder
        self.pipeline = pipeline
        self.previous: StoreManifest | None = None
        self.ann_threshold = ann_threshold
        self.hnsw_m = hnsw_m
        self.keep_snapshots = max(1, keep_snapshots)
        self.store_dir.mkdir(parents=True, exist_ok=True)
        (self.store_dir / "snapshots").mkdir(exist_ok=True)
        self._lock_fh = (self.store_dir / ".lock").open("a+")
        try:
            fcntl.flock(self._lock_fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self._lock_fh.close()
            raise StoreError(f"{self.store_dir} is being written by another process") from exc
        self._clean_orphans()
        # Microseconds keep names in creation order for pruning, even for two commits a second.
        self.name = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:8]
        self.tmp = self.store_dir / "snapshots" / f".tmp-{self.name}"
        self.tmp.mkdir()
        self._ids, self._vectors = self._start_from_live()
        self.db = sqlite3.connect(self.tmp / "meta.sqlite")
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.executescript(_SCHEMA)
        self._new_ids: list[np.ndarray] = []
        self._new_vectors: list[np.ndarray] = []
        self._deleted: set[int] = set()
        self._vocab_delta: dict[str, int] = {}
        self.cache = EmbeddingCache(self.store_dir / "embed_cache.sqlite", embedder)
        self._done = False

    def _clean_orphans(self) -> None:
        # Leftovers of a crashed writer; safe to drop because we hold the lock.
        for path in (self.store_dir / "snapshots").glob(".tmp-*"):
            shutil.rmtree(path, ignore_errors=True)

    def _start_from_live(self) -> tuple[np.ndarray, np.ndarray]:
        live = live_snapshot(self.store_dir)
        dim = self.embedder.dim
        if live is None:
            return np.zeros(0, dtype=np.int64), np.zeros((0, dim), dtype=np.float32)
        manifest = Store.open_snapshot(live, verify=True).manifest
        self.previous = manifest
        if manifest.embedder.compat_id != self.embedder.compat_id:
            raise StoreError(
                f"store at {self.store_dir} holds {manifest.embedder.compat_id} vectors; "
                f"cannot add {self.embedder.compat_id} vectors (use a new --store)"
            )
        src = sqlite3.connect(f"file:{live / 'meta.sqlite'}?mode=ro", uri=True)
        dst = sqlite3.connect(self.tmp / "meta.sqlite")
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        return np.load(live / "ids.npy"), np.load(live / "vectors.npy")

    # -- changes ---------------------------------------------------------------------------

    def hashes(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT doc_id, content_hash FROM documents")}

    def delete_document(self, doc_id: str) -> bool:
        """Remove a document with its chunks and vectors; False when it is not there."""
        rows = self.db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,)).fetchall()
        if (
            not rows
            and not self.db.execute(
                "SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)
            ).fetchone()
        ):
            return False
        for row in rows:
            fts = self.db.execute(
                "SELECT folded FROM chunks_fts WHERE rowid = ?", (row[0],)
            ).fetchone()
            if fts is not None:
                for term in set(fts[0].split()):
                    self._vocab_delta[term] = self._vocab_delta.get(term, 0) - 1
            self.db.execute("DELETE FROM chunks_fts WHERE rowid = ?", (row[0],))
            self._deleted.add(int(row[0]))
        self.db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        self.db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        return True

    def upsert_document(
        self,
        doc: SourceDocument,
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        terms: Sequence[LexicalTerms],
    ) -> None:
        """Replace a document (if present) by this version, its chunks and their vectors."""
        if len(chunks) != len(vectors) or len(chunks) != len(terms):
            raise ValueError("chunks, vectors and terms must have the same length")
        if vectors.size and vectors.shape[1] != self.embedder.dim:
            raise StoreError(f"vectors have dim {vectors.shape[1]}, store has {self.embedder.dim}")
        self.delete_document(doc.doc_id)
        self.db.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                doc.doc_id,
                doc.source,
                doc.title,
                doc.text,
                doc.lang,
                doc.doc_type,
                doc.category,
                _date_str(doc.date),
                doc.content_hash,
                _json(doc.metadata),
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )
        row_ids: list[int] = []
        for chunk, term in zip(chunks, terms, strict=True):
            cur = self.db.execute(
                "INSERT INTO chunks (chunk_id, doc_id, ordinal, text, title, heading_path, "
                "article, lang, source, start, end, doc_type, category, date, metadata) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    chunk.chunk_id,
                    chunk.doc_id,
                    chunk.ordinal,
                    chunk.text,
                    chunk.title,
                    _json(chunk.heading_path),
                    chunk.article,
                    chunk.lang,
                    chunk.source,
                    chunk.start,
                    chunk.end,
                    chunk.doc_type,
                    chunk.category,
                    _date_str(chunk.date),
                    _json(chunk.metadata),
                ),
            )
            row_id = int(cur.lastrowid or 0)
            row_ids.append(row_id)
            self.db.execute(
                "INSERT INTO chunks_fts (rowid, norm, folded) VALUES (?, ?, ?)",
                (row_id, " ".join(term.norm), " ".join(term.folded)),
            )
            for t in set(term.folded):
                self._vocab_delta[t] = self._vocab_delta.get(t, 0) + 1
        if row_ids:
            self._new_ids.append(np.asarray(row_ids, dtype=np.int64))
            self._new_vectors.append(np.asarray(vectors, dtype=np.float32))

    # -- commit ----------------------------------------------------------------------------

    def _flush_vocab(self) -> None:
        for term, delta in self._vocab_delta.items():
            self.db.execute(
                "INSERT INTO vocab (term, df) VALUES (?, ?) "
                "ON CONFLICT(term) DO UPDATE SET df = df + excluded.df",
                (term, delta),
            )
        self.db.execute("DELETE FROM vocab WHERE df <= 0")
        self._vocab_delta.clear()

    def commit(self) -> StoreManifest:
        """Write, sync and swap in the new snapshot; returns its manifest."""
        self._flush_vocab()
        self.db.commit()
        docs = self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        n_chunks = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        self.db.execute("PRAGMA optimize")
        self.db.close()
        keep = ~np.isin(self._ids, np.fromiter(self._deleted, dtype=np.int64))
        ids = np.concatenate([self._ids[keep], *self._new_ids])
        dim = self.embedder.dim
        vectors = np.concatenate([self._vectors[keep].reshape(-1, dim), *self._new_vectors]).astype(
            np.float32
        )
        if len(ids) != n_chunks:
            raise StoreError(f"internal: {len(ids)} vectors for {n_chunks} chunks")
        np.save(self.tmp / "ids.npy", ids)
        np.save(self.tmp / "vectors.npy", vectors)
        index, kind = _build_index(ids, vectors, dim, self.hnsw_m, self.ann_threshold)
        faiss.write_index(index, str(self.tmp / "index.faiss"))
        files = {}
        for name in _FILES:
            _fsync_file(self.tmp / name)
            files[name] = _sha256(self.tmp / name)
        manifest = StoreManifest(
            snapshot=self.name,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            embedder=self.embedder,
            documents=docs,
            chunks=n_chunks,
            index_type=kind,
            pipeline=self.pipeline,
            files=files,
        )
        (self.tmp / "manifest.json").write_text(manifest.model_dump_json(indent=2), "utf-8")
        _fsync_file(self.tmp / "manifest.json")
        final = self.store_dir / "snapshots" / self.name
        os.replace(self.tmp, final)
        _fsync_dir(self.store_dir / "snapshots")
        pointer = self.store_dir / f".CURRENT.{self.name}"
        pointer.write_text(self.name + "\n", encoding="utf-8")
        _fsync_file(pointer)
        os.replace(pointer, self.store_dir / "CURRENT")
        _fsync_dir(self.store_dir)
        self._prune()
        self._finish()
        return manifest

    def _prune(self) -> None:
        snapshots = sorted(
            (
                p
                for p in (self.store_dir / "snapshots").iterdir()
                if not p.name.startswith(".") and p.name != self.name
            ),
            key=lambda p: p.name,
        )
        # The snapshot just made live is never a candidate; keep the newest others.
        for old in snapshots[: max(len(snapshots) - (self.keep_snapshots - 1), 0)]:
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Drop the unfinished snapshot; the live one stays as it was."""
        if self._done:
            return
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        self._finish()

    def _finish(self) -> None:
        self._done = True
        self.cache.close()
        fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
        self._lock_fh.close()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if not self._done:
            self.abort()
