"""Outcome prediction on real judgments: the ECtHR benchmark through the served predictor
(evals/echr.py), when ``../shared/data/echr`` is present. It needs no store: the judgments are
embedded (once; the vectors are cached under var/eval/echr) as `alqabi index` embeds, and a
``--fast`` run takes an evenly spread slice of them."""

from __future__ import annotations

from evals import echr
from evals import prediction as prediction_eval
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult
from evals.harness.suites.cases import add_model_figures

RELIABILITY_PNG = "echr_reliability.png"
# Judgments per label of a --fast run: enough for the trainer's minimum and a few per block.
FAST_PER_LABEL = 20


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="echr")
    if not (echr.DATA / echr.FILES[0]).exists():
        result.skipped = f"{echr.DATA} not found (needs ../shared or ALQABI_ECHR_DIR)"
        return result
    coll = echr.collection()
    judgments = echr.read(echr.DATA, coll.labels, FAST_PER_LABEL if ctx.fast else None)
    embedder = echr.eval_embedder(ctx.settings.embedder)
    model, report = echr.evaluate(judgments, embedder, ctx.settings.cases, coll)
    add_model_figures(result, model)
    probe = report["respondent_probe"]
    result.add("respondent_probe_accuracy", probe["accuracy"], better="lower", n=probe["n"])
    result.add("respondent_majority_share", probe["majority_share"], better="lower", n=probe["n"])
    ctx.out.mkdir(parents=True, exist_ok=True)
    prediction_eval.diagram(model, ctx.out / RELIABILITY_PNG)
    result.details = report | {"reliability_png": RELIABILITY_PNG}
    return result
