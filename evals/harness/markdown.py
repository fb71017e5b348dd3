"""Markdown tables of a run, and the results page (docs/results.md) regenerated from them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from evals.harness.model import Metric, Run

BEGIN, END = "<!-- eval-results:begin -->", "<!-- eval-results:end -->"


def _table(
    metrics: Sequence[Metric], row_label: str, columns: Sequence[str], head: str, fmt: str = ".3f"
) -> list[str]:
    rows = list(dict.fromkeys(m.labels.get(row_label, "all") for m in metrics))
    if not rows:
        return []
    values = {(m.labels.get(row_label, "all"), m.name): m for m in metrics}
    lines = [f"| {head} | n | " + " | ".join(columns) + " |", "|---" * (len(columns) + 2) + "|"]
    for row in rows:
        cells = [values.get((row, c)) for c in columns]
        n = next((c.n for c in cells if c is not None and c.n is not None), "")
        lines.append(
            f"| {row} | {n} | "
            + " | ".join(format(c.value, fmt) if c else "–" for c in cells)
            + " |"
        )
    return [*lines, ""]


def render(run: Run) -> str:
    """Every suite that produced figures, as markdown."""
    i = run.info
    out = [
        f"Run {i.started}, commit `{(i.commit or 'unknown')[:10]}`, store {i.documents} documents "
        f"/ {i.chunks} chunks (corpus `{(i.corpus_hash or '')[:12]}`), embedder "
        f"{i.embedder.get('backend')}:{i.embedder.get('model')}, gold set {i.gold}.",
        "",
    ]
    by_suite = {r.suite: r.metrics for r in run.results if r.metrics}
    retrieval = by_suite.get("retrieval", [])
    for dataset in ("guidance", "kazqad"):
        mine = [
            m
            for m in retrieval
            if m.labels.get("dataset") == dataset and m.labels.get("lang") == "all"
        ]
        if mine:
            out += [f"**Retrieval, {dataset}** (all languages; peer = plain langchain FAISS)", ""]
            columns = ("recall@1", "recall@5", "recall@10", "mrr", "ndcg@10")
            out += _table(mine, "method", columns, "method")
    if "answers" in by_suite:
        out += ["**Answers** (`/v1/ask`)", ""]
        out += _table(
            [m for m in by_suite["answers"] if not m.name.endswith("_ms")],
            "lang",
            (
                "hit_at_1",
                "key_facts",
                "citation_correctness",
                "groundedness",
                "lang_match",
                "refusal_precision",
                "refusal_recall",
            ),
            "lang",
        )
    if "cases" in by_suite:
        out += ["**Similar-case search** (nDCG@10 / recall@10)", ""]
        for kind in ("by_case", "by_text"):
            mine = [m for m in by_suite["cases"] if m.labels.get("kind") == kind]
            out += _table(mine, "method", ("ndcg@10", "recall@10"), f"{kind}: method")
        dev = [m for m in by_suite["cases"] if m.name.startswith("deviation_")]
        columns = ("deviation_precision", "deviation_recall", "deviation_f1")
        out += _table(dev, "x", columns, "deviations")
    if "prediction" in by_suite:
        out += ["**Outcome prediction** (held-out newest acts)", ""]
        out += _table(
            by_suite["prediction"],
            "x",
            ("accuracy", "macro_f1", "baseline_macro_f1", "brier", "ece", "coverage"),
            "model",
        )
    echr = next((r for r in run.results if r.suite == "echr" and r.metrics), None)
    if echr is not None:
        out += _echr(echr.metrics, echr.details)
    if "latency" in by_suite:
        for mode in ("in-process", "http"):
            mine = [m for m in by_suite["latency"] if m.labels.get("mode") == mode]
            if mine:
                out += [f"**Latency, {mode}** (ms)", ""]
                out += _table(mine, "endpoint", ("p50_ms", "p95_ms", "p99_ms"), "endpoint", ".1f")
    if "feedback" in by_suite:
        out += ["**Feedback**", ""]
        out += _table(by_suite["feedback"], "group", ("up_share",), "slice")
    return "\n".join(out).rstrip() + "\n"


def _echr(metrics: Sequence[Metric], details: dict) -> list[str]:
    """The ECtHR figures, the majority baseline's, and the published reference points."""
    split = details.get("split", {})
    out = [
        f"**Outcome prediction on real judgments** (ECtHR, {details.get('judgments')} cases; "
        f"held out: the newest {sum(f['test'] for f in split.get('folds', []))} by year at "
        f"{len(split.get('folds', []))} rolling origins; respondent state masked)",
        "",
    ]
    baseline = [
        m.model_copy(update={"name": m.name.removeprefix("baseline_"), "labels": {"x": "majority"}})
        for m in metrics
        if m.name.startswith("baseline_")
    ]
    mine = [m.model_copy(update={"labels": {"x": "Alqabi predictor"}}) for m in metrics]
    columns = ("accuracy", "macro_f1", "brier", "ece", "coverage")
    out += _table([*mine, *baseline], "x", columns, "model")
    probe = details.get("respondent_probe")
    if probe:
        out += [
            f"Respondent state told from the masked vectors: {probe['accuracy']:.3f} "
            f"(always the commonest: {probe['majority_share']:.3f}, {probe['states']} states).",
            "",
        ]
    published = details.get("published", [])
    if published:
        out += ["| published (other splits and sizes) | setting | figure |", "|---|---|---|"]
        out += [
            f"| {p['source']} | {p['setting']} | {p['metric']} {p['value']:.2f} |"
            for p in published
        ]
        out.append("")
    return out


RESULTS_PAGE = """# Evaluation results

[← README](../README.md) · [how the evaluation works](evaluation.md)

"""


def update_results(page: Path, run: Run, command: str) -> None:
    """Replace the text between the page's eval-results markers with this run's tables; a page
    that does not exist yet is written with a heading and the markers."""
    text = page.read_text(encoding="utf-8") if page.exists() else f"{RESULTS_PAGE}{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        raise ValueError(f"{page} has no {BEGIN} … {END} section")
    body = f"{BEGIN}\n<!-- generated by `{command}`; do not edit by hand -->\n\n{render(run)}{END}"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(pattern.sub(lambda _: body, text, count=1), encoding="utf-8")
