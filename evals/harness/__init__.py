"""One evaluation harness: ``alqabi eval [SUITE...]`` runs suites against a store, writes a run
JSON and a self-contained HTML report, compares with a previous run and gates on thresholds."""

from pathlib import Path

# The suites, in the order a full run executes them (``evals.harness.suites.SUITES`` maps each to
# its function); here so that `alqabi --help` lists them without importing them.
SUITE_NAMES = (
    "retrieval",
    "answers",
    "as_typed",
    "cases",
    "prediction",
    "fairness",
    "echr",
    "extraction",
    "latency",
    "feedback",
)
# The thresholds of ``--gate`` (evals.harness.gate reads them).
THRESHOLDS = Path(__file__).resolve().parents[1] / "thresholds.toml"
