"""Thresholds (one TOML file, evals/thresholds.toml) and the comparison with a previous run."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel

from evals.harness import THRESHOLDS
from evals.harness.model import GateCheck, Metric, Run

# Relative change below which a figure counts as unchanged: rounding for quality figures, and
# the noise of a shared machine for timings.
TOLERANCE = 0.005
TIMING_TOLERANCE = 0.25


class GateError(ValueError):
    """A thresholds file or a previous run that cannot be read."""


def load_thresholds(path: Path = THRESHOLDS, fast: bool = False) -> dict[str, dict[str, float]]:
    """``{"min": {key: value}, "max": {key: value}}`` of a full run, or of a ``--fast`` run
    (the ``[fast]`` section)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise GateError(f"{path}: {exc}") from exc
    unknown = set(data) - {"min", "max", "fast"}
    if unknown:
        raise GateError(f"{path}: unknown sections {sorted(unknown)}; use [min], [max], [fast.*]")
    if fast:
        data = data.get("fast", {})
    try:
        return {b: {k: float(v) for k, v in data.get(b, {}).items()} for b in ("min", "max")}
    except (TypeError, ValueError) as exc:
        raise GateError(f"{path}: thresholds must be numbers ({exc})") from exc


def check(run: Run, thresholds: dict[str, dict[str, float]]) -> list[GateCheck]:
    """Every threshold whose metric the run measured."""
    metrics = run.metrics()
    out = []
    for bound, items in thresholds.items():
        for key, threshold in items.items():
            metric = metrics.get(key)
            if metric is None:
                continue
            value = metric.value
            passed = value >= threshold if bound == "min" else value <= threshold
            out.append(
                GateCheck(key=key, bound=bound, threshold=threshold, value=value, passed=passed)  # type: ignore[arg-type]
            )
    return out


class Change(BaseModel):
    """One metric in both runs."""

    key: str
    before: float
    after: float
    better: str

    @property
    def delta(self) -> float:
        return self.after - self.before

    @property
    def status(self) -> str:
        """ "worse", "better" or "same", taking the metric's direction into account."""
        scale = max(abs(self.before), 1e-9)
        tolerance = TIMING_TOLERANCE if self.key.endswith("_ms") else TOLERANCE
        if abs(self.delta) / scale <= tolerance:
            return "same"
        improved = self.delta > 0 if self.better == "higher" else self.delta < 0
        return "better" if improved else "worse"


def compare(before: Run, after: Run) -> list[Change]:
    """Metrics present in both runs, in the order of the new run."""
    old: dict[str, Metric] = before.metrics()
    return [
        Change(key=k, before=old[k].value, after=m.value, better=m.better)
        for k, m in after.metrics().items()
        if k in old
    ]


def load_run(path: Path) -> Run:
    """A run from its directory or its ``run.json``."""
    file = path / "run.json" if path.is_dir() else path
    try:
        return Run.model_validate_json(file.read_bytes())
    except (OSError, ValueError) as exc:
        raise GateError(f"cannot read run {file}: {exc}") from exc
