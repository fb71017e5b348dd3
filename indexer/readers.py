"""Read corpus files into normalised SourceDocuments.

Formats: Markdown (optional YAML front matter), plain text, JSONL (one document per line),
PDF (pypdf), DOCX (python-docx), HTML (stdlib parser), Word 97 ``.doc`` (antiword/catdoc) and
RTF (striprtf). DOCX and HTML headings become markdown ``#`` headings so the chunker sees the
structure. Print layout (fixed-width lines, padding, page numbers and repeated page headers) is
reflowed into paragraphs (``indexer.layout``).

``read_file`` returns a ``ReadResult``: the documents plus warnings about problems it
skipped over (bad or duplicate JSONL lines, an unparsable date or language). A file that
yields no document at all raises ``ReaderError``.

Identity: ``doc_id`` is the front matter / JSONL ``id`` if given, else the path relative to
the root without suffix (``kk/pay``); JSONL lines without an id get ``<that>:<line>``.
``source`` is the path relative to the root's parent (``guidance/kk/pay.md``).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast, get_args

import docx
import yaml
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader

from assistant.core.cases import deidentified_document
from assistant.core.schemas import Lang, SourceDocument
from assistant.core.text import detect_lang, normalize
from indexer.chunking import has_article_headings, is_heading_line
from indexer.converters import (
    ConversionError,
    doc_to_text,
    have,
    pdf_pages,
    rtf_bytes_to_text,
    sniff,
)
from indexer.layout import reflow, strip_page_furniture

__all__ = [
    "SKIPPED_STEMS",
    "SUPPORTED_SUFFIXES",
    "ReadResult",
    "ReaderError",
    "iter_files",
    "read_file",
]

SUPPORTED_SUFFIXES = frozenset(
    {".md", ".txt", ".jsonl", ".pdf", ".docx", ".doc", ".rtf", ".html", ".htm"}
)
# Provenance and licence notes that sit next to corpus files; skipped when walking a directory.
SKIPPED_STEMS = frozenset({"readme", "license", "licence", "source", "notice", "changelog"})

_LANG_ALIASES: dict[str, Lang] = {"kz": "kk", "kaz": "kk", "rus": "ru", "eng": "en"}
_TITLE_MAX = 150
_JSONL_TEXT_KEYS = ("text", "context", "content", "case_text")

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S | re.M)
# Anchors and comments in official-law markdown carry no text.
_MD_NOISE = re.compile(r"<a\s+(?:id|name)=[\"'][^\"']*[\"']\s*>\s*</a>|<!--.*?-->", re.S | re.I)
_MD_TITLE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
_MD_ANY_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_MARKUP_EDGES = re.compile(r"^[#\s*_•-]+|[\s*_]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\u200b\ufeff]")
# Hyphen at a line end before a capital: a compound ("Сорос-\nҚазақстан"), not a word break,
# so the hyphen stays (normalize() would otherwise join the halves without it).
_COMPOUND_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*(?=[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")
_HTML_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w-]+)", re.I)


class ReaderError(ValueError):
    """A file that cannot be read; ``reason`` is a short human message."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class ReadResult:
    """Documents read from one file and warnings about the parts that were skipped."""

    documents: list[SourceDocument]
    warnings: list[str] = field(default_factory=list)


