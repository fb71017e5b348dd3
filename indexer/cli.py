"""``alqabi index`` and ``alqabi delete``: registered into the root command."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from assistant.core.cli import StoreOpt, dump_json, fail, settings_for

if TYPE_CHECKING:
    from rich.table import Table

    from indexer.pipeline import IndexReport

# The pipeline (FAISS, readers, embedders) is imported by the commands, not by `alqabi --help`.

console = Console(stderr=True)


def _summary(report: IndexReport) -> Table:
    from rich.table import Table

    table = Table(title="indexing summary", show_header=False)
    rows = [
        ("documents read", report.documents),
        ("added", report.added),
        ("changed", report.changed),
        ("unchanged", report.unchanged),
        ("deleted", report.deleted),
        ("failed", len(report.failed)),
        ("court acts / case cards", f"{report.court_acts} / {report.case_cards}"),
        ("chunks written", report.chunks),
        ("embedded / from cache", f"{report.embedded} / {report.cached}"),
        ("seconds", f"{report.seconds:.1f}"),
        ("chunks/s", f"{report.chunks_per_s:.1f}"),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    return table


def index(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders (default: corpus/).")
    ] = None,
    store: StoreOpt = None,
    prune: Annotated[
        bool, typer.Option(help="Delete documents whose files are gone from these folders.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Embedding processes, each with an equal share of the cores "
            "(default: ALQABI_EMBEDDER_WORKERS).",
        ),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            help="Shard reading and embedding over the Ray cluster at this address "
            "('local' starts one here; needs the dist extra).",
        ),
    ] = None,
) -> None:
    """Read, clean, chunk, embed and store documents (unchanged ones are skipped)."""
    from assistant.core.embeddings import EmbedderError, index_settings, make_embedder
    from assistant.core.store import StoreError
    from indexer.fast_model import resolve_index_backend
    from indexer.pipeline import Indexer
    from indexer.readers import ReaderError
    from indexer.workers import EmbeddingPool

    settings = settings_for(store)
    targets = paths or [settings.corpus_dir]
    missing = [str(p) for p in targets if not p.exists()]
    if missing:  # before a first-use model build, not after it
        raise fail(f"no such file or directory: {', '.join(missing)}")
    settings = settings.model_copy(
        update={"embedder": resolve_index_backend(settings.embedder, console)}
    )
    embedder_settings = index_settings(settings.embedder)
    n_workers = workers or settings.embedder.workers
    try:
        with ExitStack() as stack:
            if ray is not None:
                from indexer.ray_index import RayIndexer, connect

                indexer: Indexer = RayIndexer(
                    settings,
                    make_embedder(embedder_settings),
                    progress=not as_json,
                    ray=connect(ray),
                    workers=n_workers,
                )
            elif n_workers > 1:
                pool = stack.enter_context(EmbeddingPool(embedder_settings, n_workers))
                indexer = Indexer(settings, pool, progress=not as_json, encode=pool)
            else:
                indexer = Indexer(settings, make_embedder(embedder_settings), progress=not as_json)
            report = indexer.run(targets, prune=prune)
    except (ReaderError, StoreError, EmbedderError, RuntimeError) as exc:
        raise fail(str(exc)) from exc
    if as_json:
        dump_json(report.model_dump() | {"chunks_per_s": report.chunks_per_s})
    else:
        for failure in report.failed:
            console.print(f"[yellow]skipped[/yellow] {failure.source}: {failure.reason}")
        for warning in report.warnings:
            console.print(f"[yellow]warning[/yellow] {warning}")
        console.print(_summary(report))


def delete(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids to delete.")],
    store: StoreOpt = None,
) -> None:
    """Delete documents (and their chunks and vectors) from the store."""
    from assistant.core.embeddings import EmbedderError, make_embedder
    from assistant.core.store import StoreError
    from indexer.pipeline import delete_documents

    settings = settings_for(store)
    try:
        n = delete_documents(settings, make_embedder(settings.embedder), doc_ids)
    except (StoreError, EmbedderError) as exc:
        raise fail(str(exc)) from exc
    console.print(f"deleted {n} of {len(doc_ids)} documents")
    if n < len(doc_ids):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the indexer's commands to ``alqabi``."""
    app.command()(index)
    app.command()(delete)
