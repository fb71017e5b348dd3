"""FAISS index types against exact search at 100k and 1M embeddings: recall, latency, build.

Vectors (cached under ``var/ann/``, not committed):

- **real**: passages cut from our own texts and embedded with the fast e5 backend (ONNX
  int8 build of `alqabi models build`): windows of 1-3 consecutive sentences and shuffled
  sentence pairs/triples of one document, from corpus/ guidance and FAQ, the 3,200
  generated court acts (what the indexer embeds of them) and, when ``../shared`` is there,
  KazQAD contexts and the jury law / CPC texts. Unique texts only.
- **derived** (only to reach sizes beyond the real set): ``normalize((1 - t) * a + t * b +
  noise)`` where ``a`` is a random real vector, ``b`` one of its 10 nearest real
  neighbours, ``t ~ U(0, 0.5)`` and the noise Gaussian with the per-dimension spread of the
  real vectors times 0.25. They keep the real set's local structure (clusters, density) but
  are not embeddings of any text; the output says how many of each a size holds.
- **queries**: KazQAD questions and FAQ questions/paraphrases embedded as queries.

For every size the exact flat inner-product search gives the true top 10; each candidate
(HNSW, IVF-flat, IVF-PQ with exact re-ranking) reports recall@10 against it, single-thread
query latency (p50/p95), build time on the machine's cores and index memory (serialised
size).

    python -m evals.bench_ann [--sizes 100000,1000000] [--real 100000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.core.cases import act_passage
from assistant.core.config import EmbedderSettings
from assistant.core.embeddings import make_embedder
from assistant.core.store import EmbeddingCache
from demo.cases.generator import generate_cases
from evals.bench_embedders import SHARED, _sentences, kazakh_documents, russian_documents
from indexer.pipeline import embed_passages
from indexer.workers import EmbeddingPool

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "var" / "ann"
K = 10
NOISE_SCALE = 0.25
console = Console(stderr=True)


# ------------------------------------------------------------------------------ texts


def _corpus_documents() -> list[str]:
    docs = [p.read_text(encoding="utf-8") for p in sorted((REPO / "corpus").rglob("*.md"))]
    for path in sorted((REPO / "corpus" / "faq").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            docs.append(" ".join([row["title"], *row.get("paraphrases", []), row["text"]]))
    docs += [act_passage(act) for act in generate_cases(3200, 7)]
    return docs


def source_documents(shared: Path) -> list[str]:
    """Our corpus, the generated court acts and (when present) the shared kk/ru texts."""
    docs = _corpus_documents()
    if shared.is_dir():
        docs += kazakh_documents(shared) + russian_documents(shared)
    return docs


def passages(docs: list[str], limit: int, seed: int = 0) -> list[str]:
    """Up to ``limit`` unique passages: sentence windows first, then shuffled combinations."""
    rng = random.Random(seed)
    found: dict[str, None] = {}
    per_doc = [s for s in (_sentences(d) for d in docs) if s]
    for sentences in per_doc:
        for size in (1, 2, 3):
            for start in range(len(sentences) - size + 1):
                found[" ".join(sentences[start : start + size])] = None
    windows = list(found)
    rng.shuffle(windows)
    out = dict.fromkeys(windows[:limit])
    tries = 0
    while len(out) < limit and tries < 20 * limit:
        tries += 1
        sentences = rng.choice(per_doc)
        if len(sentences) < 3:
            continue
        out[" ".join(rng.sample(sentences, rng.choice((2, 3))))] = None
    return list(out)


def questions(shared: Path, limit: int) -> list[str]:
    """Questions to search with: FAQ questions and paraphrases, then KazQAD questions."""
    found: dict[str, None] = {}
    for path in sorted((REPO / "corpus" / "faq").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            found.update(dict.fromkeys([row["title"], *row.get("paraphrases", [])]))
    for path in sorted(shared.glob("data/kazqad/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            found[json.loads(line)["question"]] = None
    return list(found)[:limit]


# ---------------------------------------------------------------------------- vectors


def _bar() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def real_vectors(
    texts: list[str], cache_dir: Path, workers: int, cached_only: bool
) -> tuple[list[str], np.ndarray]:
    """Passage vectors from the fast backend, cached per text so that a rerun resumes.

    With ``cached_only`` nothing is embedded: only the texts an earlier (possibly
    interrupted) run embedded are used. Embedding goes shortest text first, so that subset
    is the shorter part of the sample.
    """
    settings = EmbedderSettings(backend="st")
    with EmbeddingPool(settings, workers) as pool:
        cache = EmbeddingCache(cache_dir / "embed_cache.sqlite", pool.info)
        try:
            if cached_only:
                found = cache.get_many([EmbeddingCache.key(t) for t in texts])
                kept = [t for t in texts if EmbeddingCache.key(t) in found]
                vectors = [found[EmbeddingCache.key(t)] for t in kept]
                return kept, np.stack(vectors).astype(np.float32)
            with _bar() as bar:
                task = bar.add_task("embedding real passages", total=len(texts))
                vectors = embed_passages(
                    texts,
                    pool,
                    cache,
                    batch_size=64,
                    on_progress=lambda n: bar.advance(task, n),
                    encode=pool,
                )
            return texts, vectors
        finally:
            cache.close()


def query_vectors(texts: list[str], cache_dir: Path) -> np.ndarray:
    path = cache_dir / f"queries-{len(texts)}.npy"
    if path.exists():
        return np.load(path)
    vectors = make_embedder(EmbedderSettings(backend="st")).embed_queries(texts)
    np.save(path, vectors)
    return vectors


def derived_vectors(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` vectors mixed from real neighbours (see the module docstring)."""
    if n <= 0:
        return np.zeros((0, real.shape[1]), np.float32)
    rng = np.random.default_rng(seed)
    quantizer = faiss.IndexFlatIP(real.shape[1])
    ivf = faiss.IndexIVFFlat(quantizer, real.shape[1], 1024, faiss.METRIC_INNER_PRODUCT)
    ivf.train(real)
    ivf.add(real)
    ivf.nprobe = 16
    _, neighbours = ivf.search(real, 11)
    spread = real.std(axis=0) * NOISE_SCALE
    out = np.empty((n, real.shape[1]), np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        a = rng.integers(0, len(real), m)
        pick = neighbours[a, rng.integers(1, 11, m)]
        b = np.where(pick >= 0, pick, a)
        t = rng.uniform(0.0, 0.5, (m, 1)).astype(np.float32)
        noise = rng.standard_normal((m, real.shape[1])).astype(np.float32) * spread
        mixed = (1 - t) * real[a] + t * real[b] + noise
        out[start : start + m] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


# ---------------------------------------------------------------------------- indexes


@dataclass
class Candidate:
    name: str
    build: Callable[[np.ndarray], faiss.Index]
    # (label, apply search parameter) pairs swept at query time
    sweep: list[tuple[str, Callable[[faiss.Index], None]]]


def _hnsw(m: int, ef_construction: int) -> Callable[[np.ndarray], faiss.Index]:
    def build(x: np.ndarray) -> faiss.Index:
        index = faiss.IndexHNSWFlat(x.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(x)
        return index

    return build


def _ivf(nlist: int, pq_m: int | None) -> Callable[[np.ndarray], faiss.Index]:
    def build(x: np.ndarray) -> faiss.Index:
        d = x.shape[1]
        quantizer = faiss.IndexFlatIP(d)
        if pq_m is None:
            index: faiss.Index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            ivfpq = faiss.IndexIVFPQ(quantizer, d, nlist, pq_m, 8, faiss.METRIC_INNER_PRODUCT)
            index = faiss.IndexRefineFlat(ivfpq)
        # 64 training points per list, the k-means rule of thumb, from a fixed sample.
        sample = np.random.default_rng(1).choice(len(x), min(len(x), 64 * nlist), replace=False)
        index.train(x[np.sort(sample)])
        index.add(x)
        index.__dict__["_quantizer"] = quantizer  # keep the Python wrapper alive
        return index

    return build


def _set_ef(ef: int) -> Callable[[faiss.Index], None]:
    def apply(index: faiss.Index) -> None:
        index.hnsw.efSearch = ef

    return apply


def _set_nprobe(nprobe: int, k_factor: int | None = None) -> Callable[[faiss.Index], None]:
    def apply(index: faiss.Index) -> None:
        if k_factor is None:
            index.nprobe = nprobe
        else:
            index.k_factor = k_factor
            faiss.downcast_index(index.base_index).nprobe = nprobe

    return apply


def candidates(n: int) -> list[Candidate]:
    nlist = 1024 if n <= 200_000 else 4096
    # efConstruction 40 keeps the 1M build within minutes on 2 cores.
    ef_construction = 80 if n <= 200_000 else 40
    return [
        Candidate(
            f"HNSW32 efC{ef_construction}",
            _hnsw(32, ef_construction),
            [(f"efSearch {ef}", _set_ef(ef)) for ef in (32, 64, 128, 256)],
        ),
        Candidate(
            f"IVF{nlist},Flat",
            _ivf(nlist, None),
            [(f"nprobe {p}", _set_nprobe(p)) for p in (8, 16, 32, 64)],
        ),
        Candidate(
            f"IVF{nlist},PQ48 + exact re-rank",
            _ivf(nlist, 48),
            [(f"nprobe {p}, re-rank {4 * K}", _set_nprobe(p, 4)) for p in (16, 32, 64)],
        ),
    ]


def _search_one_by_one(index: faiss.Index, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-k ids of each query searched alone, and per-query latency in ms."""
    ids = np.empty((len(queries), K), np.int64)
    times = np.empty(len(queries))
    for i, query in enumerate(queries):
        started = time.perf_counter()
        _, found = index.search(query[None, :], K)
        times[i] = (time.perf_counter() - started) * 1000
        ids[i] = found[0]
    return ids, times


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)]))


def evaluate(x: np.ndarray, queries: np.ndarray, cores: int) -> Iterator[dict]:
    """Rows: exact flat search, then every candidate with each query-time setting."""
    faiss.omp_set_num_threads(1)
    flat = faiss.IndexFlatIP(x.shape[1])
    flat.add(x)
    truth, times = _search_one_by_one(flat, queries)
    yield _row("Flat (exact)", "", 0.0, len(faiss.serialize_index(flat)), 1.0, times)
    del flat
    for candidate in candidates(len(x)):
        faiss.omp_set_num_threads(cores)
        started = time.perf_counter()
        index = candidate.build(x)
        build_s = time.perf_counter() - started
        memory = len(faiss.serialize_index(index))
        faiss.omp_set_num_threads(1)
        for label, apply in candidate.sweep:
            apply(index)
            found, times = _search_one_by_one(index, queries)
            yield _row(candidate.name, label, build_s, memory, recall_at_k(found, truth), times)
        del index


def _row(
    name: str, setting: str, build_s: float, memory: int, recall: float, times: np.ndarray
) -> dict:
    return {
        "index": name,
        "setting": setting,
        "build_s": round(build_s, 1),
        "memory_mb": round(memory / 2**20, 1),
        "recall_at_10": round(recall, 4),
        "p50_ms": round(float(np.percentile(times, 50)), 3),
        "p95_ms": round(float(np.percentile(times, 95)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--real", type=int, default=100_000, help="real passages to embed")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="embedding processes")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--embed-only", action="store_true", help="only build the vector cache")
    parser.add_argument(
        "--cached-only", action="store_true", help="use only passages embedded by earlier runs"
    )
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 1

    texts = passages(source_documents(args.shared), args.real)
    sources = "corpus + shared" if args.shared.is_dir() else "corpus"
    console.print(f"{len(texts)} unique real passages from {sources}")
    started = time.perf_counter()
    texts, real = real_vectors(texts, args.cache, args.workers, args.cached_only)
    console.print(f"{len(real)} real vectors ready in {time.perf_counter() - started:.0f} s")
    queries = query_vectors(questions(args.shared, args.queries), args.cache)
    if args.embed_only:
        return
    sizes = sorted(int(s) for s in args.sizes.split(","))
    derived = derived_vectors(real, max(sizes) - len(real))
    results = []
    mean_chars = sum(map(len, texts)) / max(len(texts), 1)
    print(
        f"real vectors: {len(real)} passages (mean {mean_chars:.0f} characters), "
        f"queries: {len(queries)}, cores: {cores}"
    )
    for n in sizes:
        n_real = min(n, len(real))
        x = np.concatenate([real[:n_real], derived[: n - n_real]])
        print(f"\n## {n:,} vectors ({n_real:,} real, {n - n_real:,} derived), dim {x.shape[1]}")
        print(
            f"{'index':<32} {'setting':<22} {'build s':>8} {'MB':>8} {'R@10':>7}"
            f" {'p50 ms':>7} {'p95 ms':>7}"
        )
        for row in evaluate(x, queries, cores):
            row |= {"size": n, "real": n_real}
            results.append(row)
            print(
                f"{row['index']:<32} {row['setting']:<22} {row['build_s']:>8.1f}"
                f" {row['memory_mb']:>8.1f} {row['recall_at_10']:>7.4f}"
                f" {row['p50_ms']:>7.3f} {row['p95_ms']:>7.3f}",
                flush=True,
            )
    out = args.cache / "results.json"
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
