"""Structure-aware chunking of a SourceDocument into retrievable Chunks.

A document is cut into sections at headings: markdown headings (``#`` … ``######``) and
plain structural lines of legal acts (``Раздел 14.``, ``65-тарау.``, ``Статья 631.``,
``12-бап.``, ``Article 5``). Within a section, paragraphs are packed greedily up to
``max_chars``; a paragraph longer than that is split at line, sentence, clause and finally
word boundaries. A chunk never crosses a heading, and headings are glued to the text that
follows them, so a heading alone is never a chunk. Every chunk is the exact slice
``doc.text[start:end]`` with no surrounding whitespace.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.core.cases import DOC_TYPE, CourtAct
from assistant.core.schemas import Chunk, SourceDocument

__all__ = ["chunk_document", "has_article_headings", "is_heading_line"]

Span = tuple[int, int]

_MD_HEADING = re.compile(r"(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")
_NUM = r"\d+(?:-\d+)*"
_ROMAN = r"[IVXLC]+"
# Structural lines of Kazakh, Russian and English legal acts. A plain-text line counts as a
# heading only when the label is followed by "." / ":" or ends the line, so "Статья 116 (частью
# второй)" inside a paragraph is not one.
_STRUCTURE = re.compile(
    r"(?:\*\*|__)?(?:"
    rf"(?P<sec>{_NUM})-бөл[іi]м|(?:раздел|section|part)[ \t]+(?P<sec2>{_NUM}|{_ROMAN})"
    rf"|(?P<ch>{_NUM})-тарау|(?:глава|chapter)[ \t]+(?P<ch2>{_NUM}|{_ROMAN})"
    rf"|(?P<par>{_NUM})-параграф|параграф[ \t]+(?P<par2>{_NUM})"
    rf"|(?P<art>{_NUM})-бап|(?:статья|article)[ \t]+(?P<art2>{_NUM})"
    r")(?:[.:]|[ \t]*(?:\*\*|__)?[ \t]*$)",
    re.IGNORECASE,
)
# Rank of each structural unit; plain (non-markdown) headings get levels below any markdown one.
_RANKS = {"sec": 0, "ch": 1, "par": 2, "art": 3}
_PLAIN_LEVEL_BASE = 7
# A longer line starting with "Статья 5." is body text quoting an article, not a heading.
_PLAIN_HEADING_MAX = 200
_EMPHASIS = re.compile(r"^(?:\*\*|__|\*|_)+|(?:\*\*|__|\*|_)+$")

_SENTENCE_END = re.compile(r"[.!?…]+[»\"”’')\]]*(?=\s)")
_CLAUSE_END = re.compile(r"[;:](?=\s)")
_WORD = re.compile(r"\S+")
_OPENERS = "«\"„“'([—–-•*#"
# Tokens that end with a full stop without ending the sentence (lower-cased, no final dot),
# space-separated: Russian, Kazakh, English.
_ABBREVIATIONS_RU = (
    "ст ст.ст стст п пп ч чч подп абз т.е т.д т.п т.к т.н и.о г гг в вв см ср им др пр р руб "
    "тыс млн млрд обл респ ул д кв стр рис прим напр тел каз рус англ т"
)
_ABBREVIATIONS_KK = "т.б т.с.с б бб ж жж тарм тт қ қр мыс ғ ә"
_ABBREVIATIONS_EN = "art arts no nos vol p pp e.g i.e etc cf mr ms dr st vs"
_ABBREVIATIONS = frozenset(
    " ".join((_ABBREVIATIONS_RU, _ABBREVIATIONS_KK, _ABBREVIATIONS_EN)).split()
)
_LIST_NUMBER = re.compile(rf"(?:\d+|{_ROMAN}|[а-яәғқңөұүһіa-z])", re.IGNORECASE)


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    article: str | None


@dataclass
class _Section:
    """Heading lines (glued to the body) and body paragraphs under one heading path."""

    path: list[_Heading]
    headings: list[Span] = field(default_factory=list)
    paragraphs: list[Span] = field(default_factory=list)


def _heading(line: str) -> _Heading | None:
    """The heading a single stripped line stands for, if any."""
    md = _MD_HEADING.fullmatch(line)
    if md:
        text = _EMPHASIS.sub("", md.group(2)).strip()
        if not text:
            return None
        struct = _STRUCTURE.match(text)
        article = (struct.group("art") or struct.group("art2")) if struct else None
        return _Heading(len(md.group(1)), text, article)
    if len(line) > _PLAIN_HEADING_MAX:
        return None
    struct = _STRUCTURE.match(line)
    if not struct:
        return None
    kind = next(name for name in _RANKS if struct.group(name) or struct.group(name + "2"))
    article = struct.group("art") or struct.group("art2")
    return _Heading(_PLAIN_LEVEL_BASE + _RANKS[kind], _EMPHASIS.sub("", line).strip(), article)


def is_heading_line(line: str) -> bool:
    """Whether a line is a markdown heading or a structural line of a legal act."""
    return _heading(line.strip()) is not None


def has_article_headings(text: str) -> bool:
    """Whether any line of ``text`` opens an article (``5-бап.``, ``Статья 5.``, ``Article 5``)."""
    for line in text.splitlines():
        found = _heading(line.strip())
        if found is not None and found.article is not None:
            return True
    return False


def _strip(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _sections(text: str) -> list[_Section]:
    """Group lines into sections; consecutive non-blank body lines form one paragraph."""
    sections = [_Section(path=[])]
    para_start: int | None = None
    para_end = 0
    pos = 0
    while pos <= len(text):
        newline = text.find("\n", pos)
        line_end = len(text) if newline < 0 else newline
        start, end = _strip(text, pos, line_end)
        heading = _heading(text[start:end]) if end > start else None
        if (end == start or heading is not None) and para_start is not None:
            sections[-1].paragraphs.append((para_start, para_end))
            para_start = None
        if heading is not None:
            current = sections[-1]
            if current.paragraphs:
                current = _Section(path=list(current.path))
                sections.append(current)
            current.path = [h for h in current.path if h.level < heading.level] + [heading]
            current.headings.append((start, end))
        elif end > start:
            if para_start is None:
                para_start = start
            para_end = end
        pos = line_end + 1
    if para_start is not None:
        sections[-1].paragraphs.append((para_start, para_end))
    return sections


def _is_sentence_end(text: str, match: re.Match[str], start: int, end: int) -> bool:
    """Whether a terminator found in ``text[start:end]`` ends a sentence."""
    nxt = match.end()
    while nxt < end and text[nxt].isspace():
        nxt += 1
    if nxt >= end:
        return False
    following = text[nxt]
    if not (following.isupper() or following.isdigit() or following in _OPENERS):
        return False
    if not match.group().startswith("."):
        return True
    token_start = match.start()
    while token_start > start and not text[token_start - 1].isspace():
        token_start -= 1
    token = text[token_start : match.start()].lstrip("«\"„“'([")
    if not token or token.lower() in _ABBREVIATIONS:
        return False
    # An initial ("Н. Ә. Назарбаев").
    if len(token) == 1 and token.isupper():
        return False
    # A list number opening a line or a sentence ("1. Суд …", "… міндетті. 2. Алқаби …").
    before = token_start
    while before > start and text[before - 1] in " \t":
        before -= 1
    opens = before == start or text[before - 1] in "\n.!?…:;"
    return not (opens and _LIST_NUMBER.fullmatch(token))


def _cut(text: str, start: int, end: int, cuts: list[int]) -> list[Span]:
    spans = []
    for left, right in zip([start, *cuts], [*cuts, end], strict=True):
        span = _strip(text, left, right)
        if span[1] > span[0]:
            spans.append(span)
    return spans


def _lines(text: str, start: int, end: int) -> list[Span]:
    cuts = []
    pos = text.find("\n", start, end)
    while pos >= 0:
        cuts.append(pos)
        pos = text.find("\n", pos + 1, end)
    return _cut(text, start, end, cuts)


def _sentences(text: str, start: int, end: int) -> list[Span]:
    cuts = [
        m.end()
        for m in _SENTENCE_END.finditer(text, start, end)
        if _is_sentence_end(text, m, start, end)
    ]
    return _cut(text, start, end, cuts)


def _clauses(text: str, start: int, end: int) -> list[Span]:
    return _cut(text, start, end, [m.end() for m in _CLAUSE_END.finditer(text, start, end)])


def _words(text: str, start: int, end: int) -> list[Span]:
    return [m.span() for m in _WORD.finditer(text, start, end)]


_SPLITTERS: tuple[Callable[[str, int, int], list[Span]], ...] = (
    _lines,
    _sentences,
    _clauses,
    _words,
)


def _split(text: str, span: Span, limit: int) -> list[Span]:
    """Pieces of ``span`` no longer than ``limit``, cut at the coarsest boundary that works."""
    start, end = span
    if end - start <= limit:
        return [span]
    for splitter in _SPLITTERS:
        parts = splitter(text, start, end)
        if len(parts) > 1:
            return [piece for part in parts for piece in _split(text, part, limit)]
    # One "word" longer than the limit (a URL, a table row without spaces): no boundary left.
    return [(pos, min(pos + limit, end)) for pos in range(start, end, limit)]


def _pack(atoms: list[Span], max_chars: int) -> list[list[Span]]:
    """Greedily group consecutive atoms while the covered slice stays within ``max_chars``."""
    groups: list[list[Span]] = []
    for atom in atoms:
        if groups and atom[1] - groups[-1][0][0] <= max_chars:
            groups[-1].append(atom)
        else:
            groups.append([atom])
    return groups


def _rebalance_tail(groups: list[list[Span]], max_chars: int, min_chars: int) -> None:
    """Move the cut between the last two groups when the last one is shorter than min_chars."""
    if len(groups) < 2 or groups[-1][-1][1] - groups[-1][0][0] >= min_chars:
        return
    atoms = groups[-2] + groups[-1]
    best_cut, best_shorter = 0, -1
    for cut in range(1, len(atoms)):
        left = atoms[cut - 1][1] - atoms[0][0]
        right = atoms[-1][1] - atoms[cut][0]
        if max(left, right) <= max_chars and min(left, right) > best_shorter:
            best_cut, best_shorter = cut, min(left, right)
    if best_cut:
        groups[-2:] = [atoms[:best_cut], atoms[best_cut:]]


def _carry_small_sections(sections: list[_Section], max_chars: int, min_chars: int) -> None:
    """Let a section shorter than ``min_chars`` lead the next one when that is nested in it.

    Covers a kicker or an author line before the first heading and a one-line intro under a
    heading; articles are never merged into, so each article keeps its own chunks.
    """
    for prev, nxt in itertools.pairwise(sections):
        if not prev.paragraphs or not nxt.paragraphs:
            continue
        start = (prev.headings or prev.paragraphs)[0][0]
        if (
            prev.paragraphs[-1][1] - start < min_chars
            # The carried text and the headings still leave min_chars for the body.
            and nxt.paragraphs[0][0] - start < max_chars - min_chars
            and nxt.path[: len(prev.path)] == prev.path
            and not any(h.article for h in nxt.path)
        ):
            nxt.headings[:0] = prev.headings + prev.paragraphs
            prev.headings, prev.paragraphs = [], []


def _section_spans(text: str, section: _Section, max_chars: int, min_chars: int) -> list[Span]:
    atoms = [piece for para in section.paragraphs for piece in _split(text, para, max_chars)]
    if not atoms:
        return []
    # Glue the heading lines to the first body text; leave the outer headings out of the slice
    # (they stay in heading_path) when keeping them would leave too little room for the body.
    first = atoms[0]
    for heading_start, _ in section.headings:
        room = max_chars - (first[0] - heading_start)
        if room >= max(1, min(min_chars, first[1] - first[0])):
            pieces = _split(text, first, room)
            atoms[:1] = [(heading_start, pieces[0][1]), *pieces[1:]]
            break
    groups = _pack(atoms, max_chars)
    _rebalance_tail(groups, max_chars, min_chars)
    return [(group[0][0], group[-1][1]) for group in groups]


def chunk_document(doc: SourceDocument, max_chars: int = 1000, min_chars: int = 200) -> list[Chunk]:
    """Split ``doc`` into chunks of at most ``max_chars`` characters along its structure.

    ``min_chars``: a section's last chunk shorter than this takes text from the one before
    it, and outer headings are left out of a chunk when they leave less room than this.
    Documents with FAQ ``paraphrases`` in their metadata stay one chunk when they fit; a court
    act is always one chunk.
    """
    if max_chars < 1 or not 0 <= min_chars <= max_chars:
        raise ValueError(
            f"need 1 <= max_chars and 0 <= min_chars <= max_chars, "
            f"got max_chars={max_chars}, min_chars={min_chars}"
        )
    text = doc.text
    sections = _sections(text)
    _carry_small_sections(sections, max_chars, min_chars)
    located: list[tuple[Span, _Section]] = []
    if doc.doc_type == DOC_TYPE:
        # A court act is one chunk: its whole text is indexed lexically and one vector, of its
        # facts and reasoning (indexer.pipeline.document_passages), stands for it.
        CourtAct.from_source_document(doc)  # ValueError when it cannot be cut into its parts
        located.append((_strip(text, 0, len(text)), _Section(path=[])))
    elif "paraphrases" in doc.metadata and 0 < len(text) <= max_chars:
        first = next((s for s in sections if s.paragraphs), sections[0])
        located.append((_strip(text, 0, len(text)), first))
    else:
        for section in sections:
            located.extend(
                (span, section) for span in _section_spans(text, section, max_chars, min_chars)
            )
    if not located and text.strip():
        # Only headings: index them as text rather than lose the document.
        whole = _Section(path=[], paragraphs=[_strip(text, 0, len(text))])
        located = [(span, whole) for span in _section_spans(text, whole, max_chars, min_chars)]
    chunks = []
    for ordinal, ((start, end), section) in enumerate(located):
        article = next((h.article for h in reversed(section.path) if h.article), None)
        chunks.append(
            Chunk(
                chunk_id=f"{doc.doc_id}#{ordinal}",
                doc_id=doc.doc_id,
                ordinal=ordinal,
                text=text[start:end],
                title=doc.title,
                heading_path=[h.text for h in section.path],
                article=article,
                lang=doc.lang,
                source=doc.source,
                start=start,
                end=end,
                doc_type=doc.doc_type,
                category=doc.category,
                date=doc.date,
                metadata=copy.deepcopy(doc.metadata),
            )
        )
    return chunks
