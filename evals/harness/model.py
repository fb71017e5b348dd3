"""What a run records: metrics with labels, per-suite results and the run's provenance."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Better = Literal["higher", "lower"]


class Metric(BaseModel):
    """One figure; ``labels`` (dataset, method, lang, ...) say which slice it measures."""

    suite: str
    name: str
    value: float
    labels: dict[str, str] = Field(default_factory=dict)
    better: Better = "higher"
    n: int | None = None

    @property
    def key(self) -> str:
        """``suite/label.../name``: the id used by thresholds and comparisons."""
        return "/".join([self.suite, *self.labels.values(), self.name])


class SuiteResult(BaseModel):
    """A suite's metrics, the raw data its plots need, and why it was skipped, if it was."""

    suite: str
    metrics: list[Metric] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)
    skipped: str | None = None
    # The exception that stopped the suite; a run with one fails.
    error: str | None = None
    seconds: float = 0.0

    def add(
        self,
        name: str,
        value: float,
        better: Better = "higher",
        n: int | None = None,
        **labels: str,
    ) -> None:
        self.metrics.append(
            Metric(
                suite=self.suite,
                name=name,
                value=round(float(value), 4),
                labels=labels,
                better=better,
                n=n,
            )
        )


class RunInfo(BaseModel):
    """Where the figures come from: code, data, model and settings."""

    started: str
    commit: str | None
    dirty: bool
    store: str
    snapshot: str | None
    corpus_hash: str | None
    documents: int | None
    chunks: int | None
    embedder: dict[str, Any]
    settings: dict[str, Any]
    suites: list[str]
    gold: str | None = None
    fast: bool = False


class GateCheck(BaseModel):
    """One threshold against the run's figure."""

    key: str
    bound: Literal["min", "max"]
    threshold: float
    value: float | None
    passed: bool


class Run(BaseModel):
    """One ``alqabi eval`` run."""

    info: RunInfo
    results: list[SuiteResult]
    gate: list[GateCheck] = Field(default_factory=list)
    seconds: float = 0.0

    def metrics(self) -> dict[str, Metric]:
        return {m.key: m for r in self.results for m in r.metrics}

    @property
    def failed(self) -> list[str]:
        """Suites that raised."""
        return [r.suite for r in self.results if r.error]
