"""Retrieval: recall@1/5/10, MRR and nDCG@10 per language and method on the guidance gold set
(against the evaluated store) and on KazQAD (its own store, evals/retrieval_kazqad.py), each
next to a plain langchain FAISS peer with the same embedder."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from assistant.core.config import StoreSettings
from assistant.core.embeddings import indexing_embedder
from assistant.core.store import Store
from assistant.retrieval import METHODS, HybridRetriever, LangchainEmbeddings, Method, check_query
from evals import retrieval_kazqad as kazqad
from evals.harness.context import EvalContext
from evals.harness.gold import GoldItem, GoldSet
from evals.harness.model import SuiteResult

DEPTH = kazqad.DEPTH
NAMED: dict[str, tuple[Method, ...]] = {
    "dense": ("dense",),
    "lexical": ("lexical",),
    "hybrid": METHODS,
}


def rank_metrics(ranked: Sequence[str], relevant: set[str]) -> dict[str, float]:
    """recall@k (a relevant item in the top k), reciprocal rank and binary nDCG@10."""
    top = list(ranked[:DEPTH])
    first = next((i for i, d in enumerate(top) if d in relevant), None)
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(top[:10]) if d in relevant)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))
    return {
        "recall@1": float(first is not None and first < 1),
        "recall@5": float(first is not None and first < 5),
        "recall@10": float(first is not None and first < 10),
        "mrr": 1 / (first + 1) if first is not None else 0.0,
        "ndcg@10": dcg / idcg if idcg else 0.0,
    }


def add_scores(
    result: SuiteResult,
    dataset: str,
    method: str,
    ranked: Sequence[Sequence[str]],
    relevant: Sequence[set[str]],
    langs: Sequence[str],
) -> None:
    """Mean metrics per language and over all questions."""
    rows = [rank_metrics(r, g) for r, g in zip(ranked, relevant, strict=True)]
    for lang in [*sorted(set(langs)), "all"]:
        mine = [r for r, q in zip(rows, langs, strict=True) if lang in ("all", q)]
        for name in ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10"):
            value = sum(r[name] for r in mine) / len(mine)
            result.add(name, value, n=len(mine), dataset=dataset, method=method, lang=lang)


def add_fusion_gain(result: SuiteResult, dataset: str) -> None:
    """Hybrid over the best single method (dense or lexical), per language: below 1 the fusion
    loses to one of its own inputs. Robust to corpus and gold-set changes, so it gates well."""
    values = {
        (m.labels["method"], m.labels["lang"], m.name): m
        for m in result.metrics
        if m.labels.get("dataset") == dataset
    }
    for (method, lang, name), hybrid in list(values.items()):
        if method != "hybrid" or name not in ("recall@5", "mrr"):
            continue
        best = max(values[(single, lang, name)].value for single in ("dense", "lexical"))
        gain = hybrid.value / best if best else 1.0
        result.add(
            f"{name}_vs_best_single", gain, n=hybrid.n, dataset=dataset, method=method, lang=lang
        )


def peer_ranked(store: Store, retriever: HybridRetriever, key_of: dict[int, str], texts) -> list:
    """A plain langchain FAISS store over the same chunks and vectors, searched per question."""
    from langchain_community.vectorstores import FAISS

    rows = sorted(key_of)
    chunks = store.get_chunks(rows)
    vs = FAISS.from_embeddings(
        list(
            zip(
                [chunks[r].text for r in rows],
                store.vectors_for(rows).tolist(),
                strict=True,
            )
        ),
        LangchainEmbeddings(retriever.embedder),
        metadatas=[{"key": key_of[r]} for r in rows],
    )
    return [
        list(dict.fromkeys(d.metadata["key"] for d in vs.similarity_search(t, k=DEPTH * 3)))
        for t in texts
    ]


class GuidanceGold(NamedTuple):
    """The gold questions a store can answer, as retrieval queries with their relevant keys."""

    key_of: dict[int, str]
    items: list[GoldItem]
    absent: list[GoldItem]
    questions: list[kazqad.Question]
    relevant: list[set[str]]


def guidance_gold(store: Store, gold: GoldSet, max_query_chars: int) -> GuidanceGold:
    # A ranked chunk counts for its document's group (which defaults to the document id).
    key_of = {
        int(r[0]): str(r[1] or r[2])
        for r in store.db.execute(
            "SELECT c.id, json_extract(d.metadata, '$.group'), c.doc_id "
            "FROM chunks c JOIN documents d ON d.doc_id = c.doc_id"
        )
    }
    keys = set(key_of.values()) | {r[0] for r in store.db.execute("SELECT doc_id FROM documents")}
    present, absent = gold.present(keys)
    questions = [
        kazqad.Question(qid=q.id, text=check_query(q.question, max_query_chars), gold=q.expected[0])
        for q in present
    ]
    relevant = [keys.intersection(q.expected) for q in present]
    return GuidanceGold(key_of, present, absent, questions, relevant)


def guidance(ctx: EvalContext, gold: GoldSet, result: SuiteResult) -> None:
    loaded = ctx.services.require()
    store, retriever = loaded.store, loaded.retriever
    g = guidance_gold(store, gold, ctx.settings.api.max_query_chars)
    if not g.items:
        result.details["guidance"] = "the store holds none of the gold questions' documents"
        return
    runs = kazqad.collect(retriever, g.questions)
    idx = list(range(len(g.questions)))
    langs = [q.lang for q in g.items]
    for name, methods in NAMED.items():
        ranked = kazqad.fused_docs(retriever, runs, idx, g.key_of, methods, ctx.settings.retrieval)
        add_scores(result, "guidance", name, ranked, g.relevant, langs)
    peer = peer_ranked(store, retriever, g.key_of, [q.text for q in g.questions])
    add_scores(result, "guidance", "peer", peer, g.relevant, langs)
    add_fusion_gain(result, "guidance")
    result.details["guidance"] = {
        "questions": len(g.items),
        "not_in_store": [q.id for q in g.absent],
        "fusion": ctx.settings.retrieval.model_dump(include=kazqad.FUSION),
    }


def kazqad_suite(ctx: EvalContext, result: SuiteResult) -> None:
    if ctx.fast or not kazqad.KAZQAD.exists():
        result.details["kazqad"] = "skipped: " + (
            "--fast" if ctx.fast else f"{kazqad.KAZQAD} not found (needs ../shared)"
        )
        return
    settings = ctx.settings.model_copy(update={"store": StoreSettings(dir=kazqad.DEFAULT_STORE)})
    embedder = ctx.embedder
    # Indexed as the evaluated store was (`make index`: the fast ONNX build), queried as served.
    indexing = indexing_embedder(ctx.settings.embedder, embedder)
    docs, questions = kazqad.load_kazqad()
    store = kazqad.build_store(settings, indexing, docs)
    retriever = HybridRetriever(store, embedder, ctx.settings.retrieval)
    doc_of = {int(r[0]): r[1] for r in store.db.execute("SELECT id, doc_id FROM chunks")}
    runs = kazqad.collect(retriever, questions)
    tune_idx, test_idx = kazqad.halves(questions)
    tuned = kazqad.tune(retriever, runs, tune_idx, questions, doc_of)
    relevant = [{questions[i].gold} for i in test_idx]
    langs = ["kk"] * len(test_idx)
    for name, methods in NAMED.items():
        ranked = kazqad.fused_docs(retriever, runs, test_idx, doc_of, methods, retriever.settings)
        add_scores(result, "kazqad", name, ranked, relevant, langs)
    tuned_ranked = kazqad.fused_docs(retriever, runs, test_idx, doc_of, METHODS, tuned)
    add_scores(result, "kazqad", "hybrid-tuned", tuned_ranked, relevant, langs)
    peer, _ = kazqad.peer_docs(
        embedder, kazqad.DEFAULT_STORE, docs, questions, settings.embedder.batch_size, indexing
    )
    add_scores(result, "kazqad", "peer", [peer[i] for i in test_idx], relevant, langs)
    add_fusion_gain(result, "kazqad")
    result.details["kazqad"] = {
        "contexts": len(docs),
        "questions_tuned": len(tune_idx),
        "questions_reported": len(test_idx),
        "tuned": tuned.model_dump(include=kazqad.FUSION),
    }


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="retrieval")
    guidance(ctx, ctx.gold_set, result)
    kazqad_suite(ctx, result)
    if not result.metrics:
        result.skipped = "; ".join(str(v) for v in result.details.values())
    return result
