"""``alqabi eval``: registered into the root command through the ``alqabi.commands`` group."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from assistant.core.cli import StoreOpt, fail, settings_for
from evals.harness import SUITE_NAMES, THRESHOLDS

if TYPE_CHECKING:
    from evals.harness.model import GateCheck, Run

# The suites and what they need (FAISS, scikit-learn, matplotlib, the web app) are imported when
# `alqabi eval` runs, not when `alqabi --help` lists it.
console = Console(stderr=True)
RUNS = Path("evals/runs")
VIEWS = Path("var/eval/views")


def eval_command(
    suites: Annotated[
        list[str] | None,
        typer.Argument(help=f"Suites to run (default: all): {', '.join(SUITE_NAMES)}."),
    ] = None,
    store: StoreOpt = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Run directory (default: evals/runs/<timestamp>)."),
    ] = None,
    gate: Annotated[
        bool, typer.Option("--gate", help="Exit 1 when a metric misses its threshold.")
    ] = False,
    compare: Annotated[
        Path | None,
        typer.Option("--compare", help="A previous run (directory or run.json) to compare with."),
    ] = None,
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="Your own gold set (JSONL; format in the README)."),
    ] = None,
    thresholds: Annotated[
        Path, typer.Option("--thresholds", help="Thresholds file of --gate.")
    ] = THRESHOLDS,
    fast: Annotated[
        bool,
        typer.Option("--fast", help="Fewer latency calls and no KazQAD (the `make test` gate)."),
    ] = False,
    markdown_out: Annotated[
        Path | None,
        typer.Option("--markdown", help="Also write the results as markdown tables ('-': stdout)."),
    ] = None,
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            help="Regenerate the results section of this page (docs/results.md; written if "
            "missing).",
        ),
    ] = None,
    from_run: Annotated[
        Path | None,
        typer.Option(
            "--from-run",
            help="Run no suites: gate and render this run (directory or run.json; e.g. CI's "
            "evals/runs/ci) again, in its directory or --out, with --markdown / --results.",
        ),
    ] = None,
) -> None:
    """Evaluate retrieval, answers, court acts, prediction (also on ECtHR judgments), fairness,
    latency and feedback on a store; writes run.json and report.html."""
    from assistant.core.pii import mask_value
    from assistant.core.store import StoreError
    from evals.harness.context import EvalContext, store_view
    from evals.harness.gate import GateError, load_run, load_thresholds
    from evals.harness.gold import GoldError
    from evals.harness.gold import load as load_gold
    from evals.harness.runner import run_suites
    from indexer.fast_model import resolve_index_backend

    names = list(dict.fromkeys(suites or SUITE_NAMES))
    unknown = [n for n in names if n not in SUITE_NAMES]
    if unknown:
        raise fail(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITE_NAMES)}", 2)
    try:
        limits = load_thresholds(thresholds, fast)
        previous = load_run(compare) if compare else None
        gold_set = load_gold(gold)
    except (GateError, GoldError) as exc:
        raise fail(escape(str(exc)), 2) from exc
    if from_run is not None:
        try:
            run = load_run(from_run)
        except GateError as exc:
            raise fail(escape(str(exc)), 2) from exc
        here = from_run if from_run.is_dir() else from_run.parent
        _publish(run, out or here, limits, previous, compare, markdown_out, results, gate)
        return
    settings = settings_for(store)
    if not fast and "retrieval" in names:  # indexes KazQAD as `alqabi index` would
        embedder = resolve_index_backend(settings.embedder, console)
        settings = settings.model_copy(update={"embedder": embedder})
    source = Path(settings.store.dir)
    try:
        view = store_view(source, VIEWS)
    except StoreError as exc:
        raise fail(escape(str(exc))) from exc
    run_dir = out or RUNS / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True, exist_ok=True)
    ctx = EvalContext(
        settings=settings.model_copy(
            update={"store": settings.store.model_copy(update={"dir": view})}
        ),
        store=source,
        out=run_dir,
        gold=gold,
        fast=fast,
        _gold_set=gold_set,
    )
    try:
        run = run_suites(ctx, names, console)
    except StoreError as exc:
        raise fail(escape(str(exc))) from exc
    # Gold questions may carry personal data (an evaluator's own set): artifacts get it masked.
    run = type(run).model_validate(mask_value(run.model_dump(mode="json")))
    _publish(run, run_dir, limits, previous, compare, markdown_out, results, gate)


def _publish(
    run: Run,
    run_dir: Path,
    limits: dict[str, dict[str, float]],
    previous: Run | None,
    compare: Path | None,
    markdown_out: Path | None,
    results: Path | None,
    gate: bool,
) -> None:
    """Gate the run, write run.json and report.html to ``run_dir`` (and the markdown / results
    page when asked), print the gate and exit non-zero on failure."""
    from evals.harness import markdown, report
    from evals.harness.gate import check

    run_dir.mkdir(parents=True, exist_ok=True)
    run.gate = check(run, limits)
    (run_dir / "run.json").write_text(run.model_dump_json(indent=2), encoding="utf-8")
    html = report.render(run, run_dir, previous, str(compare) if compare else "")
    (run_dir / "report.html").write_text(html, encoding="utf-8")
    if markdown_out is not None:
        text = markdown.render(run)
        if str(markdown_out) == "-":
            typer.echo(text)
        else:
            markdown_out.write_text(text, encoding="utf-8")
    if results is not None:
        try:
            markdown.update_results(results, run, f"alqabi eval --results {results}")
        except (OSError, ValueError) as exc:
            raise fail(escape(str(exc)), 2) from exc
    _print_gate(run.gate)
    console.print(f"run: {run_dir / 'run.json'}\nreport: {run_dir / 'report.html'}")
    failed = [c for c in run.gate if not c.passed]
    if run.failed:
        raise fail(f"suites failed: {', '.join(run.failed)}")
    if gate and failed:
        raise fail(f"gate: {len(failed)} of {len(run.gate)} thresholds missed")


def _print_gate(checks: list[GateCheck]) -> None:
    from rich.table import Table

    if not checks:
        return
    table = Table(title="gate")
    for column in ("metric", "bound", "threshold", "value", ""):
        table.add_column(column)
    for c in sorted(checks, key=lambda c: c.passed):
        table.add_row(
            c.key,
            c.bound,
            f"{c.threshold:g}",
            f"{c.value:.4g}",
            "[green]ok[/green]" if c.passed else "[red]FAIL[/red]",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``eval`` to the ``alqabi`` command."""
    app.command("eval")(eval_command)
