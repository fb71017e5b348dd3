"""Extraction: fields read from the real court acts of ``../shared`` against the hand-written
truth (``evals/extraction.py``); needs no store."""

from __future__ import annotations

from evals import extraction
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="extraction")
    if not extraction.ACTS.exists():
        result.skipped = f"{extraction.ACTS} not found (needs ../shared or ALQABI_SHARED_DIR)"
        return result
    figures = extraction.evaluate()
    for field, accuracy in figures["accuracy"].items():
        result.add("accuracy", accuracy, n=figures["n"][field], field=field)
    for name, value in figures["articles"].items():
        result.add(name, value, field="articles")
    result.add("unreadable", len(figures["unreadable"]), better="lower", n=figures["acts"])
    result.details = {
        "acts": figures["acts"],
        "unreadable": figures["unreadable"],
        "by_collection": figures["by_collection"],
        "misses": figures["misses"],
    }
    return result
