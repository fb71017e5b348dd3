"""Which words of a passage match a query, by the folded terms the lexical index searches.

A query typed without Kazakh letters ("алкаби") matches "алқабилер" because both fold and stem
to the same term; a term misspelt by a letter or two matches as the fuzzy search does.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from assistant.core.schemas import Lang
from assistant.core.text import detect_lang, terms

# Words with their inner hyphens and apostrophes ("1-бап", "Заң's"), as the tokenizer reads them.
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_FUZZY_MIN_CHARS = 5  # shorter stems ("алка" next to "алкаб") are other words


class Segment(NamedTuple):
    """A run of passage text and whether it is a matching word."""

    text: str
    match: bool


@lru_cache(maxsize=1 << 16)
def _word_terms(word: str, lang: Lang) -> tuple[str, ...]:
    return tuple(terms(word, lang, folded=True))


def _misspelt(term: str, wanted: list[str], min_score: float | None) -> bool:
    """A term a letter or two away from a wanted one: close in spelling, about as long (a
    shorter word that merely starts the same, "алқа" for "алқаби", is another word)."""
    if len(term) < _FUZZY_MIN_CHARS:
        return False
    near = [w for w in wanted if abs(len(w) - len(term)) <= 1]
    return (
        bool(near)
        and process.extractOne(term, near, scorer=fuzz.ratio, score_cutoff=min_score) is not None
    )


def query_terms(query: str) -> frozenset[str]:
    """The folded index terms of a query."""
    return frozenset(terms(query, folded=True))


def highlight(
    passage: str,
    wanted: frozenset[str],
    lang: Lang | None = None,
    fuzzy_min: float | None = None,
) -> list[Segment]:
    """The passage cut into plain runs and matching words (adjacent ones stay separate).

    ``lang`` is the passage's language (detected when None); ``fuzzy_min`` (0-100) also marks
    words whose term is that close in spelling to a query term.
    """
    if not wanted:
        return [Segment(passage, False)] if passage else []
    lang = lang or detect_lang(passage)
    close = [w for w in wanted if len(w) >= _FUZZY_MIN_CHARS] if fuzzy_min else []
    segments: list[Segment] = []
    last = 0
    for m in _WORD.finditer(passage):
        found = _word_terms(m.group(0), lang)
        if not found:
            continue
        hit = any(term in wanted for term in found) or any(
            _misspelt(term, close, fuzzy_min) for term in found if close
        )
        if hit:
            if m.start() > last:
                segments.append(Segment(passage[last : m.start()], False))
            segments.append(Segment(m.group(0), True))
            last = m.end()
    if last < len(passage):
        segments.append(Segment(passage[last:], False))
    return segments
