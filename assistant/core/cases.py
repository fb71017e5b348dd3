"""Court acts: the case schema shared by the generator, the extractor, search and prediction.

A ``CourtAct`` is one judicial act (first-instance verdict or decision, appeal or cassation
resolution). Its text has four parts: the introductory part and the descriptive-reasoning part
split into established facts and the court's reasoning, then the operative part. An act becomes a
``SourceDocument`` (doc_type ``court_act``) for indexing and comes back from one unchanged;
``act_passage`` is what the embedder sees of it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Callable
from datetime import date as Date
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from assistant.core.collections import DEMO, all_labels, label_set
from assistant.core.deid import deidentify, lexicon, sexless_agreement
from assistant.core.schemas import Lang, SourceDocument
from assistant.core.text import detect_lang, normalize

DOC_TYPE = "court_act"
OUTCOMES_FILE = Path(__file__).with_name("data") / "outcomes.json"

Instance = Literal["first", "appeal", "cassation"]
ReviewOutcome = Literal["upheld", "changed", "overturned", "none"]
ActLang = Literal["kk", "ru"]
PartyRole = Literal[
    "defendant", "victim", "victim_representative", "plaintiff", "respondent", "third_party"
]
Gender = Literal["m", "f"]

# Which outcomes a category can end in is data (data/outcomes.json), not a closed enum; the
# names of categories and outcomes, and each collection's labels, are in data/collections.json.
_OUTCOME_DATA: dict[str, Any] = json.loads(OUTCOMES_FILE.read_text("utf-8"))
OUTCOME_SETS: dict[str, tuple[str, ...]] = {
    category: tuple(entry["outcomes"]) for category, entry in _OUTCOME_DATA["categories"].items()
}
CATEGORY_FAMILIES: dict[str, str] = {
    category: entry["family"] for category, entry in _OUTCOME_DATA["categories"].items()
}
# Names of every category, instance, outcome and appeal result of every collection (the demo
# acts' first).
OUTCOME_LABELS: dict[str, dict[str, str]] = all_labels("outcomes")
REVIEW_LABELS: dict[str, dict[str, str]] = all_labels("appeal_results")
CATEGORY_LABELS: dict[str, dict[str, str]] = all_labels("categories")
INSTANCE_LABELS: dict[str, dict[str, str]] = all_labels("instances")
KIND_LABELS: dict[str, dict[str, str]] = all_labels("kinds")

INSTANCES: tuple[Instance, ...] = get_args(Instance)
CATEGORIES: tuple[str, ...] = tuple(OUTCOME_SETS)
OUTCOMES: tuple[str, ...] = tuple(OUTCOME_LABELS)
REVIEW_OUTCOMES: tuple[ReviewOutcome, ...] = get_args(ReviewOutcome)
CRIMINAL_CATEGORIES: frozenset[str] = frozenset(
    c for c, family in CATEGORY_FAMILIES.items() if family == "criminal"
)


def _one_of(known: tuple[str, ...], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown {what} {value!r}; expected one of {list(known)}")
        return value

    return check


# Any collection's category or outcome (an act is checked against its own collection's set).
CaseCategory = Annotated[str, AfterValidator(_one_of(tuple(CATEGORY_LABELS), "category"))]
Outcome = Annotated[str, AfterValidator(_one_of(OUTCOMES, "outcome"))]


def outcomes_for(category: str) -> tuple[str, ...]:
    """The outcomes a demo case of ``category`` can end in (data/outcomes.json)."""
    return OUTCOME_SETS[category]


# Canonical article refs: "<code> <number>[ ч.<part>]", e.g. "УК 99 ч.2", "ГК 917", "АППК 132",
# "НК 333.19" (Russian codes number inserted articles with a point).
ARTICLE_CODES: tuple[str, ...] = (
    "УК", "ГК", "ТК", "КоБС", "АППК", "ЖК", "СК", "КоАП", "НК", "БК", "ЗК"
)  # fmt: skip
_ARTICLE_REF = re.compile(
    rf"^(?:{'|'.join(ARTICLE_CODES)}) \d+(?:\.\d+)?(?:-\d+)?(?: ч\.\d+(?:\.\d+)?)?$"
)


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
    # Where the act comes from; its categories, instances and outcomes are that collection's.
    collection: str = DEMO
    # The act's own name for itself (решение, приговор, карточка дела ...), when read from it.
    kind: str | None = None
    # Russia's unique case id (УИД), shared by every instance of one case.
    uid: str | None = None
    court: str | None = None
    region: str | None = None
    instance: str = "first"
    category: str | None = None
    articles: list[str] = Field(default_factory=list)
    date: Date | None = None
    lang: ActLang
    parties: list[Party] = Field(default_factory=list)
    introduction: str = ""
    facts: str = ""
    reasoning: str = ""
    operative: str = ""
    outcome: str | None = None
    appeal_outcome: str = "none"
    cassation_outcome: str = "none"
    parent_case_id: str | None = None
    # Shown in the act only; never a prediction feature (CEPEJ non-discrimination).
    judge: str | None = None
    synthetic: bool = False
    source: str = ""
    features: dict[str, Any] = Field(default_factory=dict)
    # What was read from a real act and how sure (see indexer.cases.fields): never a feature.
    details: dict[str, Any] = Field(default_factory=dict)

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
        labels = label_set(self.collection)
        for name, value, allowed in (
            ("category", self.category, labels.categories),
            ("instance", self.instance, labels.instances),
            ("outcome", self.outcome, labels.outcomes),
            ("appeal_outcome", self.appeal_outcome, labels.appeal_results),
            ("cassation_outcome", self.cassation_outcome, labels.appeal_results),
        ):
            if value is not None and value not in allowed:
                raise ValueError(
                    f"{name} {value!r} is not a label of collection {self.collection!r}; "
                    f"expected one of {sorted(allowed)}"
                )
        if self.collection == DEMO and self.outcome is not None and self.category is not None:
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
        if self.kind is not None:
            names = KIND_LABELS.get(self.kind, {})
            kind = names.get(self.lang, self.kind).capitalize()
        else:
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
            "collection": self.collection,
            "kind": self.kind,
            "uid": self.uid,
            "details": self.details,
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
            collection=meta.get("collection", DEMO),
            kind=meta.get("kind"),
            uid=meta.get("uid"),
            details=meta.get("details") or {},
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


# --- What the embedder sees of a court act or of a situation typed by a judge ---------------
#
# Of an act: its facts and the court's reasoning up to the court's own findings (so that the
# vector describes the situation and the evidence, not the result, which would otherwise leak into
# the outcome model). Of an act and of a description alike: de-identified (assistant.core.deid),
# the placeholders then dropped (so that "Подсудимый Ахметов Серик, мужчина, казах, нанёс" and
# "Подсудимый нанёс" are the same text), organisations as "ORG", and Russian grammatical gender
# folded (подсудимая → подсудим, нанесла → нанес), so that neither a name, a gender, an
# ethnicity nor a religion can reach a vector or a lexical query (CEPEJ non-discrimination).
# Kazakh has no grammatical gender. The folding is not meant to be good Russian: it only has to
# give the masculine and the feminine version of a text the same form.
ORGANISATION = "ORG"
# Characters of the act passage; at ~4 characters per token this stays near 300 tokens, which
# keeps embedding cheap, and the facts get the larger share.
PASSAGE_CHARS = 1200
_FACTS_SHARE = 0.6

# An organisation by its legal form and quoted name: ТОО «Береке «Сауда»», АҚ «Тұмар», also
# with the outer quote left unclosed as acts often print it (ТОО «МФО «Жарық Кредит»).
_ORGANISATIONS = re.compile(
    r"(?:ТОО|АО|ИП|ГУ|КГУ|РГУ|ГКП|ЖШС|АҚ|ЖК|ПК|ОО)\s*"
    r"(?:«[^«»]*(?:«[^«»]*»[^«»]*)*»|«[^«»]*«[^«»]*»)"
)
_PLACEHOLDER = (
    r"(?:Ф\.\s?И\.\s?О\.\s?\d*|"
    + "|".join(re.escape(p) for p in lexicon().placeholders.values())
    + ")"
)
# A run of placeholders with the commas and spaces around them ("Ф.И.О.1, [пол], ").
_PLACEHOLDER_RUN = re.compile(rf"[ \t,]*{_PLACEHOLDER}(?:[ \t,]+{_PLACEHOLDER})*[ \t,]*")
_SPACE_BEFORE_STOP = re.compile(r" +(?=[.;:!?)\n])|(?<=[(\n]) +|^ +| +$", re.M)
_SPACES = re.compile(r" {2,}")
# Parts of an act de-identified in one pass (one numbering of people across them); the record
# separator cannot join two words into one name.
_PART_BREAK = "\n\x1e\n"


def drop_placeholders(text: str) -> str:
    """The text without de-identification placeholders and the commas that set them off."""
    text = _PLACEHOLDER_RUN.sub(" ", text)
    return _SPACES.sub(" ", _SPACE_BEFORE_STOP.sub("", text))


_RU_WORD = re.compile("[А-Яа-яЁё]+")
_VOWELS = frozenset("аеиоуыэюя")
_PRONOUNS = {"она": "он", "ее": "его", "ей": "ему", "нее": "него", "ней": "нем", "ним": "нем",
             "сама": "сам"}  # fmt: skip
# Words naming people: every case and gender form folds to the stem.
_PERSON_STEMS = re.compile(
    r"(подсудим|потерпевш|обвиняем|осужденн|оправданн|задержанн|пострадавш|умерш|погибш|виновн"
    r"|незнаком|знаком|связанн|выходящ|введенн|сво)"
    r"(?:ый|ий|ая|яя|ое|ее|ого|его|ому|ему|ым|им|ом|ем|ой|ей|ую|юю|ые|ие|ых|их|ыми|ими|й|я|е|ю)?"
)
_PERSON_NOUNS = (
    (re.compile(r"сосед(?:ка|ки|ке|ку|кой|а|у|ом|е|и|ей)?"), "сосед"),
    (re.compile(r"сожител(?:ь|ьница|ьницы|ьнице|ьницу|ьницей|я|ю|ем|е|и|ей)"), "сожитель"),
    (re.compile(r"родственни(?:к|ка|ку|ком|ке|ца|цы|це|цу|цей)"), "родственник"),
    (re.compile(r"(?:друг|подруг)(?:а|у|ом|е|и|ой)?"), "друг"),
    (re.compile(r"супруг(?:а|у|ом|е|и|ой)?"), "супруг"),
    (re.compile(r"(?:брат|сестр)(?:а|у|ом|е|ы|ой)?"), "брат"),
    (re.compile(r"граждан(?:ин|ина|ину|ином|ине|ка|ки|ке|ку|кой)"), "гражданин"),
    (re.compile(r"ист(?:ец|ца|цу|цом|це|ица|ицы|ице|ицу|ицей)"), "истец"),
    (re.compile(r"ответчи(?:к|ка|ку|ком|ке|ца|цы|це|цу|цей)"), "ответчик"),
)
# A woman's form of a role in -тель: водительница, заявительницей → водитель, заявитель.
_TEL_NITSA = re.compile(r"(\w+тель)ниц(?:а|ы|е|у|ей)")
_SHORT_ADJ = re.compile(r"(\w+[бвгджзклмнпрстфхцчшщ])на")  # причастна → причастен


# What the court found and decided must not reach the vector an outcome is predicted from (nor
# make similar situations look different). Sentences stating the result of the case or the
# standing formula of a verdict ("совершил преступление при следующих обстоятельствах") are left
# out; the reasoning is cut where the court starts to evaluate the evidence or to decide.
_CHARGED = re.compile(r"(?im)^.*?обвиня\w* в том,? что\s*")
_STATES = re.compile(
    r"(?i)преступление при следующих|при следующих обстоятельствах"
    r"|мынадай мән-жайларда|жасады деп айыпта|^\s*(?:установил\w*|анықтады)\s*:?\s*$"
)
_DECIDES = re.compile(
    r"(?i)оценив|приходит к выводу|суд наход|суд призна|квалифицир|подлеж|вердикт|признали"
    r"|нашла подтверждение|не подтвержд|при таких обстоятельствах|на основании изложенного"
    r"|при назначении наказания|примирени|отказался от обвинения"
    r"|бағалай келе|деген тұжырым|туралы тұжырым|жатады|жатпайды|саралайды|жаза тағайында"
    r"|негізді деп|баяндалғанның негізінде|татуласқан|айыптаудан бас тарт"
)
_SENTENCE = re.compile(r"(?<=[.!?:])\s+|\n+")


def _fold_word(word: str) -> str:
    """The gender-folded form of one lower-case Russian word (ё already replaced by е)."""
    if word in _PRONOUNS:
        return _PRONOUNS[word]
    if (match := _PERSON_STEMS.fullmatch(word)) is not None:
        return match.group(1)
    for pattern, lemma in _PERSON_NOUNS:
        if pattern.fullmatch(word):
            return lemma
    if (match := _TEL_NITSA.fullmatch(word)) is not None:
        return match.group(1)
    if word.endswith("шла"):  # пришла → пришел
        return word[:-3] + "шел"
    if len(word) > 5 and word.endswith(("лась", "лось")):  # оборонялась → оборонялся
        return word[:-4] + "лся"
    if len(word) > 3 and word.endswith("ла"):  # совершила → совершил, нанесла → нанес
        stem = word[:-2]
        return stem + "л" if stem[-1] in _VOWELS else stem
    if len(word) > 4 and word.endswith(("ена", "ана")):  # ознакомлена → ознакомлен
        return word[:-1]
    if (match := _SHORT_ADJ.fullmatch(word)) is not None:
        return match.group(1) + "ен"
    if len(word) > 4 and word.endswith(("ята", "ута", "ыта", "има", "ыма")):  # снята, судима
        return word[:-1]
    # Full adjectives and participles agree too: both sexes' forms fold to one (лишенным,
    # лишенной → лишенный); which of four cases a form is cannot be told apart from its sex.
    return sexless_agreement(word) or word


def _fold_gender(text: str) -> str:
    def fold(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower().replace("ё", "е")
        folded = _fold_word(lower)
        if folded == lower:
            return word.replace("ё", "е").replace("Ё", "Е")
        return (
            folded.upper()
            if word.isupper()
            else folded.capitalize()
            if word[0].isupper()
            else folded
        )

    return _RU_WORD.sub(fold, text)


class CaseText(BaseModel):
    """A description of a case as court practice uses it, computed once where it comes in."""

    text: str = Field(description="De-identified: the only form that is cached, logged or shown.")
    features: str = Field(description="What is embedded and searched (see the note above).")
    lang: Lang
    masked: dict[str, int] = Field(description="Spans masked per kind (name, gender, ...).")


def case_text(text: str, lang: Lang | None = None, default_lang: Lang = "kk") -> CaseText:
    """De-identify ``text`` and derive what features see of it; the language is the given one
    or the de-identified text's (so a name cannot change it)."""
    found = deidentify(normalize(text), lang)
    lang = lang or detect_lang(found.text, default_lang)
    features = drop_placeholders(_ORGANISATIONS.sub(ORGANISATION, found.text))
    if lang == "ru":
        features = _fold_gender(features)
    return CaseText(text=found.text, features=features, lang=lang, masked=found.counts)


