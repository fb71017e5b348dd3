"""``alqabi cases extract``: what is read from real court acts, field by field."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.core.cli import JsonOpt, dump_json

if TYPE_CHECKING:
    from indexer.cases.ingest import ReadAct

EXCERPT_CHARS = 600


def _excerpt(text: str) -> str:
    cut = text[:EXCERPT_CHARS]
    return cut + ("…" if len(text) > EXCERPT_CHARS else "")


def _read(paths: list[Path]) -> list[dict[str, object]]:
    """One entry per document of the given files: its fields, or why it was not read."""
    from indexer.cases.ingest import read_document
    from indexer.readers import ReaderError, iter_files, read_file

    out: list[dict[str, object]] = []
    try:
        files = list(iter_files(paths))
    except ReaderError as exc:
        return [{"source": str(exc.path), "error": exc.reason}]
    for path, root in files:
        try:
            documents = read_file(path, root).documents
        except ReaderError as exc:
            out.append({"source": str(path), "error": exc.reason})
            continue
        for doc in documents:
            read = read_document(doc)
            if read is None:
                out.append({"source": doc.source, "error": "not a court act or case card"})
            else:
                out.append(_entry(read))
    return out


def _entry(read: ReadAct) -> dict[str, object]:
    fields = read.fields.model_dump(mode="json")
    return {
        "source": read.source,
        "lang": fields.pop("lang"),
        "excerpt": _excerpt(read.text),
        "names_masked": read.masked,
        "fields": fields,
    }


def _show(entry: dict[str, object], console: Console) -> None:
    console.rule(str(entry["source"]))
    if "error" in entry:
        console.print(f"[red]not read[/red]: {entry['error']}")
        return
    table = Table(show_header=True, box=None)
    for column in ("field", "value", "confidence", "note"):
        table.add_column(column)
    fields = entry["fields"]
    assert isinstance(fields, dict)
    for name, read in fields.items():
        value = read["value"]
        shown = "—" if value is None else value if isinstance(value, str) else str(value)
        table.add_row(name, shown, f"{read['confidence']:.2f}", read.get("note") or "")
    console.print(table)
    console.print(f"[dim]de-identified excerpt ({entry['names_masked']} names masked):[/dim]")
    console.print(entry["excerpt"], markup=False, highlight=False)


def extract(
    files: Annotated[list[Path], typer.Argument(help="Court act files or folders.")],
    as_json: JsonOpt = False,
) -> None:
    """What is read from each court act: every field with its confidence and a de-identified
    excerpt (exit 1 if a file could not be read)."""
    entries = _read(files)
    if as_json:
        dump_json(entries)
    else:
        console = Console()
        for entry in entries:
            _show(entry, console)
    if any("error" in e for e in entries):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``extract`` to the ``cases`` group of ``alqabi``."""
    for group in app.registered_groups:
        if group.name == "cases" and group.typer_instance is not None:
            group.typer_instance.command("extract")(extract)
