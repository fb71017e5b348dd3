"""Text of Word 97 (.doc), RTF and PDF files through maintained converters.

Word 97 binary files go through Debian's ``antiword`` (``catdoc`` when antiword rejects a file,
e.g. a fast-saved or Word 6 document), run as a subprocess with a time limit so that a hostile
or broken file cannot hang an indexing run. RTF goes through ``striprtf``. Court sites often
serve RTF or HTML under a ``.doc`` name; ``sniff`` tells the real format from the first bytes.
PDF pages come from poppler's ``pdftotext -layout``, which keeps justified court text in its
lines (pypdf drops or reorders lines of such pages); the reader falls back to pypdf without it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from striprtf.striprtf import rtf_to_text

__all__ = [
    "CONVERTER_TIMEOUT_S",
    "ConversionError",
    "doc_to_text",
    "have",
    "pdf_pages",
    "rtf_bytes_to_text",
    "sniff",
]

CONVERTER_TIMEOUT_S = 60
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RTF_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
_INSTALL_HINT = "apt-get install -y antiword catdoc poppler-utils"

Format = Literal["ole", "rtf", "html", "zip", "unknown"]


class ConversionError(RuntimeError):
    """A converter is missing, timed out or rejected the file; the message says which."""


def sniff(data: bytes) -> Format:
    """The real format of a file from its first bytes."""
    head = data[:512].lstrip()
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if re.match(rb"(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|\?xml|head|body|meta)", head, re.I):
        return "html"
    return "unknown"


def _run(tool: list[str], path: Path, *after: str) -> str:
    exe = shutil.which(tool[0])
    if exe is None:
        raise ConversionError(f"{tool[0]} is not installed ({_INSTALL_HINT})")
    try:
        done = subprocess.run(
            [exe, *tool[1:], str(path), *after],
            capture_output=True,
            timeout=CONVERTER_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ConversionError(f"{tool[0]} took longer than {CONVERTER_TIMEOUT_S} s") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ConversionError(f"{tool[0]}: {detail[-1] if detail else f'exit {done.returncode}'}")
    return done.stdout.decode("utf-8", "replace")


def have(tool: str) -> bool:
    """Whether a converter is on PATH."""
    return shutil.which(tool) is not None


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF in its printed layout (``pdftotext -layout``)."""
    text = _run(["pdftotext", "-layout", "-enc", "UTF-8"], path, "-")
    pages = text.split("\f")
    return pages[:-1] if len(pages) > 1 and not pages[-1].strip() else pages


def doc_to_text(path: Path) -> str:
    """Text of a Word 97-2003 binary document: antiword, else catdoc (both UTF-8, unwrapped)."""
    problems = []
    for tool in (["antiword", "-w", "0", "-m", "UTF-8.txt"], ["catdoc", "-w", "-d", "utf-8"]):
        try:
            text = _run(tool, path)
        except ConversionError as exc:
            problems.append(str(exc))
            continue
        if text.strip():
            return text
        problems.append(f"{tool[0]}: no text")
    raise ConversionError("; ".join(problems))


def rtf_bytes_to_text(data: bytes) -> str:
    """Plain text of an RTF document in its declared ANSI code page (``\\ansicpgNNNN``)."""
    found = _RTF_CODEPAGE.search(data[:4096])
    encoding = f"cp{found.group(1).decode()}" if found else "cp1252"
    # RTF is 7-bit by specification; non-ASCII bytes from sloppy writers pass as latin-1.
    raw = data.decode("latin-1")
    try:
        return rtf_to_text(raw, encoding=encoding, errors="replace")
    except LookupError:
        return rtf_to_text(raw, encoding="cp1252", errors="replace")
    except Exception as exc:
        raise ConversionError(f"striprtf: {type(exc).__name__}: {exc}") from None
