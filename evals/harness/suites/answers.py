"""Answers: the gold questions and refusal prompts through ``POST /v1/ask`` (evals/answers.py),
plus citation correctness and groundedness per answer (evals/harness/grounding.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from assistant.api.app import create_app
from evals.answers import ask_all, report
from evals.harness.context import EvalContext
from evals.harness.grounding import Checker, Grounding, mean
from evals.harness.model import SuiteResult


def _grounding_metrics(result: SuiteResult, checks: list[Grounding], lang: str) -> None:
    if not checks:
        return
    correct = mean([c.citations_correct for c in checks])
    result.add("citation_correctness", correct, n=len(checks), lang=lang)
    result.add("groundedness", mean([c.groundedness for c in checks]), n=len(checks), lang=lang)


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="answers")
    gold = ctx.gold_set
    services = ctx.services
    loaded = services.require()
    knowledge = services.answers.knowledge(loaded)
    present, absent = gold.present(set(knowledge.groups) | set(knowledge.docs))
    questions = [q for q in present if q.key_facts]
    if not questions:
        result.skipped = "the store holds none of the gold questions' documents"
        return result
    with TestClient(create_app(ctx.settings, services)) as client:
        # One warm-up call builds the FAQ index, so latency reflects steady state.
        client.post("/v1/ask", json={"question": "алқаби"})
        answered = ask_all(client, questions)
        refused = ask_all(client, gold.refusals)
    figures = report(questions, answered, gold.refusals, refused)
    checker = Checker(loaded.store, loaded.retriever.embedder, services.store_dir, ctx.settings.llm)
    checks = [
        checker.check(o.id, o.lang, o.kind, o.answer, o.sources, o.citations)
        for o in answered
        if o.kind != "refusal"
    ]
    blocks = {**figures["per_lang"], "all": figures["overall"]}
    for lang, block in blocks.items():
        a, r = block["answers"], block["refusals"]
        if a["n"]:
            for name in ("hit_at_1", "key_facts", "lang_match"):
                result.add(name, a[name], n=a["n"], lang=lang)
            _grounding_metrics(result, [c for c in checks if lang in ("all", c.lang)], lang)
            result.add("ask_p95_ms", a["p95_ms"], better="lower", n=a["n"], lang=lang)
        if r["n"]:
            result.add("refusal_precision", r["precision"], n=r["n"], lang=lang)
            result.add("refusal_recall", r["recall"], n=r["n"], lang=lang)
    result.details = {
        "gold": gold.source,
        "questions": len(questions),
        "refusal_prompts": len(gold.refusals),
        "not_in_store": [q.id for q in absent],
        "without_key_facts": [q.id for q in present if not q.key_facts],
        "per_style": figures["per_style"],
        "kinds": figures["overall"]["answers"]["kinds"],
        "misses": figures["misses"],
        "wrong_refusals": figures["wrong_refusals"],
        "groundedness": [round(c.groundedness, 4) for c in checks],
        "grounding_failures": [
            c.model_dump() | {"groundedness": round(c.groundedness, 4)}
            for c in checks
            if not c.citations_correct or c.unsupported
        ],
        "ask_ms": [round(o.seconds * 1000, 2) for o in [*answered, *refused]],
    }
    return result
