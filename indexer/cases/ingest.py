"""Real court acts and case cards become de-identified ``court_act`` documents at indexing.

A document read from a court's files (Word, RTF, PDF, HTML, JSONL) whose text reads as a court
act (a title such as РЕШЕНИЕ or ПРИГОВОР and a case number or УИД) or as a court site's case card
becomes a ``CourtAct`` of its collection (the top folder it was indexed from): fields from
``indexer.cases.fields``, text de-identified by ``assistant.core.deid`` so that no party's name
reaches the store, a vector, a page or an answer. Appeal acts and case cards are linked to the
first-instance act of the same case (by УИД, else by its number), which then carries the appeal
result.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from assistant.core.cases import DOC_TYPE, CourtAct
from assistant.core.collections import DEMO, label_set
from assistant.core.deid import PERSON, deidentify
from assistant.core.schemas import SourceDocument
from assistant.core.text import normalize
from indexer.cases.fields import (
    GUESS,
    LIKELY,
    ActFields,
    Read,
    case_number_in,
    is_case_card,
    read_act,
    read_card,
    split_sections,
)

__all__ = [
    "IngestReport",
    "ReadAct",
    "as_court_acts",
    "deidentify_act",
    "read_document",
    "to_canonical_article",
]

# Word endings of Russian surnames and names in the oblique cases (Истемесовым → Истемесов).
_RU_CASE_ENDING = re.compile(
    r"(?:ыми|ими|ого|его|ому|ему|ой|ей|ым|им|ом|ем|ую|юю|ых|их|а|я|у|ю|е|ы|и)$"
)
_WORD = re.compile(r"[А-ЯЁA-Z][а-яёa-z]{2,}(?:-[А-ЯЁA-Z][а-яёa-z]+)?")
_CARD_JUDGE = re.compile(r"\s*\([^)]*\)")
_RU_REF = re.compile(r"^(?:ч\. (?P<part>\S+) )?ст\. (?P<num>\S+) (?P<code>\S+)(?: \S+)?$")


@dataclass
class IngestReport:
    """How many documents became acts and cards, and how many acts were linked to an appeal."""

    acts: int = 0
    cards: int = 0
    linked: int = 0
    masked_names: int = 0


def to_canonical_article(ref: str) -> str | None:
    """ "ч. 2 ст. 162 УК РФ" → "УК 162 ч.2" (the form search filters use), None if unknown."""
    match = _RU_REF.match(ref)
    if not match:
        return None
    part = match["part"]
    return f"{match['code']} {match['num']}" + (f" ч.{part}" if part else "")


def _name_stems(words: Iterable[str]) -> set[str]:
    stems = set()
    for word in words:
        for piece in word.split("-"):
            stem = _RU_CASE_ENDING.sub("", piece) if len(piece) > 4 else piece
            if len(stem) >= 3:
                stems.add(stem)
    return stems


_PLACEHOLDER = r"Ф\.\s?И\.\s?О\.\d*"
# One person's surname masked beside the rest of the name: "Ф.И.О. Ф.И.О.3" → "Ф.И.О.3".
_ADJACENT = re.compile(
    rf"{re.escape(PERSON)}\s+({_PLACEHOLDER})|({_PLACEHOLDER})\s+{re.escape(PERSON)}(?!\d)"
)


def deidentify_act(text: str, known_names: Sequence[str] = ()) -> tuple[str, int]:
    """The act's text with party names masked, and how many spans were masked.

    ``deidentify`` applies every rule that holds for any text (names in every form, surnames
    beside a masked name or before initials, the other case forms of a name masked once); what
    only an act's source can add is its metadata, which names the defendants: every form of
    those names is masked too ("Кузьминым" for "Кузьмин О.П.").
    """
    found = deidentify(text, "ru")
    result, extra = found.text, 0
    stems = _name_stems(w for name in known_names for w in _WORD.findall(name))
    if stems:
        alternatives = "|".join(sorted((re.escape(s) for s in stems), key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w.])(?:{alternatives})[а-яё]{{0,4}}(?![\w])")
        result, extra = pattern.subn(PERSON, result)
        result = _ADJACENT.sub(lambda m: m.group(1) or m.group(2), result)
    return result, sum(found.counts.values()) + extra


def _hinted(read: Read[str], value: Any) -> Read[str]:
    """A field from the source's own metadata when the text does not give it."""
    if read.value is not None or not value:
        return read
    return Read(value=str(value), confidence=LIKELY, note="from the source's metadata")


