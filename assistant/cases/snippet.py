"""The passage of an act that best matches a query, cut to a readable length."""

from __future__ import annotations

from assistant.answer.sentences import split_sentences
from assistant.core.text import terms


def snippet(text: str, query: str, max_chars: int) -> str:
    """The sentence sharing the most distinct terms with ``query`` (the earliest on a tie), with
    the sentences after it while they fit; "…" marks where the act goes on."""
    sentences = split_sentences(text)
    if not sentences:
        return text[:max_chars]
    wanted = set(terms(query, folded=True))
    matches = [len(wanted.intersection(terms(s, folded=True))) for s in sentences]
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
