"""Court acts: similar-case search nDCG@10 / recall@10 per method and deviation precision /
recall (evals/cases.py), and the outcome model's held-out figures (evals/prediction.py).
Both need generated acts in the store: their ground truth comes from the generator."""

from __future__ import annotations

from assistant.cases.model import PredictorModel
from assistant.cases.service import CaseService
from evals import cases as case_eval
from evals import prediction as prediction_eval
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult

RELIABILITY_PNG = "reliability.png"


def _generated(service: CaseService) -> str | None:
    """Why the store cannot be scored, or None."""
    records = [r for r in service.catalog.records if r.instance == "first" and r.outcome]
    if not records:
        return "the store holds no first-instance court acts with an outcome"
    if not all("relevance_key" in r.features for r in records):
        return "the court acts carry no generator ground truth (features.relevance_key)"
    return None


def run_cases(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="cases")
    service = ctx.services.cases
    result.skipped = _generated(service)
    if result.skipped:
        return result
    report = case_eval.evaluate(service)
    for kind in ("by_case", "by_text"):
        # Reported on the even-numbered half of the queries (see evals/cases.py).
        n = (report["search"]["queries"].get(kind, 0) + 1) // 2
        for method, figures in report["search"].get(kind, {}).items():
            for name, value in figures.items():
                result.add(name, value, n=n, kind=kind, method=method)
    test = report["deviations"]["test"]
    for name in ("precision", "recall", "f1"):
        result.add(f"deviation_{name}", test[name], n=test["flagged"])
    for name, figures in report["latency_ms"].items():
        result.add("p95_ms", figures["p95_ms"], better="lower", n=figures["n"], call=name)
    result.details = report
    return result


def run_prediction(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="prediction")
    service = ctx.services.cases
    result.skipped = _generated(service)
    if result.skipped:
        return result
    model = service.predictor().model
    add_model_figures(result, model)
    # The reliability diagram of evals/prediction.py, embedded in the report.
    ctx.out.mkdir(parents=True, exist_ok=True)
    prediction_eval.diagram(model, ctx.out / RELIABILITY_PNG)
    result.details = prediction_eval.summary(service, model) | {"reliability_png": RELIABILITY_PNG}
    return result


def add_model_figures(result: SuiteResult, model: PredictorModel) -> None:
    """An outcome model's held-out figures and its majority baseline's, as metrics."""
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
    # The plain arg-max of the same probabilities, next to the label rule's figures above.
    for name, value in (
        ("accuracy_argmax", m.accuracy_argmax),
        ("macro_f1_argmax", m.macro_f1_argmax),
    ):
        if value is not None:
            result.add(name, value, n=m.n_test)