def _card_text(fields: ActFields, raw: str) -> tuple[str, str, str]:
    """Introduction, facts (the dispute category) and operative part (the result) of a card,
    without the parties' names or the judge."""

    def value(label: str) -> str | None:
        match = re.search(rf"^[ \t]*{label}[ \t]*\n+[ \t]*([^\n]+)", raw, re.M)
        return match.group(1).strip() if match else None

    link = fields.first_instance_link.value
    intro = [
        f"Карточка дела № {fields.case_number.value}"
        + (f", {fields.court.value}" if fields.court.value else ""),
        f"УИД {fields.uid.value}" if fields.uid.value else "",
        f"Номер дела в суде первой инстанции: {link.case_number}"
        if link and link.case_number
        else "",
    ]
    first_court = value("Суд первой инстанции, судья")
    if first_court:
        intro.append(f"Суд первой инстанции: {_CARD_JUDGE.sub('', first_court)}")
    category = value("Категория дела") or ""
    result = value("Результат рассмотрения") or "Рассмотрение не завершено"
    return "\n".join(i for i in intro if i), category, f"Результат рассмотрения: {result}"


def _details(fields: ActFields) -> dict[str, Any]:
    """Every field as read with its confidence, for the case page and ``cases extract``."""
    dumped = fields.model_dump(mode="json", exclude={"judge", "lang"})
    return {k: v for k, v in dumped.items() if isinstance(v, dict) and v.get("value") is not None}


class ReadAct(BaseModel):
    """What was read from one document: its fields and its de-identified text."""

    source: str
    card: bool
    fields: ActFields
    text: str
    masked: int = 0


def read_document(doc: SourceDocument) -> ReadAct | None:
    """Fields and de-identified text of a court act or case card; None for other documents.

    The source's own metadata (a JSONL record's ``id_text``, ``uid_2``, ``accused``) fills a
    number or УИД the text lacks and names the defendants to mask.
    """
    text = doc.text
    if is_case_card(text):
        fields = read_card(text)
        # A card lists the parties and the judge; what is kept of it is built from its fields.
        return ReadAct(source=doc.source, card=True, fields=fields, text=_card_plain(fields, text))
    try:
        fields = read_act(text)
    except ValueError:
        return None
    meta = doc.metadata
    fields.case_number = _hinted(fields.case_number, case_number_in(str(meta.get("id_text") or "")))
    fields.uid = _hinted(fields.uid, meta.get("uid_2"))
    if fields.kind.value is None or not (
        fields.case_number.value or fields.uid.value or fields.court.value
    ):
        return None
    known = [a.get("name", "") for a in meta.get("accused") or [] if isinstance(a, dict)]
    clean, masked = deidentify_act(text, known)
    return ReadAct(source=doc.source, card=False, fields=fields, text=clean, masked=masked)


def _card_plain(fields: ActFields, raw: str) -> str:
    return "\n\n".join(p for p in _card_text(fields, normalize(raw)) if p)


