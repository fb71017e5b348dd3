"""Case search and deviation flags on the generated corpus, against its ground truth.

    python -m evals.cases [--n 3200] [--store DIR] [--out DIR]

Search: each first-instance act is a query by case number (its vector and facts), and a sample
of them also as a short description (the opening of its facts, without the findings); the
query's own case (the act with its appeal and cassation acts) is left out of the results for
both kinds, since the description is copied from it. Graded relevance comes from the generator's
ground truth, not from any retrieval method: same category, main article and fact pattern = 2;
same category and main article = 1. nDCG@10 and recall@10 (share of the grade-2 acts found) for
hybrid (score fusion), dense only, lexical only, and the z-score fusion of the document search
for comparison. The dense share of the fusion is chosen on one half of the queries (odd positions),
one value for both kinds of query, and reported on the other half.

Deviations: precision and recall of the flags against the planted deviations, the rule's floor
and share chosen on one half of the acts and reported on the other.

Latency: p50/p95 of search (by text and by case number) and predict, in process.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.cases.catalog import Catalog
from assistant.cases.deviation import DeviationRule, deviation, peers
from assistant.cases.schemas import CaseSearchRequest, PredictRequest
from assistant.cases.search import Candidates, CaseSearch
from assistant.cases.service import CaseService
from assistant.core.cases import narrative
from assistant.core.config import Settings, StoreSettings
from assistant.core.embeddings import make_embedder
from assistant.retrieval import Method
from assistant.services import Services
from demo.cases import generate_cases
from demo.cases.cli import write_corpus
from evals.bench_search import summary
from evals.bench_search import timed as wall_ms
from indexer.pipeline import Indexer

FULL = 3200
K = 10
TEXT_QUERIES = 800
METHODS: dict[str, tuple[Method, ...]] = {
    "hybrid": ("dense", "lexical", "fuzzy"),
    "dense": ("dense",),
    "lexical": ("lexical",),
}
DENSE_SHARES = tuple(round(float(a), 2) for a in np.linspace(0.0, 0.5, 11))
NEIGHBOURS_GRID = (10, 20)
FLOOR_GRID = (0.85, 0.9, 0.94, 0.96)
SHARE_GRID = (0.5, 0.6, 0.7, 0.8)
MIN_NEIGHBOURS_GRID = (3, 5)


def default_store(n: int) -> Path:
    return Path("var/eval/cases-store" if n == FULL else f"var/eval/cases-store-{n}")


def ensure_store(n: int, store: Path) -> Services:
    """A store of the first ``n`` generated acts (built, or brought up to date incrementally)."""
    src = store.parent / f"{store.name}-src" / "cases"
    write_corpus(src / "acts.jsonl", generate_cases(n, 7))
    settings = Settings(store=StoreSettings(dir=store))
    embedder = make_embedder(settings.embedder)
    report = Indexer(settings, embedder).run([src])
    if report.failed:
        raise SystemExit(f"indexing failed: {report.failed[:3]}")
    services = Services(settings, embedder)
    services.load()
    return services


# --- search ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    """Relevance of every act to one query act, its ideal DCG@10 and its grade-2 acts."""

    relevance: np.ndarray
    idcg: float
    top: int


def grades(catalog: Catalog) -> Callable[[int], Graded]:
    """Relevance of every act to a query act (0 for the query's own case family), worked out
    once per query act: the tuning grid scores the same queries many times."""
    keys = [r.features.get("relevance_key", "||").split("|") for r in catalog.records]
    topic = np.array(["|".join(k[:2]) for k in keys], dtype=object)
    pattern = np.array([k[2] for k in keys], dtype=object)

    @functools.cache
    def of(query: int) -> Graded:
        same = topic == topic[query]
        grade = np.where(same & (pattern == pattern[query]), 2.0, np.where(same, 1.0, 0.0))
        relevance = np.where(catalog.others(query), grade, 0.0)
        ideal = np.sort(relevance)[::-1][:K]
        idcg = sum(g / np.log2(r + 2) for r, g in enumerate(ideal))
        return Graded(relevance, float(idcg), int((relevance == 2).sum()))

    return of


def ndcg_recall(ranked: Sequence[int], graded: Graded) -> tuple[float, float]:
    relevance = graded.relevance
    gains = [relevance[i] for i in ranked[:K]]
    dcg = sum(g / np.log2(r + 2) for r, g in enumerate(gains))
    found = sum(relevance[i] == 2 for i in ranked[:K])
    recall = found / min(K, graded.top) if graded.top else 1
    return (dcg / graded.idcg if graded.idcg else 0.0), float(recall)


Ranker = Callable[[Candidates], list[int]]
Grades = Callable[[int], Graded]


def evaluate_search(
    queries: list[tuple[int, Candidates]], ranker: Ranker, graded: Grades
) -> dict[str, float]:
    """Mean nDCG@10 and recall@10 of a ranker (candidates → catalog positions) over queries."""
    scores = [ndcg_recall(ranker(found), graded(position)) for position, found in queries]
    ndcg, recall = np.mean(scores, axis=0) if scores else (0.0, 0.0)
    return {"ndcg@10": round(float(ndcg), 4), "recall@10": round(float(recall), 4)}


def fused(service: CaseService, dense_share: float | None, methods: Sequence[Method]) -> Ranker:
    """A ranker over the given methods: score fusion with this dense share, or (None) the
    fusion of the document search (``HybridRetriever.fuse``)."""
    if dense_share is None:
        search = service.search
    else:
        weights = {"dense_weight": dense_share, "lexical_weight": 1.0 - dense_share}
        settings = service.settings.model_copy(update=weights)
        search = CaseSearch(service.search.retriever, service.catalog, settings)

    def rank(found: Candidates) -> list[int]:
        ranked = {m: hits for m, hits in found.ranked.items() if m in methods}
        if dense_share is None:
            rows = ((row, score) for row, score, _ in search.retriever.fuse(ranked))
            return [p for p, _, _ in search.best_acts(rows, found.keep, K)]
        return [p for p, _, _ in search.rank(Candidates(ranked, found.text, found.keep), K)]

    return rank


def search_report(service: CaseService, kinds: dict[str, list[tuple[int, Candidates]]]) -> dict:
    """One dense share for both kinds of query, chosen on the odd-numbered queries by the mean
    hybrid nDCG@10 + recall@10, and every method measured on the even-numbered ones."""
    hybrid = METHODS["hybrid"]
    graded = grades(service.catalog)

    def tuned(share: float) -> float:
        ranker = fused(service, share, hybrid)
        return sum(
            sum(evaluate_search(queries[1::2], ranker, graded).values())
            for queries in kinds.values()
        )

    best = max(DENSE_SHARES, key=tuned)
    report: dict = {"dense_share": best, "queries": {k: len(q) for k, q in kinds.items()}}
    for kind, queries in kinds.items():
        test = queries[0::2]
        report[kind] = {
            name: evaluate_search(test, fused(service, best, methods), graded)
            for name, methods in METHODS.items()
        } | {"hybrid_document_fusion": evaluate_search(test, fused(service, None, hybrid), graded)}
    return report


def description(service: CaseService, position: int) -> str:
    """A short situation as a judge might type it: the opening of the facts, no findings."""
    facts = narrative(service.catalog.act(service.catalog.records[position].case_id).facts)
    return facts[:300].rsplit(" ", 1)[0]


# --- deviations ------------------------------------------------------------------------------


def deviation_report(catalog: Catalog, base: DeviationRule) -> dict:
    first = [i for i, r in enumerate(catalog.records) if r.instance == "first" and r.outcome]
    planted = {i for i in first if catalog.records[i].features.get("deviation")}
    # Each act's peers are searched once, as wide and as low as any rule tried looks.
    widest = max(*NEIGHBOURS_GRID, base.neighbours)
    lowest = min(*FLOOR_GRID, base.floor)
    found = {i: peers(catalog, i, widest, lowest) for i in first}

    def pr(rule: DeviationRule, acts: list[int]) -> dict[str, float]:
        flagged = {i for i in acts if deviation(catalog, i, rule, found[i]) is not None}
        hits = len(flagged & planted)
        truth = len(planted.intersection(acts))
        precision = hits / len(flagged) if flagged else 0.0
        recall = hits / truth if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
        return {
            "flagged": len(flagged),
            "planted": truth,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        }

    tune, test = first[1::2], first[0::2]
    rules = [
        DeviationRule(neighbours=k, floor=f, share=s, min_neighbours=m)
        for k, f, s, m in itertools.product(
            NEIGHBOURS_GRID, FLOOR_GRID, SHARE_GRID, MIN_NEIGHBOURS_GRID
        )
    ]
    best = max(rules, key=lambda r: pr(r, tune)["f1"])
    return {"rule": best.model_dump(), "test": pr(best, test), "default_rule_test": pr(base, test)}


# --- latency ---------------------------------------------------------------------------------


def latency(service: CaseService, texts: list[str], ids: list[str]) -> dict:
    def timed(calls: list[Callable[[], object]]) -> dict:
        return summary([wall_ms(call) for call in calls])

    predictor = service.predictor()
    return {
        "search_text": timed(
            [lambda t=t: service.search.search(CaseSearchRequest(query=t)) for t in texts]
        ),
        "search_case": timed(
            [lambda c=c: service.search.search(CaseSearchRequest(case_id=c)) for c in ids]
        ),
        "predict_text": timed(
            [lambda t=t: predictor.predict(PredictRequest(query=t)) for t in texts]
        ),
        "predict_case": timed(
            [lambda c=c: predictor.predict(PredictRequest(case_id=c)) for c in ids]
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=FULL, help="generated acts (default 3200)")
    parser.add_argument("--store", type=Path, help="store directory (built when missing)")
    parser.add_argument("--out", type=Path, default=Path("evals/runs/cases"), help="report dir")
    args = parser.parse_args(argv)
    services = ensure_store(args.n, args.store or default_store(args.n))
    report = evaluate(services.cases)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cases.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), "utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def evaluate(service: CaseService) -> dict:
    """Search, deviation and latency figures of a store of generated acts (also used by
    ``alqabi eval cases``)."""
    catalog = service.catalog
    first = [i for i, r in enumerate(catalog.records) if r.instance == "first" and r.outcome]
    by_case = [
        (i, service.search.candidates(CaseSearchRequest(case_id=catalog.records[i].case_id)))
        for i in first
    ]
    sample = first[:: max(1, len(first) // TEXT_QUERIES)][:TEXT_QUERIES]
    texts = [description(service, i) for i in sample]
    # A description is copied from its act, so that act's case is left out of its results too.
    by_text = [
        (i, replace(service.search.candidates(CaseSearchRequest(query=t)), keep=catalog.others(i)))
        for i, t in zip(sample, texts, strict=True)
    ]
    report = {
        "acts": len(catalog),
        "search": search_report(service, {"by_case": by_case, "by_text": by_text}),
        "deviations": deviation_report(catalog, service.search.rule),
        "latency_ms": latency(
            service, texts[:20], [catalog.records[i].case_id for i in sample[:20]]
        ),
    }
    return report


if __name__ == "__main__":
    raise SystemExit(main())
