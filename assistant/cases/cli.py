"""``alqabi cases search|predict|show|train``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from assistant.cases.catalog import CaseNotFound
from assistant.cases.schemas import CaseFilters, CaseSearchRequest, PredictFilters, PredictRequest
from assistant.cases.service import CaseService
from assistant.cases.train import NotEnoughActs
from assistant.core.cli import JsonOpt, StoreOpt, dump_json, fail
from assistant.retrieval import QueryError
from assistant.services import loaded_services

app = typer.Typer(no_args_is_help=True, help="Court practice: similar acts and outcome estimates.")
console = Console()
T = TypeVar("T")

QueryArg = Annotated[str | None, typer.Argument(help="The situation, in kk, ru or en.")]
CaseOpt = Annotated[str | None, typer.Option("--case-id", help="An indexed act instead.")]
CategoryOpt = Annotated[list[str] | None, typer.Option("--category", help="Case category.")]
ArticleOpt = Annotated[list[str] | None, typer.Option("--article", help='E.g. "УК 99".')]


def _service(store: Path | None) -> CaseService:
    return loaded_services(store).cases


def _run(call: Callable[[], T]) -> T:
    """The result, or a clean exit: 2 for bad input, 1 for an unknown case number."""
    try:
        return call()
    except (QueryError, ValidationError) as exc:
        raise fail(str(exc), 2) from exc
    except (CaseNotFound, NotEnoughActs) as exc:
        raise fail(str(exc)) from exc


def _print_json(value: BaseModel) -> None:
    sys.stdout.write(value.model_dump_json(indent=2) + "\n")


@app.command()
def search(
    query: QueryArg = None,
    case_id: CaseOpt = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many acts.")] = 10,
    category: CategoryOpt = None,
    article: ArticleOpt = None,
    court: Annotated[list[str] | None, typer.Option("--court", help="Court name.")] = None,
    region: Annotated[list[str] | None, typer.Option("--region", help="Region slug.")] = None,
    instance: Annotated[
        list[str] | None, typer.Option("--instance", help="first, appeal, cassation.")
    ] = None,
    collection: Annotated[
        list[str] | None,
        typer.Option("--collection", help="Where acts come from: demo, ru-court-acts, ..."),
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Acts most like a situation or an indexed act, with outcomes and deviation flags."""
    request = _run(
        lambda: CaseSearchRequest(
            query=query,
            case_id=case_id,
            k=k,
            filters=CaseFilters(
                category=category or None,
                article=article or None,
                court=court or None,
                region=region or None,
                instance=instance or None,
                collection=collection or None,
                date_from=date.fromisoformat(date_from) if date_from else None,
                date_to=date.fromisoformat(date_to) if date_to else None,
            ),
        )
    )
    response = _run(lambda: _service(store).search.search(request))
    if as_json:
        _print_json(response)
        return
    table = Table(show_lines=True)
    for column in ("case", "outcome / appeal / cassation", "score", "passage"):
        table.add_column(column)
    for hit in response.results:
        flag = (
            f"\n[red]deviates: {hit.deviation.majority_outcome} {hit.deviation.share:.0%}[/red]"
            if hit.deviation
            else ""
        )
        table.add_row(
            f"{hit.case_id}\n[dim]{hit.category} · {hit.date}[/dim]",
            f"{hit.outcome}\n{hit.appeal_outcome} / {hit.cassation_outcome}{flag}",
            f"{hit.score:.4f}",
            hit.snippet,
        )
    console.print(table if response.results else "no results")
    console.print(f"outcomes: {response.outcome_summary}")


@app.command()
def predict(
    query: QueryArg = None,
    case_id: CaseOpt = None,
    category: CategoryOpt = None,
    article: ArticleOpt = None,
    lang: Annotated[str | None, typer.Option("--lang", help="kk, ru or en.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """An advisory outcome estimate with its precedents (or the reason it abstains)."""
    request = _run(
        lambda: PredictRequest(
            query=query,
            case_id=case_id,
            lang=lang,
            filters=PredictFilters(category=category or None, article=article or None),
        )
    )
    services = loaded_services(store)
    response = _run(
        lambda: services.cases.predictor().predict(request, services.settings.lang_default)
    )
    if as_json:
        _print_json(response)
        return
    head = (
        f"[yellow]abstained[/yellow]: {response.reason}"
        if response.abstained
        else (f"most likely: [bold]{response.label}[/bold]")
    )
    console.print(head)
    for outcome, p in sorted(response.probabilities.items(), key=lambda kv: -kv[1]):
        console.print(f"  {outcome:<28} {p:6.1%}")
    console.print(
        "precedents: "
        + ", ".join(f"{p.case_id} ({p.outcome}, {p.similarity:.2f})" for p in response.precedents)
    )
    m = response.metrics
    console.print(
        f"model {response.model_version}: accuracy {m.accuracy:.1%} (baseline "
        f"{response.baseline.accuracy:.1%}), macro-F1 {m.macro_f1:.2f}, ECE {m.ece:.3f}, "
        f"Brier {m.brier:.3f}"
    )
    console.print(f"[dim]{response.disclaimer}[/dim]")


@app.command()
def show(
    case_id: Annotated[str, typer.Argument(help="Case number.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The full text and fields of an indexed act."""
    act = _run(lambda: _service(store).catalog.act(case_id))
    if as_json:
        _print_json(act)
        return
    console.print(f"[bold]{act.title()}[/bold]")
    console.print(
        f"{act.category} · {', '.join(act.articles)} · outcome {act.outcome} · appeal "
        f"{act.appeal_outcome} · cassation {act.cassation_outcome}\n"
    )
    console.print(act.full_text())


@app.command()
def train(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Train, evaluate and save the outcome model for the store's acts."""
    service = _service(store)
    try:
        model = service.train()
    except NotEnoughActs as exc:
        raise fail(str(exc)) from exc
    summary = {
        "model_version": model.version,
        "path": str(service.model_path),
        "split": model.split.model_dump(),
        "baseline": model.baseline.model_dump(),
        "metrics": model.metrics.model_dump(),
    }
    if as_json:
        dump_json(summary)
        return
    console.print(summary)
