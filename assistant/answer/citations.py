"""Legal citations: parsed from the guidance's inline references, printed per locale."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from assistant.core.schemas import Lang
from assistant.locales import text

_NUMS = r"\d+(?:\s*,\s*\d+)*"
# "(ҚПК 645, 647-баптар)", "(Заңның 16-бабы)", "(ӘҚБтК 657-бап)"
_KK = re.compile(rf"(Заңның|Заң|ҚПК|ӘҚБтК)\s+({_NUMS})-(?:бап|баб)")
# "(ст. 645, 647 УПК)", "(ст. 16 Закона)", "(ст. 657 КоАП)"
_RU = re.compile(rf"ст\.\s*({_NUMS})\s+(Закона|УПК|КоАП)")
# "(CPC arts. 645, 647)", "(Law on Jurors, art. 16)", "(CAO art. 657)"
_EN = re.compile(rf"(Law on Jurors|CPC|CAO),?\s+arts?\.\s*({_NUMS})")
_ACTS = {
    "Заңның": "jury-law", "Заң": "jury-law", "Закона": "jury-law",
    "ҚПК": "cpc", "УПК": "cpc", "ӘҚБтК": "coao", "КоАП": "coao",
    "Law on Jurors": "jury-law", "CPC": "cpc", "CAO": "coao",
}  # fmt: skip
_KNOWN = frozenset(_ACTS.values())
# Inline references (and the space before them) removed when a text is read aloud or summarised.
_INLINE = re.compile(r"\s*\((?:[^()]*?(?:бап|баб|ст\.|\bart\.|\barts\.)[^()]*)\)")


class Citation(BaseModel, frozen=True):
    """One article of one act."""

    act: str
    article: str

    def label(self, lang: Lang) -> str:
        act = text(lang, f"acts.{self.act}") if self.act in _KNOWN else self.act
        return text(lang, "citation", act=act, article=self.article)


def _numbers(group: str) -> list[str]:
    return [n.strip() for n in group.split(",")]


def parse(passage: str) -> list[Citation]:
    """Citations referenced inline in a text, in order of appearance, without repeats."""
    found: list[tuple[int, Citation]] = []
    for m in _KK.finditer(passage):
        found += [(m.start(), Citation(act=_ACTS[m[1]], article=n)) for n in _numbers(m[2])]
    for m in _RU.finditer(passage):
        found += [(m.start(), Citation(act=_ACTS[m[2]], article=n)) for n in _numbers(m[1])]
    for m in _EN.finditer(passage):
        found += [(m.start(), Citation(act=_ACTS[m[1]], article=n)) for n in _numbers(m[2])]
    return list(dict.fromkeys(c for _, c in sorted(found, key=lambda p: p[0])))


def from_metadata(sources: Any) -> list[Citation]:
    """Citations listed in a document's ``sources`` front matter (``[{act, article}]``)."""
    if not isinstance(sources, list):
        return []
    out = [
        Citation(act=str(s["act"]), article=str(s["article"]))
        for s in sources
        if isinstance(s, dict) and s.get("act") and s.get("article") is not None
    ]
    return list(dict.fromkeys(out))


def labels(citations: Iterable[Citation], lang: Lang) -> list[str]:
    """Citations as the locale writes them ("ҚПК 638-бап", "ст. 638 УПК")."""
    return list(dict.fromkeys(c.label(lang) for c in citations))


def strip_inline(passage: str) -> str:
    """The text without its parenthesised article references."""
    return _INLINE.sub("", passage)
