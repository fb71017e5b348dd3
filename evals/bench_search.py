"""Benchmark: indexing throughput, and search latency in-process and over HTTP.

    python -m evals.bench_search [--store DIR] [--queries N] [--index PATH ...]

Indexing is measured on a fresh temporary store with an empty embedding cache, so the
figure is the real first-build rate. Latency is measured on ``--store`` (built from
``corpus/`` by ``make run``), over loopback with a real uvicorn server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import httpx
import uvicorn

from assistant.api.app import create_app
from assistant.core.config import Settings, get_settings
from assistant.core.embeddings import Embedder, make_embedder, query_settings
from assistant.retrieval import HybridRetriever
from assistant.services import Services
from indexer.pipeline import Indexer

SHARED = Path(__file__).resolve().parents[2] / "shared"
KAZQAD = SHARED / "data" / "kazqad" / "kazqad-reading-comprehension-v1.0-kk-validation.jsonl"
QUERIES = [
    "кім алқаби бола алады",
    "алкаби болу ушин канша жас керек",
    "сколько платят присяжному заседателю",
    "что будет если не явиться в суд по повестке",
    "алқабилер үкімді қалай шығарады",
    "можно ли обжаловать вердикт присяжных",
    "who can be a juror in Kazakhstan",
    "отвод присяжного заседателя",
]


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def timed_both(call: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and process CPU milliseconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure(calls: Sequence[Callable[[], object]]) -> dict[str, dict[str, float]]:
    calls[0]()  # warm-up: first-use caches are not steady state
    wall, cpu = zip(*(timed_both(c) for c in calls), strict=True)
    return {"wall": summary(wall), "cpu": summary(cpu)}


def queries(n: int) -> list[str]:
    """Built-in kk/ru/en questions, topped up with KazQAD questions when present."""
    out = list(QUERIES)
    if KAZQAD.exists():
        for line in KAZQAD.read_text(encoding="utf-8").splitlines():
            out.append(json.loads(line)["question"])
            if len(out) >= n:
                break
    return (out * (n // len(out) + 1))[:n]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def bench_indexing(settings: Settings, embedder: Embedder, paths: Sequence[Path]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        fresh = settings.model_copy(
            update={"store": settings.store.model_copy(update={"dir": Path(tmp) / "store"})}
        )
        report = Indexer(fresh, embedder).run(list(paths))
    return {
        "documents": report.documents,
        "chunks": report.chunks,
        "seconds": round(report.seconds, 1),
        "chunks_per_s": round(report.chunks_per_s, 2),
    }


def bench_in_process(retriever: HybridRetriever, qs: Sequence[str]) -> dict[str, dict]:
    out = {}
    for name, methods in {
        "dense": ("dense",),
        "lexical": ("lexical",),
        "hybrid": ("dense", "lexical", "fuzzy"),
    }.items():
        retriever.search(qs[0], 10, methods=methods)  # warm-up
        out[name] = summary(
            [timed(lambda q=q, m=methods: retriever.search(q, 10, methods=m)) for q in qs]
        )
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(settings: Settings, services: Services) -> Iterator[httpx.Client]:
    """The app on a real uvicorn server on a free loopback port, ready; a client for it."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, services), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if client.get("/ready").status_code == 200:
                        break
                except httpx.TransportError:
                    pass  # not listening yet
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not become ready")
                time.sleep(0.1)
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def bench_http(settings: Settings, services: Services, qs: Sequence[str]) -> dict:
    with served(settings, services) as client:
        client.post("/v1/search", json={"query": qs[0]})
        ms = []
        for q in qs:
            ms.append(
                timed(
                    lambda q=q: client.post(
                        "/v1/search", json={"query": q, "k": 10}
                    ).raise_for_status()
                )
            )
    return summary(ms)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--index",
        type=Path,
        nargs="*",
        default=None,
        help="paths to index for the throughput figure (default: corpus/)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.store:
        settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"dir": args.store})}
        )
    embedder = make_embedder(query_settings(settings.embedder))
    result: dict[str, object] = {"embedder": embedder.info.model_dump()}
    result["indexing"] = bench_indexing(settings, embedder, args.index or [settings.corpus_dir])
    services = Services(settings, embedder)
    loaded = services.load()
    result["store"] = {
        "chunks": loaded.store.manifest.chunks,
        "index_type": loaded.store.manifest.index_type,
    }
    qs = queries(args.queries)
    result["search_in_process"] = bench_in_process(loaded.retriever, qs)
    result["search_http"] = bench_http(settings, services, qs)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    ix = result["indexing"]
    print(f"embedder: {embedder.info.backend}:{embedder.info.model}")
    print(
        f"indexing: {ix['documents']} documents, {ix['chunks']} chunks in {ix['seconds']} s "
        f"= {ix['chunks_per_s']} chunks/s"
    )
    print(f"store: {result['store']}")
    print("| search | n | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|")
    rows = {
        **{f"in-process {k}": v for k, v in result["search_in_process"].items()},
        "HTTP /v1/search (hybrid)": result["search_http"],
    }
    for name, s in rows.items():
        print(f"| {name} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
