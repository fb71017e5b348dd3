"""Benchmark: similar-case search latency in process, on a store and on a synthetic scale-up.

    python -m evals.bench_cases [--store var/store] [--queries 200]
    python -m evals.bench_cases --scale 100000 [--scaled-store var/bench/cases-100000]

Queries are what the latency suite of ``alqabi eval`` sends: descriptions (the first 300
characters of a first-instance act's facts) and case numbers of indexed acts, one at a time,
after one warm-up call. Each call is timed in wall-clock time and in CPU time of the process
(all its threads): on a machine shared with other jobs the wall figure also holds the time
spent waiting for a core, the CPU figure does not.

``--scale N`` builds (once) a store of N acts from the acts of ``--store`` without embedding
anything: copy c of an act gets the case number ``<number>~c`` (its appeal and cassation acts
point at the copy of their parent), the same text and index terms, and its vector plus Gaussian
noise at 0.25x the per-dimension spread of the real act vectors, L2-normalised, so that copies
stay near their original (as acts of one fact pattern are) without being duplicates. The
store's other documents (guidance, FAQ) are kept. Above ``store.ann_threshold`` vectors the
store is an HNSW index, as a real store of that size would be.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.cases.schemas import CaseSearchRequest
from assistant.cases.service import CaseService
from assistant.core.cases import DOC_TYPE
from assistant.core.config import Settings, get_settings
from assistant.core.embeddings import Embedder
from assistant.core.schemas import SearchFilters
from assistant.core.store import LexicalTerms, Store, StoreWriter, live_snapshot
from assistant.services import Services
from evals.bench_search import measure
from evals.cases import description

NOISE = 0.25
SEED = 11


def bench(service: CaseService, n: int) -> dict[str, object]:
    """Case search by description and by case number, ``n`` calls each."""
    catalog = service.catalog
    first = [i for i, r in enumerate(catalog.records) if r.instance == "first"]
    sample = first[:: max(1, len(first) // n)][:n]
    texts = [description(service, i) for i in sample]
    ids = [catalog.records[i].case_id for i in sample]
    search = service.search.search
    return {
        "acts": len(catalog),
        "search_text": measure([lambda t=t: search(CaseSearchRequest(query=t)) for t in texts]),
        "search_case": measure([lambda c=c: search(CaseSearchRequest(case_id=c)) for c in ids]),
    }


def _moved(metadata: dict, copy: int) -> dict:
    """An act's metadata for its copy ``copy``: its own and its parent's case number moved."""
    return metadata | {
        key: f"{metadata[key]}~{copy}"
        for key in ("case_id", "parent_case_id")
        if metadata.get(key) is not None
    }


def scale_store(source: Path, target: Path, acts: int, settings: Settings) -> None:
    """A store of ``acts`` court acts copied from the store at ``source`` (see the module
    docstring); nothing is embedded."""
    live = live_snapshot(source)
    store = Store.open(source)
    rows = store.allowed_ids(SearchFilters(doc_type=[DOC_TYPE]))
    if live is None or rows is None or not len(rows):
        raise SystemExit(f"{source} holds no court acts to scale up")
    # The target starts as a copy of the live snapshot: copy 0 of every act is the real one.
    shutil.copytree(live, target / "snapshots" / live.name)
    (target / "CURRENT").write_text(live.name + "\n", encoding="utf-8")
    chunks = store.get_chunks([int(r) for r in rows])
    vectors = dict(zip((int(r) for r in rows), store.vectors_for(list(rows)), strict=True))
    spread = np.std(np.stack(list(vectors.values())), axis=0)
    by_doc: dict[str, list[int]] = {}
    for row, chunk in sorted(chunks.items()):
        by_doc.setdefault(chunk.doc_id, []).append(row)
    fts = {
        r[0]: LexicalTerms(norm=r[1].split(), folded=r[2].split())
        for r in store.db.execute("SELECT rowid, norm, folded FROM chunks_fts")
    }
    docs = sorted(by_doc)
    rng = np.random.default_rng(SEED)
    s = settings.store
    with StoreWriter(
        target, store.manifest.embedder, s.ann_threshold, s.hnsw_m, pipeline=store.manifest.pipeline
    ) as writer:
        for done in range(len(docs), acts):
            copy, index = divmod(done, len(docs))
            doc = store.document(docs[index])
            if doc is None:
                continue
            new_doc = doc.model_copy(
                update={"doc_id": f"{doc.doc_id}~{copy}", "metadata": _moved(doc.metadata, copy)}
            )
            rows_of = by_doc[docs[index]]
            new_chunks = [
                chunks[r].model_copy(
                    update={
                        "chunk_id": f"{chunks[r].chunk_id}~{copy}",
                        "doc_id": new_doc.doc_id,
                        "metadata": _moved(chunks[r].metadata, copy),
                    }
                )
                for r in rows_of
            ]
            base = np.stack([vectors[r] for r in rows_of])
            noisy = base + NOISE * spread * rng.standard_normal(base.shape).astype(np.float32)
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            writer.upsert_document(new_doc, new_chunks, noisy, [fts[r] for r in rows_of])
        writer.commit()


def services_for(settings: Settings, store_dir: Path, embedder: Embedder | None) -> Services:
    local = settings.model_copy(
        update={"store": settings.store.model_copy(update={"dir": store_dir})}
    )
    services = Services(local, embedder)
    services.load()
    return services


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=Path("var/store"))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--scale", type=int, default=0, help="also bench N acts (scale-up)")
    parser.add_argument("--scaled-store", type=Path, default=None)
    args = parser.parse_args(argv)
    settings = get_settings()
    services = services_for(settings, args.store, None)
    result: dict[str, object] = {
        "embedder": services.embedder.info.model_dump(),
        "store": bench(services.cases, args.queries),
    }
    if args.scale:
        target = args.scaled_store or Path(f"var/bench/cases-{args.scale}")
        if live_snapshot(target) is None:
            started = time.perf_counter()
            scale_store(args.store, target, args.scale, settings)
            print(f"scaled store {target} built in {time.perf_counter() - started:.0f} s")
        loading = time.perf_counter()
        cases = services_for(settings, target, services.embedder).cases
        result["scaled_load_s"] = round(time.perf_counter() - loading, 1)
        result["scaled"] = bench(cases, args.queries)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
