"""Court acts: the case schema shared by the generator, the extractor, search and prediction.

A ``CourtAct`` is one judicial act (first-instance verdict or decision, appeal or cassation
resolution). Its text has four parts: the introductory part and the descriptive-reasoning part
split into established facts and the court's reasoning, then the operative part. An act becomes a
``SourceDocument`` (doc_type ``court_act``) for indexing and comes back from one unchanged.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date as Date
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, field_validator, model_validator

from assistant.core.schemas import SourceDocument

DOC_TYPE = "court_act"

Instance = Literal["first", "appeal", "cassation"]
CaseCategory = Literal["criminal_jury", "criminal", "civil", "administrative"]
CriminalOutcome = Literal["guilty", "acquitted", "partly_guilty", "terminated"]
ClaimOutcome = Literal["satisfied", "partly_satisfied", "denied", "left_without_consideration"]
Outcome = Literal[
    "guilty",
    "acquitted",
    "partly_guilty",
    "terminated",
    "satisfied",
    "partly_satisfied",
    "denied",
    "left_without_consideration",
]
ReviewOutcome = Literal["upheld", "changed", "overturned", "none"]
ActLang = Literal["kk", "ru"]
PartyRole = Literal[
    "defendant", "victim", "victim_representative", "plaintiff", "respondent", "third_party"
]
Gender = Literal["m", "f"]

INSTANCES: tuple[Instance, ...] = get_args(Instance)
CATEGORIES: tuple[CaseCategory, ...] = get_args(CaseCategory)
CRIMINAL_OUTCOMES: tuple[CriminalOutcome, ...] = get_args(CriminalOutcome)
CLAIM_OUTCOMES: tuple[ClaimOutcome, ...] = get_args(ClaimOutcome)
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
REVIEW_OUTCOMES: tuple[ReviewOutcome, ...] = get_args(ReviewOutcome)
CRIMINAL_CATEGORIES: frozenset[str] = frozenset({"criminal_jury", "criminal"})


def outcomes_for(category: str) -> tuple[str, ...]:
    """The outcomes allowed for a category (criminal ones for criminal cases, else claim ones)."""
    return CRIMINAL_OUTCOMES if category in CRIMINAL_CATEGORIES else CLAIM_OUTCOMES


# Canonical article refs: "<code> <number>[ ч.<part>]", e.g. "УК 99 ч.2", "ГК 917", "АППК 132".
ARTICLE_CODES: tuple[str, ...] = ("УК", "ГК", "ТК", "КоБС", "АППК")
_ARTICLE_REF = re.compile(rf"^(?:{'|'.join(ARTICLE_CODES)}) \d+(?:-\d+)?(?: ч\.\d+)?$")

OUTCOME_LABELS: dict[str, dict[str, str]] = {
    "guilty": {"kk": "кінәлі деп танылды", "ru": "признан виновным", "en": "guilty"},
    "acquitted": {"kk": "ақталды", "ru": "оправдан", "en": "acquitted"},
    "partly_guilty": {
        "kk": "ішінара кінәлі деп танылды",
        "ru": "признан виновным частично",
        "en": "partly guilty",
    },
    "terminated": {"kk": "іс тоқтатылды", "ru": "дело прекращено", "en": "proceedings terminated"},
    "satisfied": {"kk": "талап қанағаттандырылды", "ru": "иск удовлетворён", "en": "claim granted"},
    "partly_satisfied": {
        "kk": "талап ішінара қанағаттандырылды",
        "ru": "иск удовлетворён частично",
        "en": "claim partly granted",
    },
    "denied": {
        "kk": "талапты қанағаттандырудан бас тартылды",
        "ru": "в иске отказано",
        "en": "claim dismissed",
    },
    "left_without_consideration": {
        "kk": "талап қараусыз қалдырылды",
        "ru": "иск оставлен без рассмотрения",
        "en": "left without consideration",
    },
}

REVIEW_LABELS: dict[str, dict[str, str]] = {
    "upheld": {"kk": "өзгеріссіз қалдырылды", "ru": "оставлено без изменения", "en": "upheld"},
    "changed": {"kk": "өзгертілді", "ru": "изменено", "en": "changed"},
    "overturned": {"kk": "күші жойылды", "ru": "отменено", "en": "overturned"},
    "none": {"kk": "қайта қаралмаған", "ru": "не пересматривалось", "en": "not reviewed"},
}

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "criminal_jury": {
        "kk": "алқабилер қатысатын қылмыстық іс",
        "ru": "уголовное дело с участием присяжных заседателей",
        "en": "criminal case (jury trial)",
    },
    "criminal": {"kk": "қылмыстық іс", "ru": "уголовное дело", "en": "criminal case"},
    "civil": {"kk": "азаматтық іс", "ru": "гражданское дело", "en": "civil case"},
    "administrative": {
        "kk": "әкімшілік іс",
        "ru": "административное дело",
        "en": "administrative case",
    },
}

INSTANCE_LABELS: dict[str, dict[str, str]] = {
    "first": {"kk": "бірінші саты", "ru": "первая инстанция", "en": "first instance"},
    "appeal": {"kk": "апелляциялық саты", "ru": "апелляционная инстанция", "en": "appeal"},
    "cassation": {"kk": "кассациялық саты", "ru": "кассационная инстанция", "en": "cassation"},
}

# Regions by slug: 17 oblasts and the three cities of republican significance.
REGION_LABELS: dict[str, dict[str, str]] = {
    "abai": {"kk": "Абай облысы", "ru": "область Абай", "en": "Abai Region"},
    "akmola": {"kk": "Ақмола облысы", "ru": "Акмолинская область", "en": "Akmola Region"},
    "aktobe": {"kk": "Ақтөбе облысы", "ru": "Актюбинская область", "en": "Aktobe Region"},
    "almaty_region": {"kk": "Алматы облысы", "ru": "Алматинская область", "en": "Almaty Region"},
    "atyrau": {"kk": "Атырау облысы", "ru": "Атырауская область", "en": "Atyrau Region"},
    "east_kz": {
        "kk": "Шығыс Қазақстан облысы",
        "ru": "Восточно-Казахстанская область",
        "en": "East Kazakhstan Region",
    },
    "zhambyl": {"kk": "Жамбыл облысы", "ru": "Жамбылская область", "en": "Zhambyl Region"},
    "zhetysu": {"kk": "Жетісу облысы", "ru": "область Жетісу", "en": "Zhetysu Region"},
    "west_kz": {
        "kk": "Батыс Қазақстан облысы",
        "ru": "Западно-Казахстанская область",
        "en": "West Kazakhstan Region",
    },
    "karaganda": {
        "kk": "Қарағанды облысы",
        "ru": "Карагандинская область",
        "en": "Karaganda Region",
    },
    "kostanay": {"kk": "Қостанай облысы", "ru": "Костанайская область", "en": "Kostanay Region"},
    "kyzylorda": {
        "kk": "Қызылорда облысы",
        "ru": "Кызылординская область",
        "en": "Kyzylorda Region",
    },
    "mangystau": {
        "kk": "Маңғыстау облысы",
        "ru": "Мангистауская область",
        "en": "Mangystau Region",
    },
    "pavlodar": {"kk": "Павлодар облысы", "ru": "Павлодарская область", "en": "Pavlodar Region"},
    "north_kz": {
        "kk": "Солтүстік Қазақстан облысы",
        "ru": "Северо-Казахстанская область",
        "en": "North Kazakhstan Region",
    },
    "turkestan": {
        "kk": "Түркістан облысы",
        "ru": "Туркестанская область",
        "en": "Turkestan Region",
    },
    "ulytau": {"kk": "Ұлытау облысы", "ru": "область Ұлытау", "en": "Ulytau Region"},
    "astana": {"kk": "Астана қаласы", "ru": "город Астана", "en": "Astana"},
    "almaty": {"kk": "Алматы қаласы", "ru": "город Алматы", "en": "Almaty"},
    "shymkent": {"kk": "Шымкент қаласы", "ru": "город Шымкент", "en": "Shymkent"},
}

_TITLES: dict[tuple[str, str], dict[str, str]] = {
    # (family, instance) → act kind per language; families: criminal / claim.
    ("criminal", "first"): {"ru": "Приговор", "kk": "Үкім"},
    ("claim", "first"): {"ru": "Решение", "kk": "Шешім"},
    ("criminal", "appeal"): {
        "ru": "Постановление апелляционной коллегии",
        "kk": "Апелляциялық алқаның қаулысы",
    },
    ("claim", "appeal"): {
        "ru": "Постановление апелляционной коллегии",
        "kk": "Апелляциялық алқаның қаулысы",
    },
    ("criminal", "cassation"): {
        "ru": "Постановление кассационной коллегии",
        "kk": "Кассациялық алқаның қаулысы",
    },
    ("claim", "cassation"): {
        "ru": "Постановление кассационной коллегии",
        "kk": "Кассациялық алқаның қаулысы",
    },
}

_SECTIONS = ("introduction", "facts", "reasoning", "operative")


class Party(BaseModel):
    """A participant as named in the act: an anonymised label ("Ф.И.О.1") or an organisation."""

    label: str = Field(min_length=1)
    role: PartyRole
    gender: Gender | None = None


class CourtAct(BaseModel):
    """One court act with its structured fields; ``features`` holds generator ground truth."""

    case_id: str = Field(min_length=1)
    court: str | None = None
    region: str | None = None
    instance: Instance = "first"
    category: CaseCategory | None = None
    articles: list[str] = Field(default_factory=list)
    date: Date | None = None
    lang: ActLang
    parties: list[Party] = Field(default_factory=list)
    introduction: str = ""
    facts: str = ""
    reasoning: str = ""
    operative: str = ""
    outcome: Outcome | None = None
    appeal_outcome: ReviewOutcome = "none"
    cassation_outcome: ReviewOutcome = "none"
    parent_case_id: str | None = None
    # Shown in the act only; never a prediction feature (CEPEJ non-discrimination).
    judge: str | None = None
    synthetic: bool = False
    source: str = ""
    features: dict[str, Any] = Field(default_factory=dict)

    @field_validator("articles")
    @classmethod
    def _canonical_articles(cls, value: list[str]) -> list[str]:
        bad = [a for a in value if not _ARTICLE_REF.match(a)]
        if bad:
            raise ValueError(f"article refs must look like 'УК 99 ч.2' or 'ГК 917', got {bad}")
        return value

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str | None) -> str | None:
        if value is not None and value not in REGION_LABELS:
            raise ValueError(f"unknown region {value!r}; expected one of {sorted(REGION_LABELS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CourtAct:
        if self.outcome is not None and self.category is not None:
            allowed = outcomes_for(self.category)
            if self.outcome not in allowed:
                raise ValueError(
                    f"outcome {self.outcome!r} is not valid for category {self.category!r}; "
                    f"expected one of {list(allowed)}"
                )
        if self.instance == "first" and self.parent_case_id is not None:
            raise ValueError("a first-instance act cannot have a parent_case_id")
        if self.parent_case_id is not None and self.parent_case_id == self.case_id:
            raise ValueError("parent_case_id must differ from case_id")
        return self

    @property
    def main_article(self) -> str | None:
        """The first (charged or claimed) article, if any."""
        return self.articles[0] if self.articles else None

    def full_text(self) -> str:
        """Introductory, facts, reasoning and operative parts joined by blank lines."""
        return "\n\n".join(part for part in self._parts() if part)

    def title(self) -> str:
        """A short heading in the act's language: kind, number, court and date."""
        family = "criminal" if self.category in CRIMINAL_CATEGORIES else "claim"
        kind = _TITLES[(family, self.instance)][self.lang]
        bits = [f"{kind} № {self.case_id}"]
        if self.court:
            bits.append(self.court)
        if self.date:
            bits.append(self.date.strftime("%d.%m.%Y"))
        return ", ".join(bits)

    def to_source_document(self) -> SourceDocument:
        """The act as a ``court_act`` document; metadata keeps every field to filter and rebuild."""
        text = self.full_text()
        metadata: dict[str, Any] = {
            "case_id": self.case_id,
            "court": self.court,
            "region": self.region,
            "instance": self.instance,
            "articles": list(self.articles),
            "main_article": self.main_article,
            "outcome": self.outcome,
            "appeal_outcome": self.appeal_outcome,
            "cassation_outcome": self.cassation_outcome,
            "parent_case_id": self.parent_case_id,
            "synthetic": self.synthetic,
            "judge": self.judge,
            "parties": [p.model_dump() for p in self.parties],
            "features": self.features,
            # Lengths of the four parts let from_source_document cut the text back apart.
            "section_lengths": [len(p) for p in self._parts()],
        }
        identity = {
            "doc_id": _doc_id(self.case_id),
            "source": self.source,
            "lang": self.lang,
            "category": self.category,
            "date": self.date.isoformat() if self.date else None,
            "metadata": metadata,
            "text": text,
        }
        digest = hashlib.sha256(
            json.dumps(identity, ensure_ascii=False, sort_keys=True, default=str).encode()
        ).hexdigest()
        return SourceDocument(
            doc_id=_doc_id(self.case_id),
            source=self.source,
            title=self.title(),
            text=text,
            lang=self.lang,
            doc_type=DOC_TYPE,
            category=self.category,
            date=self.date,
            content_hash=digest,
            metadata=metadata,
        )

    @classmethod
    def from_source_document(cls, doc: SourceDocument) -> CourtAct:
        """Rebuild the act written by ``to_source_document``; ValueError if it cannot be."""
        if doc.doc_type != DOC_TYPE:
            raise ValueError(
                f"document {doc.doc_id!r} has doc_type {doc.doc_type!r}, not {DOC_TYPE!r}"
            )
        meta = doc.metadata
        missing = [k for k in ("case_id", "instance", "section_lengths") if k not in meta]
        if missing:
            raise ValueError(f"document {doc.doc_id!r} lacks court-act metadata {missing}")
        parts = _split_sections(doc.text, meta["section_lengths"], doc.doc_id)
        return cls(
            case_id=meta["case_id"],
            court=meta.get("court"),
            region=meta.get("region"),
            instance=meta["instance"],
            category=doc.category,
            articles=meta.get("articles", []),
            date=doc.date,
            lang=doc.lang,
            parties=meta.get("parties", []),
            outcome=meta.get("outcome"),
            appeal_outcome=meta.get("appeal_outcome", "none"),
            cassation_outcome=meta.get("cassation_outcome", "none"),
            parent_case_id=meta.get("parent_case_id"),
            judge=meta.get("judge"),
            synthetic=meta.get("synthetic", False),
            source=doc.source,
            features=meta.get("features", {}),
            **dict(zip(_SECTIONS, parts, strict=True)),
        )

    def _parts(self) -> tuple[str, str, str, str]:
        return (self.introduction, self.facts, self.reasoning, self.operative)


def _doc_id(case_id: str) -> str:
    return f"act:{case_id}"


def _split_sections(text: str, lengths: list[int], doc_id: str) -> list[str]:
    if len(lengths) != len(_SECTIONS):
        raise ValueError(f"document {doc_id!r}: section_lengths must have {len(_SECTIONS)} items")
    present = [n for n in lengths if n]
    if sum(present) + 2 * max(len(present) - 1, 0) != len(text):
        raise ValueError(
            f"document {doc_id!r}: text does not match section_lengths (was it edited?)"
        )
    parts: list[str] = []
    pos = 0
    for n in lengths:
        if n:
            parts.append(text[pos : pos + n])
            pos += n + 2
        else:
            parts.append("")
    return parts
