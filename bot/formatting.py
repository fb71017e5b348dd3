"""Telegram HTML: escaping, splitting long messages, plain-text rendering for the terminal."""

from __future__ import annotations

import html
import re

TELEGRAM_LIMIT = 4096

_TAG = re.compile(r"<(/?)([a-z]+)([^>]*)>")
_TAG_OR_ENTITY = re.compile(r"<[^>]*>|&[#\w]+;")
# Where a cut is best made, best first: paragraph, line, sentence end, clause, word.
_BREAKS = ("\n\n", "\n", ". ", "! ", "? ", "; ", ", ", " ")


def escape(text: str) -> str:
    """User or API text made safe for HTML parse mode."""
    return html.escape(text, quote=False)


def _cut_point(text: str, limit: int) -> int:
    """The latest good place at or before ``limit`` to end a part, outside tags and entities."""
    protected = [(m.start(), m.end()) for m in _TAG_OR_ENTITY.finditer(text, 0, limit + 64)]

    def inside(i: int) -> bool:
        return any(start < i < end for start, end in protected)

    for sep in _BREAKS:
        i = text.rfind(sep, 0, limit)
        while i > 0 and inside(i + len(sep)):
            i = text.rfind(sep, 0, i)
        # A cut in the first third of the part leaves too little; try a weaker break instead.
        if i >= limit // 3:
            return i + len(sep)
    i = limit
    while i > 0 and inside(i):
        i -= 1
    # A tag or entity longer than the whole part: cut right after it.
    return i or next((end for start, end in protected if start < limit < end), limit)


def _open_tags(text: str) -> list[tuple[str, str]]:
    """Tags (name, opening tag) still open at the end of ``text``."""
    stack: list[tuple[str, str]] = []
    for m in _TAG.finditer(text):
        closing, name = m.group(1), m.group(2)
        if closing:
            for n in range(len(stack) - 1, -1, -1):
                if stack[n][0] == name:
                    del stack[n:]
                    break
        else:
            stack.append((name, m.group(0)))
    return stack


def split_html(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Parts of at most ``limit`` characters, cut at paragraph, then sentence, then word
    boundaries; tags open at a cut are closed there and reopened in the next part."""
    parts: list[str] = []
    rest = text.strip()
    reopen = ""
    while rest:
        body = reopen + rest
        if len(body) <= limit:
            parts.append(body)
            break
        # Leave room for the closing tags this part may need.
        room = limit - sum(len(name) + 3 for name, _ in _open_tags(body[:limit])) - 16
        # Each part takes at least one character of the text, so the loop always ends.
        cut = max(_cut_point(body, max(room, limit // 2)), len(reopen) + 1)
        head, rest = body[:cut].rstrip(), body[cut:].lstrip()
        still_open = _open_tags(head)
        head += "".join(f"</{name}>" for name, _ in reversed(still_open))
        reopen = "".join(tag for _, tag in still_open)
        parts.append(head)
    return [p for p in parts if _TAG.sub("", p).strip()]


def to_plain(text: str) -> str:
    """Telegram HTML as plain text (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub("", text))
