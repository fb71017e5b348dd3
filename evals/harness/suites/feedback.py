"""Feedback: the 👍/👎 votes the bot and the page sent to ``POST /v1/feedback``, summarised
from the API's feedback database (opened read-only; texts are stored masked)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult

RECENT_DOWN = 20


def read_votes(path: Path) -> list[dict]:
    """Every stored vote, oldest first; none when the database does not exist yet."""
    if not path.exists():
        return []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(
            "SELECT created_at, question, vote, lang, kind FROM feedback ORDER BY id"
        ).fetchall()
    except sqlite3.OperationalError:
        return []  # no feedback table: nothing was ever stored
    finally:
        conn.close()
    return [dict(r) for r in rows]


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="feedback")
    votes = read_votes(ctx.feedback_db)
    result.details = {"database": str(ctx.feedback_db), "votes": len(votes)}
    if not votes:
        result.skipped = f"no votes stored yet ({ctx.feedback_db})"
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
