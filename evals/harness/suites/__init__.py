"""The suites, in the order a full run executes them; each takes the run's context."""

from __future__ import annotations

from collections.abc import Callable

from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult
from evals.harness.suites import answers, cases, extraction, feedback, latency, retrieval

Suite = Callable[[EvalContext], SuiteResult]

SUITES: dict[str, Suite] = {
    "retrieval": retrieval.run,
    "answers": answers.run,
    "cases": cases.run_cases,
    "prediction": cases.run_prediction,
    "latency": latency.run,
    "feedback": feedback.run,
    "extraction": extraction.run,
}