def neutral_text(text: str, lang: Lang | None = None) -> str:
    """What features see of a text: de-identified, placeholders dropped, organisations masked,
    Russian grammatical gender folded."""
    return case_text(text, lang).features


def deidentified_act(act: CourtAct) -> tuple[CourtAct, dict[str, int]]:
    """The act with the people named in its four parts and its party labels replaced by
    Ф.И.О.1, Ф.И.О.2 ... (one numbering across them) and gender, ethnicity and religion words
    masked; counts per kind. The judge stays only as the ``judge`` field (metadata)."""
    pieces = [*act._parts(), *(p.label for p in act.parties)]
    if any(_PART_BREAK in piece for piece in pieces):
        raise ValueError(f"act {act.case_id!r} contains a record separator character")
    found = deidentify(_PART_BREAK.join(pieces), act.lang)
    done = found.text.split(_PART_BREAK)
    parts, labels = done[: len(_SECTIONS)], done[len(_SECTIONS) :]
    parties = [
        p.model_copy(update={"label": label}) for p, label in zip(act.parties, labels, strict=True)
    ]
    update: dict[str, Any] = dict(zip(_SECTIONS, parts, strict=True)) | {"parties": parties}
    return act.model_copy(update=update), found.counts


def deidentified_document(doc: SourceDocument) -> SourceDocument:
    """A court-act document with its text and party labels de-identified at ingestion (other
    documents unchanged). Its other metadata and its content hash (of the source) are kept;
    ``metadata["masked"]`` counts what was masked."""
    if doc.doc_type != DOC_TYPE:
        return doc
    act, counts = deidentified_act(CourtAct.from_source_document(doc))
    if not counts:
        return doc
    metadata = doc.metadata | {
        "parties": [p.model_dump() for p in act.parties],
        "section_lengths": [len(p) for p in act._parts()],
        "masked": counts,
    }
    return doc.model_copy(update={"text": act.full_text(), "metadata": metadata})


