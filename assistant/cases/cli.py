"""``alqabi cases search|predict|show|train``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console

from assistant.core.cli import JsonOpt, StoreOpt, dump_json, fail

if TYPE_CHECKING:
    from pydantic import BaseModel

    from assistant.cases.schemas import CaseSearchResponse, PredictionResponse
    from assistant.cases.service import CaseService
    from assistant.services import Services

# The case service, the outcome model and retrieval are imported by the commands that use them:
# `alqabi --help` and the other commands start without scikit-learn, FAISS or langchain.

app = typer.Typer(no_args_is_help=True, help="Court practice: similar acts and outcome estimates.")
console = Console()
T = TypeVar("T")

QueryArg = Annotated[str | None, typer.Argument(help="The situation, in kk, ru or en.")]
CaseOpt = Annotated[str | None, typer.Option("--case-id", help="An indexed act instead.")]
CategoryOpt = Annotated[list[str] | None, typer.Option("--category", help="Case category.")]
ArticleOpt = Annotated[list[str] | None, typer.Option("--article", help='E.g. "УК 99".')]


def _services(store: Path | None) -> Services:
    from assistant.services import loaded_services

    return loaded_services(store)


def _service(store: Path | None) -> CaseService:
    return _services(store).cases


def _run(call: Callable[[], T]) -> T:
    """The result, or a clean exit: 2 for bad input, 1 for an unknown case number."""
    from pydantic import ValidationError

    from assistant.cases.catalog import CaseNotFound
    from assistant.cases.train import NotEnoughActs
    from assistant.retrieval import QueryError

    try:
        return call()
    except (QueryError, ValidationError) as exc:
        raise fail(str(exc), 2) from exc
    except (CaseNotFound, NotEnoughActs) as exc:
        raise fail(str(exc)) from exc


def _print_json(value: BaseModel) -> None:
    sys.stdout.write(value.model_dump_json(indent=2) + "\n")


def _print_masking(response: CaseSearchResponse | PredictionResponse) -> None:
    """What the description lost before use (counts only), and the demo-data warning."""
    if response.masked:
        counts = ", ".join(f"{kind} {n}" for kind, n in response.masked.items())
        console.print(f"[dim]de-identified before use: {counts}[/dim]")
    if response.synthetic:
        console.print("[yellow]demo data:[/yellow] generated acts, not court practice")


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
    from rich.table import Table

    from assistant.cases.schemas import CaseFilters, CaseSearchRequest

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
    _print_masking(response)
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
    from assistant.cases.schemas import PredictFilters, PredictRequest

    request = _run(
        lambda: PredictRequest(
            query=query,
            case_id=case_id,
            lang=lang,
            filters=PredictFilters(category=category or None, article=article or None),
        )
    )
    services = _services(store)
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
    _print_masking(response)
    if response.category:
        console.print(f"category: {response.category} ({response.category_source})")
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
    model = _run(service.train)
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
