"""KazQAD retrieval eval: dense, lexical, hybrid and a plain langchain FAISS peer.

Indexes the unique contexts of the KazQAD validation split (from ``../shared``), asks
every question and scores whether the question's own context is retrieved. Fusion
settings are tuned on one half of the questions (split by question id) and reported on
the other half, so the hybrid figure is not fitted to the questions it is scored on.

    python -m evals.retrieval_kazqad [--store DIR] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel

from assistant.core.config import RetrievalSettings, Settings, get_settings
from assistant.core.embeddings import (
    Embedder,
    indexing_embedder,
    make_embedder,
)
from assistant.core.store import EmbeddingCache, Store
from assistant.retrieval import METHODS, HybridRetriever, LangchainEmbeddings, Method
from indexer.pipeline import Indexer, embed_passages

SHARED = Path(__file__).resolve().parents[2] / "shared"
KAZQAD = SHARED / "data" / "kazqad" / "kazqad-reading-comprehension-v1.0-kk-validation.jsonl"
DEFAULT_STORE = Path("var/eval/kazqad-store")
DEPTH = 20


class Question(BaseModel):
    qid: str
    text: str
    gold: str


class Scores(BaseModel):
    recall_at_1: float
    recall_at_5: float
    recall_at_10: float
    mrr: float
    n: int


def doc_id_for(context: str) -> str:
    return "kazqad-" + hashlib.sha1(context.encode("utf-8")).hexdigest()[:12]


def load_kazqad(limit: int | None = None) -> tuple[list[dict], list[Question]]:
    """Unique contexts as documents, and the questions with their gold document id."""
    rows = [json.loads(line) for line in KAZQAD.read_text(encoding="utf-8").splitlines() if line]
    docs: dict[str, dict] = {}
    questions = []
    for row in rows:
        doc_id = doc_id_for(row["context"])
        docs.setdefault(
            doc_id,
            {
                "id": doc_id,
                "title": row["title"],
                "text": row["context"],
                "lang": "kk",
                "doc_type": "kazqad",
            },
        )
        questions.append(Question(qid=row["id"], text=row["question"], gold=doc_id))
    if limit:
        questions = questions[:limit]
        keep = {q.gold for q in questions}
        return [d for d in docs.values() if d["id"] in keep], questions
    return list(docs.values()), questions


def build_store(settings: Settings, embedder: Embedder, docs: list[dict]) -> Store:
    """Index the contexts (incrementally: a second run embeds nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kazqad" / "contexts.jsonl"
        path.parent.mkdir()
        path.write_text(
            "\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8"
        )
        report = Indexer(settings, embedder).run([path.parent], prune=True)
    print(
        f"indexed {report.documents} contexts: {report.added} added, {report.changed} changed, "
        f"{report.chunks} chunks in {report.seconds:.1f}s",
        file=sys.stderr,
    )
    return Store.open(settings.store.dir)


def score(ranked_docs: Sequence[Sequence[str]], questions: Sequence[Question]) -> Scores:
    r1 = r5 = r10 = mrr = 0.0
    for docs, q in zip(ranked_docs, questions, strict=True):
        if q.gold in docs[:DEPTH]:
            rank = list(docs).index(q.gold) + 1
            mrr += 1 / rank
            r1 += rank <= 1
            r5 += rank <= 5
            r10 += rank <= 10
    n = max(len(questions), 1)
    return Scores(
        recall_at_1=r1 / n, recall_at_5=r5 / n, recall_at_10=r10 / n, mrr=mrr / n, n=len(questions)
    )


class Runs(BaseModel):
    """Per-question ranked lists of each method, computed once and fused many times."""

    ranked: list[dict[str, list[tuple[int, float]]]]


def collect(retriever: HybridRetriever, questions: Sequence[Question]) -> Runs:
    methods: tuple[Method, ...] = METHODS
    return Runs(ranked=[retriever.ranked(q.text, None, methods) for q in questions])


def to_docs(row_ids: Sequence[int], doc_of: dict[int, str]) -> list[str]:
    """Chunk row ids → distinct document ids in rank order."""
    return list(dict.fromkeys(doc_of[r] for r in row_ids if r in doc_of))


def fused_docs(
    retriever: HybridRetriever,
    runs: Runs,
    idx: Sequence[int],
    doc_of: dict[int, str],
    methods: Sequence[str],
    settings: RetrievalSettings,
) -> list[list[str]]:
    out = []
    for i in idx:
        ranked = {m: runs.ranked[i][m] for m in methods}
        out.append(to_docs([r for r, _, _ in retriever.fuse(ranked, settings)], doc_of))
    return out


GRID_LEXICAL = (0.5, 0.75, 1.0, 1.25, 1.5)
GRID_FUZZY = (0.0, 0.25, 0.5)
FUSION = {"dense_weight", "lexical_weight", "fuzzy_weight"}


def candidates(base: RetrievalSettings) -> list[RetrievalSettings]:
    """Fusion weights to try (dense fixed at 1: only the ratios matter)."""
    return [
        base.model_copy(update={"dense_weight": 1.0, "lexical_weight": lw, "fuzzy_weight": fw})
        for lw, fw in itertools.product(GRID_LEXICAL, GRID_FUZZY)
    ]


def tune(
    retriever: HybridRetriever,
    runs: Runs,
    idx: Sequence[int],
    questions: Sequence[Question],
    doc_of: dict[int, str],
) -> RetrievalSettings:
    """The fusion weights best on the tuning half of KazQAD alone (recall@5, then MRR)."""
    subset = [questions[i] for i in idx]

    def key(cfg: RetrievalSettings) -> tuple[float, float]:
        s = score(fused_docs(retriever, runs, idx, doc_of, METHODS, cfg), subset)
        return s.recall_at_5, s.mrr

    return max(candidates(retriever.settings), key=key)


def peer_docs(
    embedder: Embedder,
    store_dir: Path,
    docs: list[dict],
    questions: Sequence[Question],
    batch_size: int,
    passages: Embedder | None = None,
) -> tuple[list[list[str]], float]:
    """A plain langchain FAISS vector store over the raw contexts with the same embedders:
    ``passages`` (default ``embedder``) for the contexts, as the store was indexed, and
    ``embedder`` for the questions."""
    from langchain_community.vectorstores import FAISS

    texts = [d["text"] for d in docs]
    passages = passages or embedder
    cache = EmbeddingCache(store_dir / "embed_cache.sqlite", passages.info)
    vectors = embed_passages(texts, passages, cache, batch_size)
    cache.close()
    vs = FAISS.from_embeddings(
        list(zip(texts, vectors.tolist(), strict=True)),
        LangchainEmbeddings(embedder),
        metadatas=[{"doc_id": d["id"]} for d in docs],
    )
    started = time.perf_counter()
    out = [[d.metadata["doc_id"] for d in vs.similarity_search(q.text, k=DEPTH)] for q in questions]
    return out, (time.perf_counter() - started) / max(len(questions), 1)


def halves(questions: Sequence[Question]) -> tuple[list[int], list[int]]:
    """Question positions split by a hash of the question id: (tuning half, reported half)."""
    out: tuple[list[int], list[int]] = ([], [])
    for i, q in enumerate(questions):
        out[int(hashlib.md5(q.qid.encode()).hexdigest(), 16) % 2].append(i)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if not KAZQAD.exists():
        print(f"KazQAD not found at {KAZQAD}; skipping (needs ../shared).")
        return 0
    settings = get_settings()
    settings = settings.model_copy(
        update={"store": settings.store.model_copy(update={"dir": args.store})}
    )
    embedder = make_embedder(settings.embedder)
    indexing = indexing_embedder(settings.embedder, embedder)
    docs, questions = load_kazqad(args.limit)
    store = build_store(settings, indexing, docs)
    retriever = HybridRetriever(store, embedder, settings.retrieval)
    doc_of = {int(r[0]): r[1] for r in store.db.execute("SELECT id, doc_id FROM chunks")}
    started = time.perf_counter()
    runs = collect(retriever, questions)
    per_query = (time.perf_counter() - started) / max(len(questions), 1)

    tune_idx, test_idx = halves(questions)
    tuned = tune(retriever, runs, tune_idx, questions, doc_of)
    test_q = [questions[i] for i in test_idx]

    def method(methods: Sequence[str], cfg: RetrievalSettings) -> Scores:
        return score(fused_docs(retriever, runs, test_idx, doc_of, methods, cfg), test_q)

    peer, peer_latency = peer_docs(
        embedder, args.store, docs, questions, settings.embedder.batch_size, indexing
    )
    table: dict[str, Scores] = {
        "dense": method(("dense",), tuned),
        "lexical (BM25)": method(("lexical",), tuned),
        "hybrid, shipped defaults": method(METHODS, settings.retrieval),
        "hybrid, tuned on the other half": method(METHODS, tuned),
        "langchain FAISS peer": score([peer[i] for i in test_idx], test_q),
    }
    result = {
        "dataset": "KazQAD validation (kk)",
        "contexts": len(docs),
        "questions_tuned": len(tune_idx),
        "questions_reported": len(test_idx),
        "embedder": embedder.info.model_dump(),
        "tuned": tuned.model_dump(include=FUSION),
        "seconds_per_query_all_methods": round(per_query, 4),
        "seconds_per_query_peer": round(peer_latency, 4),
        "scores": {k: v.model_dump() for k, v in table.items()},
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result, table.items(), print)
    return 0


def print_table(result: dict, rows: object, out: Callable[[str], None]) -> None:
    out(
        f"KazQAD validation: {result['contexts']} contexts, tuned on "
        f"{result['questions_tuned']} questions, reported on {result['questions_reported']}"
    )
    out(
        f"embedder {result['embedder']['backend']}:{result['embedder']['model']}, "
        f"tuned fusion {result['tuned']}"
    )
    out("| method | recall@1 | recall@5 | recall@10 | MRR@20 |")
    out("|---|---|---|---|---|")
    for name, s in rows:  # type: ignore[attr-defined]
        out(
            f"| {name} | {s.recall_at_1:.3f} | {s.recall_at_5:.3f} | {s.recall_at_10:.3f} | "
            f"{s.mrr:.3f} |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
