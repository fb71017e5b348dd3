"""``alqabi review gold``: the reviewed questions as gold questions for the answers eval."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.core.cli import StoreOpt, settings_for

if TYPE_CHECKING:
    from assistant.db import Database

review_app = typer.Typer(no_args_is_help=True, help="The review loop of unanswered questions.")


def gold_rows(db: Database) -> list[dict]:
    """Gold questions in the format of evals/datasets/answers_gold.jsonl."""
    from sqlalchemy import select

    from assistant.db.models import GoldQuestion

    with db.session() as session:
        rows = session.scalars(select(GoldQuestion).order_by(GoldQuestion.id)).all()
        return [
            {
                "id": f"reviewed-{r.id:05d}",
                "lang": r.lang,
                "question": r.question,
                "expected": [r.faq_group],
                "key_facts": [],
                "style": "reviewed",
            }
            for r in rows
        ]


@review_app.command("gold")
def gold(
    out: Annotated[Path | None, typer.Option("--out", help="JSONL file (default: stdout).")] = None,
    store: StoreOpt = None,
) -> None:
    """Write the questions staff added to the gold set, with the FAQ group that answers them."""
    from assistant.db import Database, database_url

    db = Database(database_url(settings_for(store)))
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in gold_rows(db))
    if out is None:
        sys.stdout.write(lines)
    else:
        out.write_text(lines, encoding="utf-8")


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