def iter_files(paths: Sequence[Path]) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for each supported file under ``paths``.

    A directory is walked recursively in sorted order, skipping hidden files and directories,
    unsupported suffixes and ``SKIPPED_STEMS``; it is the root of its files. A file given
    directly has its parent as root and must have a supported suffix.
    """
    for given in paths:
        if given.is_dir():
            found = []
            for folder, dirs, files in os.walk(given):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found.extend(
                    Path(folder, name)
                    for name in files
                    if not name.startswith(".")
                    and Path(name).suffix.lower() in SUPPORTED_SUFFIXES
                    and Path(name).stem.lower() not in SKIPPED_STEMS
                )
            for file in sorted(found, key=lambda f: f.relative_to(given).as_posix()):
                yield file, given
        elif given.is_file():
            if given.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise ReaderError(given, _unsupported(given))
            yield given, given.parent
        else:
            raise ReaderError(given, "no such file or directory")


def read_file(path: Path, root: Path) -> ReadResult:
    """Read one file under ``root`` into documents; raise ``ReaderError`` if none can be had."""
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise ReaderError(path, _unsupported(path))
    # abspath, not resolve(): a symlinked file keeps its place in the corpus tree.
    file, top = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    try:
        rel = file.relative_to(top)
        source = file.relative_to(top.parent).as_posix()
    except ValueError:
        raise ReaderError(path, f"not under the root {root}") from None
    context = _Context(path=path, source=source, default_id=rel.with_suffix("").as_posix())
    # Court acts are de-identified here, where every reader (local, workers, Ray) passes, so no
    # party's name reaches the store, its vectors or a model's features.
    documents = [deidentified_document(doc) for doc in reader(context)]
    return ReadResult(documents, context.warnings)


def _unsupported(path: Path) -> str:
    return f"unsupported file type {path.suffix or '(none)'!r}; supported: " + ", ".join(
        sorted(SUPPORTED_SUFFIXES)
    )


@dataclass
class _Context:
    path: Path
    source: str
    default_id: str
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.source}: {message}")


# --- bytes to text ---------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ReaderError(path, f"cannot read file ({exc.strerror or exc})") from None


def _decode(path: Path, data: bytes, fallback: str | None = None) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else ``fallback``; binary is an error."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise ReaderError(path, "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if fallback is not None:
            try:
                return data.decode(fallback)
            except (UnicodeDecodeError, LookupError):
                pass
        reason = f"not UTF-8 text (undecodable byte at offset {exc.start})"
        raise ReaderError(path, reason) from None


def _clean(text: str) -> str:
    """Unify line ends, drop control characters, then ``normalize``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    return normalize(_CONTROL.sub("", text))


def _unwrap(text: str) -> str:
    """Join hard-wrapped lines (plain text, PDF, Word) back into paragraphs; see ``reflow``."""
    text = _COMPOUND_BREAK.sub(r"\1-", text.replace("\r\n", "\n"))
    return _clean(reflow(_CONTROL.sub("", text), is_heading_line))


# --- fields shared by all formats ------------------------------------------------------------


def _plain_title(text: str) -> str:
    return normalize(_MARKUP_EDGES.sub("", text))


def _first_short_line(text: str) -> str | None:
    for line in text.split("\n"):
        title = _plain_title(line)
        if title:
            return title if len(title) <= _TITLE_MAX else None
    return None


def _markdown_title(text: str) -> str | None:
    """The first ``# `` heading, else the first heading that is not an article."""
    match = _MD_TITLE.search(text)
    if match:
        return _plain_title(match.group(1)) or None
    for heading in _MD_ANY_HEADING.finditer(text):
        if not has_article_headings(heading.group(1)):
            return _plain_title(heading.group(1)) or None
    return None


def _parse_lang(value: Any, ctx: _Context) -> Lang | None:
    if value is None:
        return None
    code = str(value).strip().lower()
    code = _LANG_ALIASES.get(code, code)
    if code in get_args(Lang):
        return cast(Lang, code)
    ctx.warn(f"unknown lang {value!r}, detecting it from the text")
    return None


def _parse_date(value: Any, ctx: _Context) -> date | None:
    if value is None or isinstance(value, date):
        return value.date() if isinstance(value, datetime) else value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    ctx.warn(f"cannot parse date {value!r} (want YYYY-MM-DD or DD.MM.YYYY), ignored")
    return None


