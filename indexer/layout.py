"""Undo the print layout of court documents: fixed-width lines, padding, page furniture.

Court sites publish acts as Word or PDF files laid out for paper: each line broken at a fixed
width, justified with runs of spaces, paragraphs marked by an indent, and every page carrying a
number and sometimes a repeated header or footer. ``reflow`` turns such text back into one line
per paragraph; ``strip_page_furniture`` drops what repeats on every page of a PDF.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

__all__ = ["reflow", "strip_page_furniture"]

# "2", "- 2 -", "– 3 –", "стр. 4", "Страница 5 из 9", "4/9" alone on a line.
_PAGE_NUMBER = re.compile(
    r"[ \t]*(?:[-–—][ \t]*)?(?:(?:стр\.?|страница|бет|page)[ \t]*)?\d{1,4}"
    r"(?:[ \t]*(?:из|/|of)[ \t]*\d{1,4})?(?:[ \t]*[-–—])?[ \t]*",
    re.IGNORECASE,
)
_RUN = re.compile(r"[ \t\u00a0]+")
_LIST_START = re.compile(r"(?:[•▪◦‣·*-]|\d+[.)]|[а-яәa-z]\))\s")
_SENTENCE_TAIL = re.compile(r"[.!?…:;][»\"”’')\]*]*$")
# A text whose long lines run past this is not hard-wrapped: each line is a paragraph.
_UNWRAPPED_WIDTH = 160
# A wrapped line shorter than this share of the wrap width ends its paragraph.
_SHORT_LINE = 0.7
# A line repeated on at least this share of pages (and at least twice) is a header or footer.
_REPEATED_SHARE = 0.5


def _indent(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


def reflow(text: str, is_heading: Callable[[str], bool] = lambda line: False) -> str:
    """Paragraphs of a fixed-width text: hard line breaks inside a paragraph joined, padding
    collapsed, lone page numbers dropped. Blank lines and paragraph indents are kept as breaks.

    A line stays a line of its own when it is indented more than the text's usual indent
    (paragraph starts, centred titles), when it starts a list item, or when the line before
    it ends a sentence or stops well short of the wrap width and this one starts with a
    capital, or when either line ``is_heading`` (an article heading of a law). Text that is not
    hard-wrapped (lines far longer than a page is wide) keeps its line breaks.
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\f", "\n").split("\n")]
    lines = [line for line in lines if not (line and _PAGE_NUMBER.fullmatch(line))]
    body = [line for line in lines if line.strip()]
    if not body:
        return ""
    lengths = sorted(len(line.expandtabs(8)) for line in body)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width > _UNWRAPPED_WIDTH:
        return "\n".join(_RUN.sub(" ", line).strip() for line in lines)
    usual_indent = Counter(_indent(line) for line in body).most_common(1)[0][0]
    out: list[str] = []
    prev_raw = ""
    for raw in lines:
        line = _RUN.sub(" ", raw).strip()
        if (
            out
            and out[-1]
            and line
            and not is_heading(line)
            and not is_heading(out[-1])
            and _continues(prev_raw, raw, usual_indent, width)
        ):
            out[-1] = _join(out[-1], line)
        else:
            out.append(line)
        prev_raw = raw
    return "\n".join(out)


def _join(head: str, tail: str) -> str:
    # A word hyphenated at the line end ("мін-" + "детті") is joined without its hyphen.
    if len(head) > 1 and head[-1] in "-\u00ad" and head[-2].isalpha() and tail[:1].islower():
        return head[:-1] + tail
    # A number wrapped at its hyphen (УИД 77RS0029-02- / 2022-005555-10) keeps the hyphen.
    if len(head) > 1 and head[-1] == "-" and head[-2].isalnum() and tail[:1].isdigit():
        return head + tail
    return f"{head} {tail}"


def _continues(prev_raw: str, raw: str, usual_indent: int, width: int) -> bool:
    """Whether ``raw`` continues the paragraph of ``prev_raw`` in a hard-wrapped text."""
    prev, line = _RUN.sub(" ", prev_raw).strip(), _RUN.sub(" ", raw).strip()
    if _indent(raw) > usual_indent or _LIST_START.match(line):
        return False
    # A centred or indented title line is complete in itself.
    if _indent(prev_raw) > usual_indent and len(prev_raw.expandtabs(8)) < _SHORT_LINE * width:
        return False
    if line.lstrip("*_«\"„“'(")[:1].islower():
        return True
    if prev.isupper() and line.isupper() and not _SENTENCE_TAIL.search(prev):
        return True
    short = len(prev_raw.expandtabs(8)) < _SHORT_LINE * width
    return not (short or _SENTENCE_TAIL.search(prev))


def strip_page_furniture(pages: Sequence[str]) -> list[str]:
    """Pages without their lone page numbers and the header/footer lines that repeat on
    most pages (compared with digits blanked, so "Страница 2" and "Страница 3" match)."""

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", _RUN.sub(" ", line).strip())

    page_lines = [page.split("\n") for page in pages]
    seen = Counter(k for lines in page_lines for k in {key(line) for line in lines if line.strip()})
    limit = max(2, _REPEATED_SHARE * len(pages))
    repeated = {k for k, n in seen.items() if n >= limit and len(pages) > 1}
    out = []
    for lines in page_lines:
        kept = [
            line
            for line in lines
            if not (line.strip() and (key(line) in repeated or _PAGE_NUMBER.fullmatch(line)))
        ]
        out.append("\n".join(kept))
    return out
