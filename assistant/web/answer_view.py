"""An answer as the page shows it: its text with numbered references to the passages behind it."""

from __future__ import annotations

import re

from pydantic import BaseModel

from assistant.answer import citations
from assistant.answer.models import Answer
from assistant.answer.sentences import split_sentences
from assistant.core.text import fold

# A generated answer cites its passages as "[1]", numbered in the order of ``sources``.
_MARKER = re.compile(r"\s*\[(\d+)\]")
_SPACES = re.compile(r"\s+")
# Markdown headings in a passage: the page shows them as the passage's title and path instead.
_HEADING_LINE = re.compile(r"^#{1,6}\s.*(?:\n+|$)", re.MULTILINE)


class Piece(BaseModel):
    """A run of answer text and the numbers of the sources it rests on (1-based)."""

    text: str
    refs: list[int] = []


class SourceView(BaseModel):
    """One numbered source with the article references found in its passage."""

    n: int
    title: str
    text: str
    source: str
    articles: list[str]


def passage_text(text: str) -> str:
    """A stored passage as the page shows it: without its markdown heading lines."""
    return _HEADING_LINE.sub("", text).strip() or text


def _key(text: str) -> str:
    return _SPACES.sub(" ", fold(text)).strip()


def _generated_pieces(answer: str, n_sources: int) -> list[Piece]:
    pieces: list[Piece] = []
    last = 0
    for m in _MARKER.finditer(answer):
        n = int(m.group(1))
        if not 1 <= n <= n_sources:
            continue
        if m.start() > last or not pieces:
            pieces.append(Piece(text=answer[last : m.start()]))
        pieces[-1].refs.append(n)
        last = m.end()
    if last < len(answer) or not pieces:
        pieces.append(Piece(text=answer[last:]))
    return pieces


def _quoted_pieces(answer: str, sources: list[str]) -> list[Piece]:
    """Each sentence followed by the sources that contain it; with no sentence found in any
    source (a rephrased answer), the whole answer rests on all of them."""
    keys = [_key(s) for s in sources]
    pieces: list[Piece] = []
    last = 0
    for sentence in split_sentences(answer):
        end = answer.find(sentence, last)
        if end < 0:
            continue
        end += len(sentence)
        wanted = _key(sentence)
        refs = [i + 1 for i, key in enumerate(keys) if wanted and wanted in key]
        pieces.append(Piece(text=answer[last:end], refs=refs))
        last = end
    if last < len(answer):
        pieces.append(Piece(text=answer[last:]))
    if not any(p.refs for p in pieces) and pieces:
        pieces[-1].refs = list(range(1, len(sources) + 1))
    # Sentences in a row from the same sources share one reference, after the last of them.
    merged: list[Piece] = []
    for piece in pieces:
        if merged and merged[-1].refs == piece.refs:
            merged[-1] = Piece(text=merged[-1].text + piece.text, refs=piece.refs)
        else:
            merged.append(piece)
    return merged


def answer_pieces(answer: Answer) -> list[Piece]:
    """The answer text cut where a reference to its sources belongs."""
    if not answer.sources:
        return [Piece(text=answer.answer)]
    if answer.kind == "generative":
        return _generated_pieces(answer.answer, len(answer.sources))
    return _quoted_pieces(answer.answer, [s.text for s in answer.sources])


def source_views(answer: Answer) -> list[SourceView]:
    """The answer's sources, numbered as the references in its text."""
    return [
        SourceView(
            n=i,
            title=s.title,
            text=passage_text(s.text),
            source=s.source,
            articles=citations.labels(citations.parse(s.text), answer.lang),
        )
        for i, s in enumerate(answer.sources, start=1)
    ]
