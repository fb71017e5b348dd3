"""Feedback: the 👍/👎 votes the bot and the page sent to ``POST /v1/feedback``, summarised
from the application database (only read; texts are stored masked)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from assistant.db import Database
from assistant.db.models import Feedback
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult

RECENT_DOWN = 20
_FIELDS = ("created_at", "question", "vote", "lang", "kind")


def read_votes(url: str) -> list[dict]:
    """Every stored vote, oldest first; none when the database or its table does not exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        return []
    db = Database(url)
    try:
        with db.session() as session:
            if not inspect(session.connection()).has_table("feedback"):
                return []
            rows = session.execute(select(*(getattr(Feedback, f) for f in _FIELDS)))
            return [dict(zip(_FIELDS, r, strict=True)) for r in rows.all()]
    finally:
        db.dispose()


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="feedback")
    where = make_url(ctx.database_url).render_as_string(hide_password=True)
    votes = read_votes(ctx.database_url)
    result.details = {"database": where, "votes": len(votes)}
    if not votes:
        result.skipped = f"no votes stored yet ({where})"
        return result
    for field in ("lang", "kind"):
        for value in sorted({str(v[field]) for v in votes}):
            mine = [v for v in votes if str(v[field]) == value]
            share = sum(v["vote"] == "up" for v in mine) / len(mine)
            result.add("up_share", share, n=len(mine), by=field, group=value)
    result.add("up_share", sum(v["vote"] == "up" for v in votes) / len(votes), n=len(votes))
    counts = Counter((v["created_at"][:10], v["vote"]) for v in votes)
    result.details |= {
        "by_day": [
            {"day": day, "up": counts[(day, "up")], "down": counts[(day, "down")]}
            for day in sorted({d for d, _ in counts})
        ],
        "recent_down": [
            {k: v[k] for k in ("created_at", "lang", "kind", "question")}
            for v in votes
            if v["vote"] == "down"
        ][-RECENT_DOWN:],
    }
    return result
