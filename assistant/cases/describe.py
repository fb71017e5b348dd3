"""A situation typed by a user, as every court-practice feature takes it in."""

from __future__ import annotations

from assistant.core.cases import CaseText, case_text
from assistant.core.schemas import Lang
from assistant.retrieval import QueryError, check_query


def described(
    query: str, max_chars: int, lang: Lang | None = None, default_lang: Lang = "kk"
) -> CaseText:
    """The checked, de-identified description (computed once, passed down): QueryError when it
    is too long, empty, or nothing but names and such."""
    found = case_text(check_query(query, max_chars), lang, default_lang)
    if not any(ch.isalnum() for ch in found.features):
        raise QueryError("the description holds only names: describe what happened")
    return found
