"""Runs the chosen suites against a store and records where the figures come from."""

from __future__ import annotations

import hashlib
import subprocess
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from evals.harness.context import EvalContext
from evals.harness.model import Run, RunInfo, SuiteResult
from evals.harness.suites import SUITES

ROOT = Path(__file__).resolve().parents[2]


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def run_info(ctx: EvalContext, suites: list[str]) -> RunInfo:
    """Commit, store snapshot, corpus hash (of every document's content hash), embedder and
    settings of this run."""
    loaded = ctx.services.require()
    store = loaded.store
    hashes = sorted(store.document_hashes().items())
    corpus = hashlib.sha256("\n".join(f"{d}\t{h}" for d, h in hashes).encode()).hexdigest()
    settings = ctx.settings.model_dump(mode="json")
    settings["store"]["dir"] = str(ctx.store)
    return RunInfo(
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        commit=_git("rev-parse", "HEAD"),
        dirty=bool(_git("status", "--porcelain", "--untracked-files=no")),
        store=str(ctx.store),
        snapshot=store.manifest.snapshot,
        corpus_hash=corpus,
        documents=store.manifest.documents,
        chunks=store.manifest.chunks,
        embedder=loaded.retriever.embedder.info.model_dump()
        | {"store_built_with": store.manifest.embedder.model_dump()},
        settings=settings,
        suites=suites,
        gold=ctx.gold_set.source,
        fast=ctx.fast,
    )


def run_suites(ctx: EvalContext, suites: list[str], console: Console) -> Run:
    """Each suite in turn; one that raises is recorded as failed and the others still run."""
    started = time.perf_counter()
    info = run_info(ctx, suites)
    results = []
    for name in suites:
        t0 = time.perf_counter()
        with console.status(f"[bold]eval {name}[/bold] …"):
            try:
                result = SUITES[name](ctx)
            except Exception as exc:  # one broken suite must not lose the others' figures
                console.print(traceback.format_exc(), markup=False, highlight=False)
                result = SuiteResult(suite=name, error=f"{type(exc).__name__}: {exc}")
        result.seconds = round(time.perf_counter() - t0, 1)
        state = (
            f"[red]failed: {result.error}[/red]"
            if result.error
            else f"[yellow]skipped: {result.skipped}[/yellow]"
            if result.skipped
            else f"{len(result.metrics)} figures"
        )
        console.print(f"{name}: {state} ({result.seconds:.0f} s)")
        results.append(result)
    return Run(info=info, results=results, seconds=round(time.perf_counter() - started, 1))