def _json_safe(value: Any) -> Any:
    """Dates (which YAML produces) become ISO strings so metadata stays JSON."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _optional_str(value: Any) -> str | None:
    if value is None:
        return None
    text = normalize(str(value))
    return text or None


def _build(
    ctx: _Context,
    text: str,
    fields: dict[str, Any],
    title_fallback: Callable[[str], str | None],
    default_id: str | None = None,
) -> SourceDocument:
    """A SourceDocument from cleaned ``text`` and raw ``fields``; unknown fields → metadata."""
    fields = dict(fields)
    # A nested "metadata" mapping is flattened; top-level keys win.
    nested = fields.pop("metadata", None)
    if isinstance(nested, dict):
        fields = {**nested, **fields}
    elif nested is not None:
        fields["metadata"] = nested
    doc_id = _optional_str(fields.pop("id", None)) or default_id or ctx.default_id
    lang = _parse_lang(fields.pop("lang", None), ctx) or detect_lang(text)
    title = _optional_str(fields.pop("title", None)) or title_fallback(text) or ctx.path.stem
    doc_type = _optional_str(fields.pop("doc_type", None)) or (
        "law" if has_article_headings(text) else "document"
    )
    category = _optional_str(fields.pop("category", None))
    doc_date = _parse_date(fields.pop("date", None), ctx)
    metadata = _json_safe(fields)
    identity = {
        "doc_id": doc_id,
        "source": ctx.source,
        "title": title,
        "lang": lang,
        "doc_type": doc_type,
        "category": category,
        "date": doc_date.isoformat() if doc_date else None,
        "metadata": metadata,
        "text": text,
    }
    digest = hashlib.sha256(
        json.dumps(identity, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()
    return SourceDocument(
        doc_id=doc_id,
        source=ctx.source,
        title=title,
        text=text,
        lang=lang,
        doc_type=doc_type,
        category=category,
        date=doc_date,
        content_hash=digest,
        metadata=metadata,
    )


def _require_text(ctx: _Context, text: str, reason: str = "empty document") -> str:
    if not text.strip():
        raise ReaderError(ctx.path, reason)
    return text


# --- formats ---------------------------------------------------------------------------------


def _read_markdown(ctx: _Context) -> list[SourceDocument]:
    raw = _decode(ctx.path, _read_bytes(ctx.path)).replace("\r\n", "\n")
    fields: dict[str, Any] = {}
    match = _FRONT_MATTER.match(raw)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise ReaderError(ctx.path, f"invalid YAML front matter ({problem})") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise ReaderError(ctx.path, "front matter is not a mapping of fields")
        fields = loaded or {}
        raw = raw[match.end() :]
    text = _require_text(ctx, _clean(_MD_NOISE.sub("", raw)))
    return [_build(ctx, text, fields, _markdown_title)]


def _read_text(ctx: _Context) -> list[SourceDocument]:
    text = _require_text(ctx, _unwrap(_decode(ctx.path, _read_bytes(ctx.path))))
    return [_build(ctx, text, {}, _first_short_line)]


def _read_jsonl(ctx: _Context) -> list[SourceDocument]:
    raw = _decode(ctx.path, _read_bytes(ctx.path))
    documents: list[SourceDocument] = []
    seen: dict[str, int] = {}
    bad = 0
    # split("\n"), not splitlines(): JSON strings may hold U+2028 and other line separators.
    for number, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        problem = None
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            problem = f"invalid JSON: {exc.msg} (column {exc.colno})"
        else:
            if not isinstance(record, dict):
                problem = "not a JSON object"
        if problem is None:
            problem = _jsonl_document(ctx, record, number, seen, documents)
        if problem is not None:
            bad += 1
            ctx.warn(f"line {number}: {problem}; line skipped")
    if not documents:
        reason = f"no readable lines ({bad} bad)" if bad else "empty document"
        raise ReaderError(ctx.path, reason)
    return documents


def _jsonl_document(
    ctx: _Context,
    record: dict[str, Any],
    number: int,
    seen: dict[str, int],
    documents: list[SourceDocument],
) -> str | None:
    """Append the document of one JSONL record; return why it was skipped, if it was."""
    record = dict(record)
    key = next((k for k in _JSONL_TEXT_KEYS if isinstance(record.get(k), str)), None)
    text = _clean(record.pop(key)) if key else ""
    if not text:
        return "no text (expected a non-empty 'text', 'context' or 'content' string)"
    if record.get("id") is None and "doc_id" in record:
        record["id"] = record.pop("doc_id")
    default_id = f"{ctx.default_id}:{number}"
    doc = _build(ctx, text, record, _first_short_line, default_id)
    if doc.doc_id in seen:
        return f"duplicate id {doc.doc_id!r} (first on line {seen[doc.doc_id]})"
    seen[doc.doc_id] = number
    documents.append(doc)
    return None


def _read_pdf(ctx: _Context) -> list[SourceDocument]:
    pages = _pdf_pages_poppler(ctx) if have("pdftotext") else _pdf_pages_pypdf(ctx)
    if not pages:
        raise ReaderError(ctx.path, "corrupt PDF (no pages)")
    # Pages join with a plain line break: a paragraph running over a page break is reflowed.
    text = _unwrap("\n".join(p.rstrip("\n") for p in strip_page_furniture(pages)))
    _require_text(ctx, text, "PDF has no extractable text (scanned images need OCR)")
    return [_build(ctx, text, {}, _first_short_line)]


def _pdf_pages_poppler(ctx: _Context) -> list[str]:
    head = _read_bytes(ctx.path)[:1024]
    if b"%PDF" not in head:
        raise ReaderError(ctx.path, "corrupt PDF (no %PDF header)")
    try:
        return pdf_pages(ctx.path)
    except ConversionError as exc:
        reason = str(exc)
        if "ncrypt" in reason or "assword" in reason:
            raise ReaderError(ctx.path, "encrypted PDF (a password is needed)") from None
        raise ReaderError(ctx.path, f"corrupt PDF ({reason})") from None


def _pdf_pages_pypdf(ctx: _Context) -> list[str]:
    try:
        pdf = PdfReader(ctx.path)
        if pdf.is_encrypted and not _decrypts(pdf):
            raise ReaderError(ctx.path, "encrypted PDF (a password is needed)")
        return [page.extract_text() or "" for page in pdf.pages]
    except ReaderError:
        raise
    # pypdf raises many exception types on malformed input (its own, ValueError, KeyError,
    # struct.error, ...); all of them mean the file is damaged.
    except Exception as exc:
        raise ReaderError(ctx.path, f"corrupt PDF ({type(exc).__name__}: {exc})") from None


def _decrypts(pdf: PdfReader) -> bool:
    """Whether an encrypted PDF opens with the empty user password."""
    try:
        return bool(pdf.decrypt(""))
    # Unsupported algorithms or a missing crypto backend: treat as locked.
    except Exception:
        return False


_HTML_SKIP = frozenset({"script", "style", "nav", "noscript", "template", "svg", "iframe"})
_HTML_BLOCKS_LIST = (
    "p div section article main header footer aside ul ol dl dt dd table blockquote pre "
    "figure figcaption form hr address"
)
_HTML_BLOCKS = frozenset(_HTML_BLOCKS_LIST.split())
_HTML_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_DOCX_HEADING = re.compile(r"(?:heading|заголовок)\s*([1-6])", re.I)


def _read_docx(ctx: _Context) -> list[SourceDocument]:
    try:
        document = docx.Document(str(ctx.path))
        blocks = [_docx_block(item) for item in document.iter_inner_content()]
        core_title = document.core_properties.title
    # python-docx surfaces zip, XML and package errors of damaged files as various types.
    except Exception as exc:
        raise ReaderError(ctx.path, f"corrupt DOCX ({type(exc).__name__}: {exc})") from None
    text = _require_text(ctx, _clean("\n\n".join(b for b in blocks if b)))
    # Visible headings first: the core "title" property is often left over from a template.
    title = _markdown_title(text) or _optional_str(core_title)
    return [_build(ctx, text, {"title": title} if title else {}, _first_short_line)]


def _docx_block(item: Paragraph | Table) -> str:
    """One paragraph (``Heading N``/``Title`` styles as markdown headings) or a table."""
    if isinstance(item, Table):
        rows = []
        for row in item.rows:
            cells: list[str] = []
            for cell in row.cells:
                value = " ".join(cell.text.split())
                # Merged cells repeat in python-docx; keep one copy.
                if value and (not cells or cells[-1] != value):
                    cells.append(value)
            if cells:
                rows.append(" | ".join(cells))
        return "\n".join(rows)
    text = item.text.strip()
    style = item.style.name if item.style is not None else ""
    heading = _DOCX_HEADING.fullmatch(style or "")
    level = 1 if style == "Title" else int(heading.group(1)) if heading else 0
    if text and level:
        return "#" * level + " " + " ".join(text.split())
    return text


class _HtmlToMarkdown(HTMLParser):
    """Visible text of an HTML page with headings as markdown and block breaks kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.first_h1 = ""
        self._skip_depth = 0
        self._in_title = False
        self._heading: str | None = None
        self._heading_text: list[str] = []
        self._cells_in_row = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_SKIP:
            self._skip_depth += 1
        elif tag == "title":
            self._in_title = True
        elif tag in _HTML_HEADINGS:
            self._heading, self._heading_text = tag, []
            self.parts.append("\n\n" + "#" * _HTML_HEADINGS[tag] + " ")
        elif tag == "br":
            self.parts.append(" " if self._heading else "\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "tr":
            self.parts.append("\n")
            self._cells_in_row = 0
        elif tag in ("td", "th"):
            if self._cells_in_row:
                self.parts.append(" | ")
            self._cells_in_row += 1
        elif tag in _HTML_BLOCKS:
            self.parts.append(" " if self._heading else "\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_SKIP:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "title":
            self._in_title = False
        elif tag == self._heading:
            if tag == "h1" and not self.first_h1:
                self.first_h1 = " ".join("".join(self._heading_text).split())
            self._heading = None
            self.parts.append("\n\n")
        elif tag in _HTML_BLOCKS:
            self.parts.append(" " if self._heading else "\n\n")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._in_title:
            self.title += data
            return
        # Whitespace in HTML source is layout, not content.
        text = re.sub(r"\s+", " ", data)
        if self._heading:
            self._heading_text.append(text)
        self.parts.append(text)


def _read_html(ctx: _Context) -> list[SourceDocument]:
    data = _read_bytes(ctx.path)
    declared = _HTML_CHARSET.search(data[:4096])
    # Undeclared and not UTF-8: Russian and Kazakh court sites serve windows-1251.
    raw = _decode(ctx.path, data, declared.group(1).decode("ascii") if declared else "cp1251")
    parser = _HtmlToMarkdown()
    parser.feed(raw)
    parser.close()
    # Drop headings left empty (e.g. an <h2> that only held an image).
    body = re.sub(r"(?m)^#{1,6}[ \t]*$", "", "".join(parser.parts))
    text = _require_text(ctx, _clean(body))
    title = " ".join(parser.title.split()) or parser.first_h1 or _markdown_title(text)
    return [_build(ctx, text, {"title": title} if title else {}, _first_short_line)]


def _read_word(ctx: _Context) -> list[SourceDocument]:
    """A ``.doc``: Word 97 through antiword/catdoc, or the RTF, HTML or DOCX it really is."""
    data = _read_bytes(ctx.path)
    kind = sniff(data)
    if kind == "rtf":
        return _read_rtf(ctx, data)
    if kind == "html":
        return _read_html(ctx)
    if kind == "zip":
        return _read_docx(ctx)
    if kind != "ole":
        raise ReaderError(ctx.path, "not a Word document (neither Word 97, RTF, HTML nor DOCX)")
    try:
        text = doc_to_text(ctx.path)
    except ConversionError as exc:
        raise ReaderError(ctx.path, f"cannot convert Word 97 file ({exc})") from None
    text = _require_text(ctx, _unwrap(text))
    return [_build(ctx, text, {}, _first_short_line)]


def _read_rtf(ctx: _Context, data: bytes | None = None) -> list[SourceDocument]:
    data = _read_bytes(ctx.path) if data is None else data
    if sniff(data) != "rtf":
        raise ReaderError(ctx.path, "not an RTF document (no {\\rtf header)")
    try:
        text = rtf_bytes_to_text(data)
    except ConversionError as exc:
        raise ReaderError(ctx.path, f"corrupt RTF ({exc})") from None
    text = _require_text(ctx, _unwrap(text))
    return [_build(ctx, text, {}, _first_short_line)]


_READERS: dict[str, Callable[[_Context], list[SourceDocument]]] = {
    ".doc": _read_word,
    ".rtf": _read_rtf,
    ".md": _read_markdown,
    ".txt": _read_text,
    ".jsonl": _read_jsonl,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".html": _read_html,
    ".htm": _read_html,
}
