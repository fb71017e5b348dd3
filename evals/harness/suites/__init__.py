"""The suites, in the order a full run executes them; each takes the run's context."""

from __future__ import annotations

from collections.abc import Callable

from evals.harness import SUITE_NAMES
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult
from evals.harness.suites import (
    answers,
    as_typed,
    cases,
    echr,
    extraction,
    fairness,
    feedback,
    latency,
    retrieval,
)

Suite = Callable[[EvalContext], SuiteResult]

SUITES: dict[str, Suite] = dict(
    zip(
        SUITE_NAMES,
        (
            retrieval.run,
            answers.run,
            as_typed.run,
            cases.run_cases,
            cases.run_prediction,
            fairness.run,
            echr.run,
            extraction.run,
            latency.run,
            feedback.run,
        ),
        strict=True,
    )
)
