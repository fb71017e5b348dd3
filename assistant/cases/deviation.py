"""Deviation flags: an act whose outcome a strong majority of its closest peers did not reach."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.cases.catalog import Catalog
from assistant.cases.neighbours import Nearest, nearest, vote
from assistant.cases.schemas import Deviation, Neighbour


class DeviationRule(BaseModel):
    """Flag when ≥ ``share`` of ≥ ``min_neighbours`` similarity-weighted peers (same category
    and instance, cosine ≥ ``floor``, at most ``neighbours`` of them) agree on another outcome."""

    neighbours: int = 10
    min_neighbours: int = 5
    share: float = 0.7
    floor: float = 0.9


def peers(catalog: Catalog, position: int, k: int, floor: float) -> Nearest:
    """The ``k`` acts most similar to the act at ``position`` at or above ``floor`` among its
    peers: same category and instance, an outcome, outside its own case family."""
    rows, vectors = catalog.peer_group(position)
    allowed = catalog.families[rows] != catalog.families[position]
    found = nearest(vectors, catalog.vectors[position], allowed, k, floor)
    return Nearest(rows[found.positions], found.similarities)


def deviation(
    catalog: Catalog, position: int, rule: DeviationRule, found: Nearest | None = None
) -> Deviation | None:
    """The deviation of the act at ``position``, or None when it follows its peers (or has too
    few of them to say). ``found``: its ``peers`` already searched with at least the rule's
    ``neighbours`` and at most its ``floor`` (to try many rules on one search)."""
    record = catalog.records[position]
    if record.outcome is None or record.category is None:
        return None
    if found is None:
        found = peers(catalog, position, rule.neighbours, rule.floor)
    else:
        found = found.top(rule.neighbours, rule.floor)
    if len(found) < rule.min_neighbours:
        return None
    labels = [catalog.records[i].outcome or "" for i in found.positions]
    classes = sorted(set(labels))
    shares = vote(labels, found.similarities, classes)
    majority = classes[int(shares.argmax())]
    if majority == record.outcome or shares.max() < rule.share:
        return None
    return Deviation(
        majority_outcome=majority,
        share=round(float(shares.max()), 4),
        neighbours=[
            Neighbour(
                case_id=catalog.records[i].case_id,
                outcome=catalog.records[i].outcome,
                similarity=round(float(s), 4),
            )
            for i, s in zip(found.positions, found.similarities, strict=True)
        ],
    )
