"""Follow-up questions ("а сколько платят?", "ал айыппұл ше?") resolved with the last turn."""

from __future__ import annotations

from assistant.answer.memory import Turn
from assistant.core.query import Query
from assistant.core.schemas import Lang
from assistant.core.text import tokenize
from assistant.locales import text

# Longer questions carry their own context.
_MAX_TOKENS = 6
# Words that open a follow-up: "а ...", "и ...", "ал ...", "ещё ...", "and ...", "what about ...".
_OPENERS = frozenset(
    ["а", "и", "еще", "также", "тогда", "ал", "ендеше", "сонда", "and", "also", "what", "how"]
)
# Kazakh "... ше?" ("and what about ...?") closes one.
_CLOSERS = frozenset(["ше", "she"])


def is_elliptic(query: Query) -> bool:
    """A short question that leans on the previous one."""
    tokens = tokenize(query.folded)
    if not tokens or len(tokens) > _MAX_TOKENS:
        return False
    return tokens[0] in _OPENERS or tokens[-1] in _CLOSERS or not query.terms


def resolve(query: Query, previous: Turn | None, lang: Lang) -> str:
    """The question to search: an elliptic follow-up gets the context it leaves out.

    With no words of its own ("а сколько?") it is read together with the previous question;
    otherwise ("а сколько платят?") the subject it omits, the juror, is added.
    """
    if previous is None or not is_elliptic(query):
        return query.text
    if not query.terms:
        return f"{previous.resolved} {query.text}"
    return f"{query.text} {text(lang, 'followup_anchor')}"
