"""Outcome prediction on real judgments: the ECtHR benchmark through the served predictor
(evals/echr.py), when ``../shared/data/echr`` is present. It needs no store: the judgments are
embedded (once; the vectors are cached under var/eval/echr) as `alqabi index` embeds, and a
``--fast`` run takes an evenly spread slice of them."""

from __future__ import annotations

from evals import echr
from evals import prediction as prediction_eval
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult

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
    m, b = model.metrics, model.baseline
    for name, value, better in (
        ("accuracy", m.accuracy, "higher"),
        ("macro_f1", m.macro_f1, "higher"),
        ("baseline_accuracy", b.accuracy, "higher"),
        ("baseline_macro_f1", b.macro_f1, "higher"),
        ("macro_f1_over_baseline", m.macro_f1 - b.macro_f1, "higher"),
        ("brier", m.brier, "lower"),
        ("ece", m.ece, "lower"),
        ("coverage", m.coverage, "higher"),
        ("accuracy_answered", m.accuracy_answered, "higher"),
    ):
        result.add(name, value, better=better, n=m.n_test)  # type: ignore[arg-type]
    probe = report["respondent_probe"]
    result.add("respondent_probe_accuracy", probe["accuracy"], better="lower", n=probe["n"])
    result.add("respondent_majority_share", probe["majority_share"], better="lower", n=probe["n"])
    ctx.out.mkdir(parents=True, exist_ok=True)
    prediction_eval.diagram(model, ctx.out / RELIABILITY_PNG)
    result.details = report | {"reliability_png": RELIABILITY_PNG}
    return result
