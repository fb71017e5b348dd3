"""Every court act of one store snapshot: its fields, its case family and one vector."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from assistant.core.cases import DOC_TYPE, CourtAct
from assistant.core.collections import DEMO
from assistant.core.schemas import Chunk, SearchFilters
from assistant.core.store import Store


class ActRecord(BaseModel):
    """The structured fields of one indexed act."""

    case_id: str
    doc_id: str
    title: str
    collection: str = DEMO
    court: str | None = None
    region: str | None = None
    instance: str = "first"
    category: str | None = None
    articles: list[str] = Field(default_factory=list)
    date: dt.date | None = None
    outcome: str | None = None
    appeal_outcome: str = "none"
    cassation_outcome: str = "none"
    parent_case_id: str | None = None
    synthetic: bool = False
    features: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_chunk(cls, chunk: Chunk) -> ActRecord:
        meta = chunk.metadata
        return cls(
            case_id=meta["case_id"],
            doc_id=chunk.doc_id,
            title=chunk.title,
            collection=meta.get("collection") or DEMO,
            court=meta.get("court"),
            region=meta.get("region"),
            instance=meta.get("instance", "first"),
            category=chunk.category,
            articles=meta.get("articles") or [],
            date=chunk.date,
            outcome=meta.get("outcome"),
            appeal_outcome=meta.get("appeal_outcome", "none"),
            cassation_outcome=meta.get("cassation_outcome", "none"),
            parent_case_id=meta.get("parent_case_id"),
            synthetic=bool(meta.get("synthetic", False)),
            features=meta.get("features") or {},
        )


class CaseNotFound(LookupError):
    """No indexed act has this case number."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"no court act with case number {case_id!r} in the store")
        self.case_id = case_id


class Catalog:
    """Acts in (date, case number) order with L2-normalised act vectors in the same order.

    An act's vector is the mean of its chunks' vectors (an act indexed as one passage has
    exactly its own). The family of an act is the case it belongs to: a first-instance act with
    its appeal and cassation acts share the case number of the first-instance act as ``root``.
    """

    def __init__(self, store: Store) -> None:
        self.store: Store | None = store
        rows = store.allowed_ids(SearchFilters(doc_type=[DOC_TYPE]))
        row_list = [] if rows is None else [int(r) for r in rows]
        chunks = store.get_chunks(row_list)
        vectors = store.vectors_for(row_list)
        first: dict[str, Chunk] = {}
        sums: dict[str, np.ndarray] = {}
        for row, vector in zip(row_list, vectors, strict=True):
            chunk = chunks[row]
            first.setdefault(chunk.doc_id, chunk)
            sums[chunk.doc_id] = sums.get(chunk.doc_id, 0) + vector
        records = [ActRecord.from_chunk(c) for c in first.values()]
        self._arrange(records, [sums[r.doc_id] for r in records], store.manifest.embedder.dim)
        doc_index = {r.doc_id: i for i, r in enumerate(self.records)}
        self.row_act = {row: doc_index[chunks[row].doc_id] for row in row_list}

    @classmethod
    def of(cls, records: list[ActRecord], vectors: np.ndarray) -> Catalog:
        """A catalog of acts held outside any store (an evaluation collection such as the
        ECtHR judgments): ``vectors[i]`` is the vector of ``records[i]``; ``act`` finds none."""
        catalog = cls.__new__(cls)
        catalog.store = None
        catalog.row_act = {}
        catalog._arrange(list(records), list(vectors), int(np.shape(vectors)[1]))
        return catalog

    def _arrange(self, records: list[ActRecord], vectors: list[np.ndarray], dim: int) -> None:
        """Records in (date, case number) order with their normalised vectors and fields."""
        order = sorted(
            range(len(records)), key=lambda i: (records[i].date or dt.date.min, records[i].case_id)
        )
        records = [records[i] for i in order]
        self.records = records
        self.index = {r.case_id: i for i, r in enumerate(records)}
        matrix = np.stack([vectors[i] for i in order]) if records else np.zeros((0, dim))
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.vectors = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
        self.roots = np.array([self._root(r) for r in records], dtype=object)
        # The same families as integers: family masks are taken on every search.
        self.families = np.unique(self.roots, return_inverse=True)[1].reshape(-1)
        groups: dict[tuple[str | None, str], list[int]] = {}
        for i, r in enumerate(records):
            if r.outcome is not None:
                groups.setdefault((r.category, r.instance), []).append(i)
        self._peer_groups = {key: np.array(rows, dtype=np.int64) for key, rows in groups.items()}
        self._peer_vectors: dict[tuple[str | None, str], np.ndarray] = {}
        self.categories = np.array([r.category for r in records], dtype=object)
        self.instances = np.array([r.instance for r in records], dtype=object)
        self.outcomes = np.array([r.outcome for r in records], dtype=object)
        self.synthetic = np.array([r.synthetic for r in records], dtype=bool)
        self.collections = np.array([r.collection for r in records], dtype=object)
        self.articles = sorted({a for r in records for a in r.articles})

    def __len__(self) -> int:
        return len(self.records)

    def _root(self, record: ActRecord) -> str:
        seen = {record.case_id}
        while record.parent_case_id and record.parent_case_id in self.index:
            record = self.records[self.index[record.parent_case_id]]
            if record.case_id in seen:  # a cycle in bad data; stop where it closes
                break
            seen.add(record.case_id)
        return record.case_id if record.parent_case_id is None else record.parent_case_id

    def position(self, case_id: str) -> int:
        """Where an act is; CaseNotFound when it is not indexed."""
        found = self.index.get(case_id.strip())
        if found is None:
            raise CaseNotFound(case_id)
        return found

    def act(self, case_id: str) -> CourtAct:
        """The full act as stored."""
        position = self.position(case_id)
        doc = self.store.document(self.records[position].doc_id) if self.store else None
        if doc is None:
            raise CaseNotFound(case_id)
        return CourtAct.from_source_document(doc)

    def others(self, position: int) -> np.ndarray:
        """Mask of acts outside the family of the act at ``position``."""
        return self.families != self.families[position]

    def peer_group(self, position: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and vectors of the acts with an outcome of the same category and instance
        as the act at ``position`` (its own family included); the vectors are kept per group."""
        record = self.records[position]
        key = (record.category, record.instance)
        rows = self._peer_groups.get(key)
        if rows is None:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.vectors.shape[1]), np.float32)
        if key not in self._peer_vectors:
            self._peer_vectors[key] = np.ascontiguousarray(self.vectors[rows])
        return rows, self._peer_vectors[key]

    def expand_articles(self, refs: Iterable[str]) -> list[str]:
        """Indexed article refs a filter matches: "УК 188" also matches "УК 188 ч.2"."""
        wanted = [" ".join(r.split()) for r in refs]
        return sorted({a for a in self.articles for w in wanted if a == w or a.startswith(w + " ")})

    def data_hash(self, positions: Iterable[int]) -> str:
        """Fingerprint of a set of acts: their ids, outcomes and vectors."""
        digest = hashlib.sha256()
        for i in positions:
            r = self.records[i]
            digest.update(f"{r.case_id}\0{r.category}\0{r.outcome}\0{r.articles}\0".encode())
            digest.update(self.vectors[i].tobytes())
        return digest.hexdigest()
