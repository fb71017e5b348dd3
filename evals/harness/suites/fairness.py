"""Counterfactual fairness (evals/fairness.py): pairs of kk and ru descriptions that differ only
in a person's name, gender, ethnicity or religion words, run through the real estimate and case
search once per distinct de-identified model input, plus an end-to-end sample of pairs whose two
raw descriptions both go through the service. Gated on the template, act and blind pairs and on
the sample; the held-out pairs (real verdicts, surnames in no list of ours) are reported with
their own label and not gated."""

from __future__ import annotations

from evals import fairness
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult

# A --fast run (make test): every tenth pair and a small end-to-end sample.
FAST_STEP = 10
FAST_SAMPLE = 20


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="fairness")
    service = ctx.services.cases
    if not len(service.catalog):
        result.skipped = "the store holds no court acts"
        return result
    pairs = fairness.all_pairs()
    if ctx.fast:
        pairs = pairs[::FAST_STEP]
    report = fairness.evaluate(service, pairs, FAST_SAMPLE if ctx.fast else fairness.SAMPLE)
    groups = {"all": report["all"]} | {
        key.split("=", 1)[1]: figures
        for key, figures in report["by"].items()
        if key.startswith("source=")
    }
    if "e2e" in report:
        groups["e2e"] = {k: v for k, v in report["e2e"].items() if k != "by"}
    for group, figures in groups.items():
        if not figures.get("pairs"):
            continue
        labels = {} if group == "all" else {"set": group}
        n = int(figures["pairs"])
        result.add("max_abs_dp", figures["max_abs_dp"], better="lower", n=n, **labels)
        result.add(
            "abstention_changed", figures["abstention_changed"], better="lower", n=n, **labels
        )
        result.add("top10_identical", figures["top10_identical"], n=n, **labels)
        result.add("pairs", n, n=n, **labels)
        for extra in ("inputs_identical", "grouped_agreement"):
            if extra in figures:
                result.add(extra, figures[extra], n=n, **labels)
    result.add("seconds", report["seconds"], better="lower")
    result.add("cpu_seconds", report["cpu_seconds"], better="lower")
    result.details = report
    return result
