"""Fusion weights of the hybrid retriever, chosen on two kinds of questions at once.

The guidance gold set (against a store holding guidance and FAQ, by default ``var/store``) and
KazQAD (its own store, indexed as ``make index`` does) are each split in halves by question id.
On the tuning halves every candidate weighting is scored by its recall@5 and MRR over those of
the better single method (dense or BM25) on that half; the candidate with the best worst ratio
(then the best mean ratio) is chosen. The table shows every candidate on the reported halves,
next to dense, BM25 and the shipped weights (``RetrievalSettings``).

    python -m evals.fusion [--store DIR] [--kazqad-store DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.core.config import RetrievalSettings, Settings, get_settings
from assistant.core.embeddings import Embedder, indexing_embedder, make_embedder, query_settings
from assistant.core.store import Store
from assistant.retrieval import METHODS, HybridRetriever, Method
from evals import retrieval_kazqad as kazqad
from evals.harness.gold import shipped
from evals.harness.suites.retrieval import guidance_gold, rank_metrics

METRICS = ("recall@5", "mrr")


@dataclass
class Benchmark:
    """One question set with its method runs, halves and relevant keys."""

    name: str
    retriever: HybridRetriever
    runs: kazqad.Runs
    key_of: dict[int, str]
    relevant: list[set[str]]
    halves: tuple[list[int], list[int]]

    def figures(
        self, half: int, settings: RetrievalSettings, methods: Sequence[Method] = METHODS
    ) -> dict[str, float]:
        idx = self.halves[half]
        ranked = kazqad.fused_docs(self.retriever, self.runs, idx, self.key_of, methods, settings)
        rows = [rank_metrics(r, self.relevant[i]) for r, i in zip(ranked, idx, strict=True)]
        return {m: statistics.fmean(r[m] for r in rows) for m in METRICS}

    def best_single(self, half: int) -> dict[str, float]:
        singles = [self.figures(half, self.retriever.settings, (m,)) for m in ("dense", "lexical")]
        return {m: max(s[m] for s in singles) for m in METRICS}


def guidance_benchmark(settings: Settings, embedder: Embedder, store_dir: Path) -> Benchmark:
    store = Store.open(store_dir)
    retriever = HybridRetriever(store, embedder, settings.retrieval)
    g = guidance_gold(store, shipped(), settings.api.max_query_chars)
    if not g.items:
        raise SystemExit(f"{store_dir} holds none of the guidance gold set's documents")
    return Benchmark(
        "guidance",
        retriever,
        kazqad.collect(retriever, g.questions),
        g.key_of,
        g.relevant,
        kazqad.halves(g.questions),
    )


def kazqad_benchmark(settings: Settings, embedder: Embedder, store_dir: Path) -> Benchmark:
    settings = settings.model_copy(
        update={"store": settings.store.model_copy(update={"dir": store_dir})}
    )
    indexing = indexing_embedder(settings.embedder, embedder)
    docs, questions = kazqad.load_kazqad()
    store = kazqad.build_store(settings, indexing, docs)
    retriever = HybridRetriever(store, embedder, settings.retrieval)
    doc_of = {int(r[0]): r[1] for r in store.db.execute("SELECT id, doc_id FROM chunks")}
    return Benchmark(
        "kazqad",
        retriever,
        kazqad.collect(retriever, questions),
        doc_of,
        [{q.gold} for q in questions],
        kazqad.halves(questions),
    )


def ratios(figures: Sequence[dict[str, float]], best: Sequence[dict[str, float]]) -> list[float]:
    """Each benchmark's recall@5 and MRR over those of its best single method."""
    return [
        mine[m] / top[m] if top[m] else 1.0
        for mine, top in zip(figures, best, strict=True)
        for m in METRICS
    ]


def choose(benchmarks: Sequence[Benchmark], base: RetrievalSettings) -> list[dict]:
    """Every candidate with its tuning-half ratios and reported-half figures, best first."""
    best = {half: [b.best_single(half) for b in benchmarks] for half in (0, 1)}
    rows = []
    for cfg in kazqad.candidates(base):
        tuning = ratios([b.figures(0, cfg) for b in benchmarks], best[0])
        reported = [b.figures(1, cfg) for b in benchmarks]
        rows.append(
            {
                "weights": cfg.model_dump(include=kazqad.FUSION),
                "tuning_worst": min(tuning),
                "tuning_mean": statistics.fmean(tuning),
                "reported": {
                    f"{b.name} {m}": v
                    for b, figures in zip(benchmarks, reported, strict=True)
                    for m, v in figures.items()
                },
                "reported_worst": min(ratios(reported, best[1])),
            }
        )
    rows.sort(key=lambda r: (r["tuning_worst"], r["tuning_mean"]), reverse=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=Path("var/store"))
    parser.add_argument("--kazqad-store", type=Path, default=kazqad.DEFAULT_STORE)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    settings = get_settings()
    embedder = make_embedder(query_settings(settings.embedder))
    benchmarks = [guidance_benchmark(settings, embedder, args.store)]
    if kazqad.KAZQAD.exists():
        benchmarks.append(kazqad_benchmark(settings, embedder, args.kazqad_store))
    else:
        print(f"KazQAD not found at {kazqad.KAZQAD}: tuning on the guidance gold set alone")
    rows = choose(benchmarks, settings.retrieval)
    shipped_cfg = settings.retrieval
    fixed = {
        label: {f"{b.name} {m}": v for b in benchmarks for m, v in fig(b).items()}
        for label, fig in (
            ("dense", lambda b: b.figures(1, shipped_cfg, ("dense",))),
            ("lexical", lambda b: b.figures(1, shipped_cfg, ("lexical",))),
            ("shipped", lambda b: b.figures(1, shipped_cfg)),
        )
    }
    result = {
        "questions": {b.name: [len(h) for h in b.halves] for b in benchmarks},
        "chosen": rows[0]["weights"],
        "shipped": shipped_cfg.model_dump(include=kazqad.FUSION),
        "reported_half": fixed,
        "candidates": rows,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print_table(result, print)
    return 0


def print_table(result: dict, out: Callable[[str], None]) -> None:
    sizes = ", ".join(f"{k} {t} tuning / {r} reported" for k, (t, r) in result["questions"].items())
    out(f"questions: {sizes}")
    out(f"chosen on the tuning halves: {result['chosen']}; shipped: {result['shipped']}")
    columns = list(next(iter(result["reported_half"].values())))
    out("| weights (dense 1) | tuning worst / mean ratio | " + " | ".join(columns) + " |")
    out("|---" * (len(columns) + 2) + "|")
    for label, figures in result["reported_half"].items():
        out(f"| {label} | | " + " | ".join(f"{figures[c]:.3f}" for c in columns) + " |")
    for row in result["candidates"]:
        w = row["weights"]
        out(
            f"| lexical {w['lexical_weight']}, fuzzy {w['fuzzy_weight']} | "
            f"{row['tuning_worst']:.3f} / {row['tuning_mean']:.3f} | "
            + " | ".join(f"{row['reported'][c]:.3f}" for c in columns)
            + " |"
        )


if __name__ == "__main__":
    raise SystemExit(main())
