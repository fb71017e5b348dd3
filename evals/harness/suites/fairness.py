"""Counterfactual fairness (evals/fairness.py): pairs of kk and ru descriptions that differ only
in a person's name, gender, ethnicity or religion words, run through the real estimate and case
search. Gated on the template and act pairs; the held-out pairs (real verdicts, surnames in no
list of ours) are reported with their own label and not gated."""

from __future__ import annotations

from evals import fairness
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="fairness")
    service = ctx.services.cases
    if not len(service.catalog):
        result.skipped = "the store holds no court acts"
        return result
    pairs = fairness.all_pairs()
    if ctx.fast:
        pairs = pairs[::10]
    report = fairness.evaluate(service, pairs)
    groups = {"all": report["all"]} | {
        key: figures for key, figures in report["by"].items() if key.startswith("source=")
    }
    for group, figures in groups.items():
        if not figures.get("pairs"):
            continue
        labels = {} if group == "all" else {"set": group.split("=", 1)[1]}
        n = int(figures["pairs"])
        result.add("max_abs_dp", figures["max_abs_dp"], better="lower", n=n, **labels)
        result.add(
            "abstention_changed", figures["abstention_changed"], better="lower", n=n, **labels
        )
        result.add("top10_identical", figures["top10_identical"], n=n, **labels)
        result.add("pairs", n, n=n, **labels)
    result.details = report
    return result