class _Builder:
    def __init__(self, report: IngestReport) -> None:
        self.report = report
        self.ids: dict[str, str] = {}

    def case_id(self, fields: ActFields, doc: SourceDocument) -> str:
        base = (
            fields.case_number.value
            or fields.act_number.value
            or fields.uid.value
            or f"doc-{hashlib.sha1(doc.source.encode()).hexdigest()[:10]}"
        )
        # Two acts of one case (or two courts' equal numbers) keep apart; the same act read
        # twice (a duplicated file) keeps one id and is skipped as a duplicate later.
        text_hash = hashlib.sha1(doc.text.encode()).hexdigest()
        if base in self.ids and self.ids[base] != text_hash:
            base = f"{base}~{hashlib.sha1(doc.source.encode()).hexdigest()[:6]}"
        self.ids.setdefault(base, text_hash)
        return base

    def act(self, doc: SourceDocument, collection: str) -> CourtAct | None:
        read = read_document(doc)
        if read is None:
            return None
        fields = read.fields
        if read.card:
            intro, facts, operative = _card_text(fields, normalize(doc.text))
            reasoning = ""
            self.report.cards += 1
        else:
            intro, facts, reasoning, operative = split_sections(read.text)
            self.report.acts += 1
        self.report.masked_names += read.masked
        labels = label_set(collection)
        articles = [a for a in map(to_canonical_article, fields.articles.value or []) if a]
        return CourtAct(
            case_id=self.case_id(fields, doc),
            collection=collection,
            kind=fields.kind.value,
            uid=fields.uid.value,
            court=fields.court.value,
            instance=_known(fields.instance, labels.instances) or "first",
            category=_known(fields.category, labels.categories),
            articles=[a for a in articles if _article_ok(a)],
            date=fields.date.value,
            lang="kk" if fields.lang == "kk" else "ru",
            introduction=intro,
            facts=facts,
            reasoning=reasoning,
            operative=operative,
            outcome=_known(fields.outcome, labels.outcomes),
            appeal_outcome=_known(fields.appeal_result, labels.appeal_results) or "none",
            judge=fields.judge.value,
            source=doc.source,
            details=_details(fields),
        )


def _known(read: Read[str], allowed: dict[str, Any]) -> str | None:
    return read.value if read.value in allowed and read.confidence > GUESS / 2 else None


def _article_ok(ref: str) -> bool:
    try:
        CourtAct(case_id="x", lang="ru", articles=[ref])
    except ValueError:
        return False
    return True


def _link(acts: list[CourtAct], report: IngestReport) -> list[CourtAct]:
    """Appeal acts and cards point at their first-instance act, which takes their result.
    The list keeps its order and any duplicates (the index run reports those)."""
    out = list(acts)
    first = {i for i, a in enumerate(out) if a.instance == "first"}
    by_uid = {out[i].uid: i for i in first if out[i].uid}
    by_number = {_number_key(out[i].case_id): i for i in first}
    for i, act in enumerate(acts):
        link = act.details.get("first_instance_link", {}).get("value") or {}
        if act.instance == "first" or not link:
            continue
        target = by_uid.get(link.get("uid") or "")
        if target is None:
            target = by_number.get(_number_key(link.get("case_number") or ""))
        if target is None or out[target].case_id == act.case_id:
            continue
        parent = out[target].case_id
        out[i] = act.model_copy(update={"parent_case_id": parent})
        if act.appeal_outcome == "none" or out[target].appeal_outcome != "none":
            continue
        report.linked += 1
        # Every copy of the act (the same file under two names) carries the result.
        for j in first:
            if out[j].case_id == parent:
                out[j] = out[j].model_copy(update={"appeal_outcome": act.appeal_outcome})
    return out


def _number_key(number: str) -> str:
    """A case number with leading zeros and the year's century dropped (02-0214/2022 and
    2-214/22 are the same case)."""
    parts = re.split(r"[-/]", number.split("~")[0])
    keyed = [p.lstrip("0") or "0" for p in parts]
    if len(keyed) >= 3 and len(keyed[-1]) == 4:
        keyed[-1] = keyed[-1][2:]
    return "-".join(keyed)


def as_court_acts(
    docs: Sequence[SourceDocument], report: IngestReport | None = None
) -> list[SourceDocument]:
    """The documents with every real court act and case card turned into a de-identified
    ``court_act`` document of its collection; other documents as they were. Demo acts written
    without a collection get ``demo``."""
    report = report if report is not None else IngestReport()
    builder = _Builder(report)
    kept: list[SourceDocument] = []
    acts: list[CourtAct] = []
    for doc in docs:
        if doc.doc_type == DOC_TYPE:
            if "collection" not in doc.metadata:
                collection = DEMO if doc.metadata.get("synthetic") else _collection(doc)
                doc = doc.model_copy(
                    update={"metadata": {**doc.metadata, "collection": collection}}
                )
            kept.append(doc)
            continue
        act = None
        if doc.doc_type != "law" and not doc.source.endswith(".md"):
            act = builder.act(doc, _collection(doc))
        if act is None:
            kept.append(doc)
        else:
            acts.append(act)
    return kept + [a.to_source_document() for a in _link(acts, report)]


def _collection(doc: SourceDocument) -> str:
    return doc.source.split("/", 1)[0] or "court-acts"
