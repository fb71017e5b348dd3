"""The ``alqabi`` command. Other packages add subcommands through the
``alqabi.commands`` entry-point group (a ``register(app)`` function each), so this
module never imports them.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from typing import Annotated

import typer
from rich.console import Console

from assistant.cases.cli import app as cases_app
from assistant.core.cli import JsonOpt, StoreOpt, fail, settings_for

# Services, retrieval and the web stack are imported by the commands that use them, and each
# plugin does the same: `alqabi --help` and light subcommands start in well under a second
# (python -X importtime -m assistant.cli --help; README "Start-up").

app = typer.Typer(
    name="alqabi",
    no_args_is_help=True,
    add_completion=False,
    help="Alqabi: jury-duty guidance and court-practice search (kk/ru).",
)
app.add_typer(cases_app, name="cases")
console = Console()


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for (kk, ru or en).")],
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many results.")] = 5,
    lang: Annotated[list[str] | None, typer.Option("--lang", help="Only these languages.")] = None,
    doc_type: Annotated[
        list[str] | None, typer.Option("--type", help="Only these document types.")
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hybrid search over the store."""
    from rich.table import Table

    from assistant.core.schemas import SearchFilters, SearchHit, SearchResponse
    from assistant.retrieval import QueryError
    from assistant.services import loaded_services

    services = loaded_services(store)
    filters = SearchFilters(lang=lang or None, doc_type=doc_type or None)
    try:
        hits = services.require().retriever.search(query, k, filters)
    except QueryError as exc:
        raise fail(str(exc), 2) from exc
    response = SearchResponse(results=[SearchHit.from_scored(h) for h in hits])
    if as_json:
        sys.stdout.write(response.model_dump_json(indent=2) + "\n")
        return
    table = Table(show_lines=True)
    for column in ("#", "score", "title / source", "text"):
        table.add_column(column)
    for n, hit in enumerate(response.results, 1):
        where = f"{hit.title}\n[dim]{hit.source} · {hit.lang or '?'}[/dim]"
        table.add_row(str(n), f"{hit.score:.4f}", where, hit.text[:300])
    console.print(table if response.results else "no results")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question (kk, ru or en).")],
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Answer language: kk, ru or en (default: detected)."),
    ] = None,
    session: Annotated[
        str | None, typer.Option("--session", help="Conversation id for follow-up questions.")
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the FAQ and the guidance, with sources."""
    from assistant.core.schemas import LANGS
    from assistant.retrieval import QueryError
    from assistant.services import loaded_services

    if lang not in (None, *LANGS):
        raise fail(f"--lang must be one of {', '.join(LANGS)}", 2)
    services = loaded_services(store)
    try:
        answer = services.answers.ask(services.require(), question, lang, session)
    except QueryError as exc:
        raise fail(str(exc), 2) from exc
    if as_json:
        sys.stdout.write(answer.model_dump_json(indent=2) + "\n")
        return
    console.print(answer.answer)
    if answer.note:
        console.print(f"[dim]{answer.note}[/dim]")
    if answer.citations:
        console.print(f"[dim]{'; '.join(answer.citations)}[/dim]")
    sources = ", ".join(dict.fromkeys(s.source for s in answer.sources))
    console.print(
        f"[dim]{answer.kind} · {answer.confidence:.2f}{' · ' + sources if sources else ''}[/dim]"
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
    store: StoreOpt = None,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    from assistant.api.app import create_app
    from assistant.api.logs import log_config

    settings = settings_for(store)
    uvicorn.run(
        create_app(settings),
        host=host or settings.api.host,
        port=port or settings.api.port,
        log_level="info",
        log_config=log_config(),
    )


def _register_plugins() -> None:
    for ep in entry_points(group="alqabi.commands"):
        ep.load()(app)


def main() -> None:
    """Entry point of the ``alqabi`` console script."""
    _register_plugins()
    app()


if __name__ == "__main__":
    main()
