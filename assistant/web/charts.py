"""Figures for the small SVG charts: no chart library, no inline styles (the page's CSP)."""

from __future__ import annotations

from pydantic import BaseModel


class Bar(BaseModel):
    """One outcome's bar: its count, its share of all, its length relative to the longest."""

    outcome: str
    count: int
    share: float
    width: float


class Segment(BaseModel):
    """One outcome's piece of a stacked 0-100 bar."""

    outcome: str
    probability: float
    x: float
    width: float


def distribution(summary: dict[str, int]) -> list[Bar]:
    """Bars of an outcome count summary, most frequent first."""
    total = sum(summary.values())
    top = max(summary.values(), default=0)
    return [
        Bar(outcome=o, count=n, share=n / total, width=round(100 * n / top, 2))
        for o, n in sorted(summary.items(), key=lambda item: -item[1])
        if n > 0
    ]


def stacked(probabilities: dict[str, float]) -> list[Segment]:
    """Segments of one bar, most likely outcome first, laid end to end on 0-100."""
    segments: list[Segment] = []
    x = 0.0
    for outcome, p in sorted(probabilities.items(), key=lambda item: -item[1]):
        width = round(100 * p, 2)
        segments.append(Segment(outcome=outcome, probability=p, x=round(x, 2), width=width))
        x += width
    return segments
