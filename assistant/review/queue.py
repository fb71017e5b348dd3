"""The review queue: questions refused as unsupported, answered with low confidence or voted 👎,
de-duplicated and grouped by meaning.

Grouping: e5 query vectors of the distinct (folded) questions, average-linkage agglomerative
clustering with a cosine-distance threshold; a cluster is named by its medoid question."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from pydantic import BaseModel
from sqlalchemy import select

from assistant.answer.models import Answer, RefusalReason
from assistant.answer.sentences import cached_vectors
from assistant.core.config import ReviewSettings
from assistant.core.embeddings import Embedder
from assistant.core.pii import mask_personal
from assistant.core.text import fold
from assistant.db import Database
from assistant.db.models import Feedback, ReviewItem

log = logging.getLogger(__name__)
EXAMPLES = 5
ANSWER_CHARS = 4_000
WEEK = timedelta(days=7)


class Item(BaseModel):
    """One queued question (texts masked)."""

    id: int
    created_at: datetime
    source: str
    question: str
    lang: str | None
    answer: str
    kind: str | None
    confidence: float | None


class Cluster(BaseModel):
    """Questions that ask the same thing, and what the assistant answered."""

    id: int  # the oldest item's id: stable while the cluster grows
    title: str  # the medoid question
    count: int
    distinct: int
    examples: list[tuple[str, int]]  # (question, how often), most frequent first
    langs: dict[str, int]
    sources: dict[str, int]
    this_week: int
    last_week: int
    answer: str  # the answer most often given
    kind: str | None
    item_ids: list[int]


def review_source(answer: Answer, settings: ReviewSettings) -> str | None:
    """Why an answer goes to review, or None: refused for want of support, given to a question
    with words no text covers, given with low confidence, or made of guidance passages because
    no FAQ entry answers it (the matcher answers on-domain questions it cannot support that way
    rather than refusing them)."""
    if answer.kind == "refusal":
        return "refused" if answer.refusal_reason == RefusalReason.NO_SUPPORT else None
    if answer.uncovered:
        return "uncovered"
    if answer.confidence < settings.low_confidence:
        return "low_confidence"
    return "passage" if answer.kind != "faq" else None


def note_answer(db: Database, settings: ReviewSettings, question: str, answer: Answer) -> None:
    """Queue a question whose answer needs review; a database failure is logged, never
    passed on to the asker."""
    source = review_source(answer, settings)
    if source is None:
        return
    try:
        with db.session() as session:
            session.add(
                ReviewItem(
                    created_at=datetime.now(UTC),
                    source=source,
                    question=mask_personal(question),
                    lang=answer.lang,
                    answer=mask_personal(answer.answer)[:ANSWER_CHARS],
                    kind=answer.kind,
                    confidence=answer.confidence,
                    status="open",
                )
            )
    except Exception:  # the review queue must never break an answer
        log.exception("could not queue a question for review")


def queue_down_votes(db: Database) -> int:
    """Open a review item for every 👎 vote without one (votes stored before the queue)."""
    with db.session() as session:
        queued = select(ReviewItem.feedback_id).where(ReviewItem.feedback_id.is_not(None))
        votes = session.scalars(
            select(Feedback).where(Feedback.vote == "down", Feedback.id.not_in(queued))
        ).all()
        for vote in votes:
            session.add(ReviewItem.from_feedback(vote))
        return len(votes)


def open_items(db: Database, window_days: int, now: datetime | None = None) -> list[Item]:
    """Open items of the last ``window_days``, oldest first."""
    since = (now or datetime.now(UTC)) - timedelta(days=window_days)
    stmt = (
        select(ReviewItem)
        .where(ReviewItem.status == "open", ReviewItem.created_at >= since)
        .order_by(ReviewItem.id)
    )
    with db.session() as session:
        return [Item.model_validate(r, from_attributes=True) for r in session.scalars(stmt)]


def _labels(vectors: np.ndarray, distance: float) -> np.ndarray:
    if len(vectors) < 2:
        return np.zeros(len(vectors), dtype=np.int64)
    from sklearn.cluster import AgglomerativeClustering  # a second of imports: only here

    model = AgglomerativeClustering(
        n_clusters=None, distance_threshold=distance, metric="cosine", linkage="average"
    )
    return model.fit_predict(vectors)


def cluster(
    items: list[Item],
    embedder: Embedder,
    cache_dir: Path,
    distance: float,
    now: datetime | None = None,
) -> list[Cluster]:
    """Items grouped by meaning, the largest (then most recent) cluster first."""
    if not items:
        return []
    now = now or datetime.now(UTC)
    keys = [" ".join(fold(i.question).split()) for i in items]
    distinct = list(dict.fromkeys(keys))
    # Vectors of the distinct questions (as typed, first occurrence), cached beside the store.
    first = {k: items[keys.index(k)].question for k in distinct}
    vectors = cached_vectors(embedder, cache_dir, [first[k] for k in distinct], "query")
    label_of = dict(zip(distinct, _labels(vectors, distance), strict=True))
    groups: dict[int, list[int]] = {}
    for n, key in enumerate(keys):
        groups.setdefault(int(label_of[key]), []).append(n)
    out = []
    for members in groups.values():
        member_keys = list(dict.fromkeys(keys[n] for n in members))
        rows = [distinct.index(k) for k in member_keys]
        sims = vectors[rows] @ vectors[rows].T
        medoid = member_keys[int(np.argmax(sims.sum(axis=1)))]
        counts = Counter(keys[n] for n in members)
        group = [items[n] for n in members]
        answers = Counter(i.answer for i in group)
        top_answer = answers.most_common(1)[0][0]
        out.append(
            Cluster(
                id=min(i.id for i in group),
                title=first[medoid],
                count=len(group),
                distinct=len(member_keys),
                examples=[(first[k], c) for k, c in counts.most_common(EXAMPLES)],
                langs=dict(Counter(i.lang or "?" for i in group).most_common()),
                sources=dict(Counter(i.source for i in group).most_common()),
                this_week=sum(now - i.created_at < WEEK for i in group),
                last_week=sum(WEEK <= now - i.created_at < 2 * WEEK for i in group),
                answer=top_answer,
                kind=next(i.kind for i in group if i.answer == top_answer),
                item_ids=sorted(i.id for i in group),
            )
        )
    return sorted(out, key=lambda c: (-c.count, -c.this_week, c.id))
