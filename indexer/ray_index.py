"""``alqabi index --ray ADDRESS``: reading and embedding sharded over a Ray cluster.

Ray Data reads the files in shards on the cluster's workers (the paths must be readable
there: a shared or replicated file system), the driver skips unchanged documents and
cached passages as usual, and embedding actors (one per ``--workers``, each loading the
embedder once with its share of a node's cores) embed the remaining batches. Results come
back to the driver in order and go through the one StoreWriter, so the shards end up in
one store with the usual atomic snapshot. ``ray`` is imported only here (extra ``dist``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.config import EmbedderSettings
from assistant.core.embeddings import index_settings, make_embedder
from assistant.core.schemas import SourceDocument
from indexer.pipeline import Indexer
from indexer.readers import ReaderError, ReadResult, read_file
from indexer.workers import threads_per_worker


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("Ray is not installed: pip install 'alqabi[dist]'") from exc
    return ray


def connect(address: str, num_cpus: int | None = None) -> Any:
    """Join the cluster at ``address`` ("auto", "ray://host:10001", ...), or start a
    local instance for "local" (with ``num_cpus``, default all cores)."""
    ray = _ray()
    if not ray.is_initialized():
        if address == "local":
            ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False)
        else:
            ray.init(address=address)
    return ray


def _read_row(row: dict[str, Any]) -> dict[str, Any]:
    """One file read on a Ray worker, as JSON (documents, warnings or the error)."""
    path, root = Path(row["path"]), Path(row["root"])
    try:
        result = read_file(path, root)
    except ReaderError as exc:
        return {"path": row["path"], "result": json.dumps({"error": exc.reason})}
    docs = [d.model_dump(mode="json") for d in result.documents]
    payload = {"documents": docs, "warnings": result.warnings}
    return {"path": row["path"], "result": json.dumps(payload, ensure_ascii=False)}


class _Embed:
    """A Ray actor holding one embedder; embeds one batch per row."""

    def __init__(self, settings_json: str) -> None:
        self.embedder = make_embedder(EmbedderSettings.model_validate_json(settings_json))

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        vectors = self.embedder.embed_passages(list(row["texts"]))
        return {"order": row["order"], "vectors": vectors.astype(np.float32).tobytes()}


class RayIndexer(Indexer):
    """An Indexer whose reading and embedding run on a Ray cluster."""

    def __init__(self, *args: Any, ray: Any, workers: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ray = ray
        self.workers = max(1, workers)
        self.encode = self._encode

    def read_files(
        self, files: Sequence[tuple[Path, Path]]
    ) -> Iterator[tuple[Path, ReadResult | ReaderError]]:
        if not files:
            return
        rows = [{"path": str(p), "root": str(r)} for p, r in files]
        dataset = self.ray.data.from_items(rows, override_num_blocks=min(len(rows), 64))
        results = {r["path"]: json.loads(r["result"]) for r in dataset.map(_read_row).take_all()}
        for path, _ in files:
            result = results[str(path)]
            if "error" in result:
                yield path, ReaderError(path, result["error"])
                continue
            docs = [SourceDocument.model_validate(d) for d in result["documents"]]
            yield path, ReadResult(documents=docs, warnings=result["warnings"])

    def _encode(self, batches: Sequence[Sequence[str]]) -> Iterator[np.ndarray]:
        if not batches:
            return
        cpus = int(self.ray.cluster_resources().get("CPU", 1))
        threads = self.settings.embedder.threads or threads_per_worker(self.workers, cpus)
        settings = index_settings(self.settings.embedder).model_copy(update={"threads": threads})
        rows = [{"order": i, "texts": list(b)} for i, b in enumerate(batches)]
        dataset = self.ray.data.from_items(rows, override_num_blocks=len(rows)).map(
            _Embed,
            fn_constructor_kwargs={"settings_json": settings.model_dump_json()},
            concurrency=self.workers,
            num_cpus=min(threads, cpus),
        )
        dim = self.embedder.info.dim
        # Results arrive as shards finish; hand them on in batch order.
        pending: dict[int, np.ndarray] = {}
        next_order = 0
        for row in dataset.iter_rows():
            pending[int(row["order"])] = np.frombuffer(row["vectors"], np.float32).reshape(-1, dim)
            while next_order in pending:
                yield pending.pop(next_order)
                next_order += 1
