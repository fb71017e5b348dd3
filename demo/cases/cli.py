"""``alqabi corpus cases``: the synthetic court acts as an indexable corpus file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from assistant.core.cases import CourtAct
from assistant.core.cli import err
from assistant.core.text import normalize
from demo.cases.generator import generate_cases

_PARTS = ("introduction", "facts", "reasoning", "operative")
corpus = typer.Typer(no_args_is_help=True, help="Write generated corpora.")


def write_corpus(path: Path, acts: Sequence[CourtAct]) -> None:
    """Acts as JSONL documents that ``alqabi index`` reads as they are (doc_type ``court_act``,
    every act field in the metadata); equal input gives equal bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        for act in acts:
            # Normalised parts keep the text as the reader will clean it, so that the stored
            # text still splits into the act's parts.
            parts = {p: normalize(getattr(act, p)) for p in _PARTS}
            doc = act.model_copy(update=parts).to_source_document()
            record = {
                "id": doc.doc_id,
                "title": doc.title,
                "lang": doc.lang,
                "doc_type": doc.doc_type,
                "category": doc.category,
                "date": doc.date.isoformat() if doc.date else None,
                "metadata": doc.metadata,
                "text": doc.text,
            }
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(path)


@corpus.command("cases")
def cases(
    out: Annotated[Path, typer.Option(help="JSONL file to write.")] = Path(
        "corpus/cases/acts.jsonl"
    ),
    n: Annotated[int, typer.Option("--n", min=1, help="How many acts.")] = 3200,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Generate synthetic court acts (deterministic for a seed) into a corpus file."""
    acts = generate_cases(n, seed)
    write_corpus(out, acts)
    err.print(f"{len(acts)} court acts → {out}")


def register(app: typer.Typer) -> None:
    """Add ``corpus`` to ``alqabi``."""
    app.add_typer(corpus, name="corpus")
