"""The passage of an act that best matches a query, cut to a readable length."""

from __future__ import annotations

from collections.abc import Set
from functools import lru_cache

from assistant.answer.sentences import split_sentences
from assistant.core.schemas import Lang
from assistant.core.text import terms


def snippet(text: str, wanted: Set[str], lang: Lang | None, max_chars: int) -> str:
    """The sentence sharing the most distinct ``wanted`` terms (folded terms of the query) with
    the sentences of ``text`` (the earliest on a tie), with the sentences after it while they
    fit; "…" marks where the act goes on. ``lang`` is the language the chunk was indexed in,
    so its sentences get the stems its index terms have (None: detected per sentence)."""
    sentences, their_terms = _sentences(text, lang)
    if not sentences:
        return text[:max_chars]
    matches = [len(wanted.intersection(found)) for found in their_terms]
    best = max(range(len(sentences)), key=lambda i: (matches[i], -i))
    out = sentences[best]
    after = best + 1
    while after < len(sentences) and len(out) + 1 + len(sentences[after]) <= max_chars:
        out = f"{out} {sentences[after]}"
        after += 1
    if len(out) > max_chars:
        out = out[: out.rfind(" ", 0, max_chars)].rstrip(" ,;:") + " …"
    elif after < len(sentences):
        out += " …"
    return f"… {out}" if best > 0 else out


@lru_cache(maxsize=2048)
def _sentences(text: str, lang: Lang | None) -> tuple[tuple[str, ...], tuple[frozenset[str], ...]]:
    """The sentences of an act and their folded terms: the same acts come back for similar
    descriptions, and stemming their sentences was a fifth of a description search."""
    sentences = tuple(split_sentences(text))
    return sentences, tuple(frozenset(terms(s, lang, folded=True)) for s in sentences)