def _head(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``, cut after a sentence or else at a space."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    if end > limit // 2:
        return cut[: end + 1]
    space = cut.rfind(" ")
    return cut[:space] if space > 0 else cut


def _sentences(text: str) -> list[str]:
    """Sentences of a part without the formulae that present its facts as proven or charged."""
    return [
        s for s in _SENTENCE.split(_CHARGED.sub("", text)) if s.strip() and not _STATES.search(s)
    ]


def narrative(facts: str) -> str:
    """The facts of an act as a plain account of what happened."""
    return " ".join(_sentences(facts))


def without_findings(reasoning: str) -> str:
    """The reasoning up to the first sentence in which the court evaluates or decides."""
    return " ".join(itertools.takewhile(lambda s: not _DECIDES.search(s), _sentences(reasoning)))


def _mask_parties(text: str, act: CourtAct) -> str:
    """Organisations named as parties (bodies without a legal form too) replaced by "ORG"."""
    for party in sorted(act.parties, key=lambda p: -len(p.label)):
        if not re.fullmatch(_PLACEHOLDER, party.label):
            text = text.replace(party.label, ORGANISATION)
    return text


def act_passage(act: CourtAct) -> str:
    """The neutral facts and reasoning of an act without the court's findings, at most
    ``PASSAGE_CHARS`` long (cut after neutralising, so names and gender cannot move the cut)."""
    facts, reasoning = (
        neutral_text(_mask_parties(part, act), act.lang)
        for part in (narrative(act.facts), without_findings(act.reasoning))
    )
    facts = _head(facts, int(PASSAGE_CHARS * _FACTS_SHARE))
    reasoning = _head(reasoning, PASSAGE_CHARS - len(facts))
    return "\n\n".join(p for p in (facts, reasoning) if p)
