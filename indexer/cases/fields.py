"""What a judge needs from a real court act as published, each field with how sure the reading is.

``read_act(text)`` reads a judgment, verdict, ruling or appeal act in Russian or Kazakh;
``read_card(text)`` reads a court's case card (the court site's page for a case: УИД, numbers,
category, result). Both return ``ActFields``: the kind of act, court, date, case number, unique
case id (УИД), instance, category, cited articles, the outcome from the operative part, the
punishment of a verdict, the appeal result and the link to the first-instance case.

A field that is not found is None with confidence 0; a field the court anonymised (a date written
as "дата") is None with the reason in ``note``. Confidence is a heuristic: about 0.95 when the
field was read where courts put it (the dateline, the title, the operative part), lower when it
came from a fallback (the first date anywhere in the introduction, an outcome inferred from
"взыскать" alone). Labels are the collection's vocabulary (``assistant/core/data/
collections.json``), not the demo generator's.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Generic, TypeVar

import pymorphy3
from pydantic import BaseModel, Field

from assistant.core.text import detect_lang, normalize
from indexer.cases.numbers import find_dates, months_of_term

__all__ = [
    "ActFields",
    "AppealLink",
    "Punishment",
    "Read",
    "is_case_card",
    "read_act",
    "read_card",
]

T = TypeVar("T")

SURE = 0.95
LIKELY = 0.8
GUESS = 0.5


class Read(BaseModel, Generic[T]):
    """One field as read: its value (None if absent), confidence 0..1 and an optional note."""

    value: T | None = None
    confidence: float = 0.0
    note: str | None = None


class Punishment(BaseModel):
    """The (final) punishment of a verdict: type, term in months, fine in roubles."""

    type: str
    term_months: int | None = None
    amount_rub: int | None = None
    suspended: bool = False


class AppealLink(BaseModel):
    """How an appeal act or case card names the first-instance case."""

    case_number: str | None = None
    uid: str | None = None


class ActFields(BaseModel):
    """Every field read from one act or case card."""

    lang: str
    kind: Read[str] = Field(default_factory=Read)
    court: Read[str] = Field(default_factory=Read)
    date: Read[dt.date] = Field(default_factory=Read)
    case_number: Read[str] = Field(default_factory=Read)
    act_number: Read[str] = Field(default_factory=Read)
    uid: Read[str] = Field(default_factory=Read)
    instance: Read[str] = Field(default_factory=Read)
    category: Read[str] = Field(default_factory=Read)
    articles: Read[list[str]] = Field(default_factory=Read)
    outcome: Read[str] = Field(default_factory=Read)
    punishment: Read[Punishment] = Field(default_factory=Read)
    appeal_result: Read[str] = Field(default_factory=Read)
    first_instance_link: Read[AppealLink] = Field(default_factory=Read)
    # Shown with the act only; never a search or prediction feature.
    judge: Read[str] = Field(default_factory=Read)


# --- structure ---------------------------------------------------------------------------------


def spaced(word: str) -> str:
    """A heading that may be typed with its letters spaced out («У С Т А Н О В И Л»)."""
    return r"[ \t]?".join(re.escape(ch) if ch != " " else r"\s+" for ch in word)


def heading(words: tuple[str, ...]) -> re.Pattern[str]:
    """A section heading alone on its line ("УСТАНОВИЛ:", "П Р И Г О В О Р И Л")."""
    alternatives = "|".join(spaced(w) for w in words)
    return re.compile(rf"^[ \t]*(?:{alternatives})[ \t]*(?::|$)", re.M | re.I)


# The headings that open the descriptive and the operative part (ru, kk).
FACTS_WORDS = ("УСТАНОВИЛА", "УСТАНОВИЛ", "АНЫҚТАДЫ")
OPERATIVE_WORDS = (
    "ПРИГОВОРИЛ",
    "ПОСТАНОВИЛА",
    "ПОСТАНОВИЛ",
    "РЕШИЛА",
    "РЕШИЛ",
    "ОПРЕДЕЛИЛА",
    "ОПРЕДЕЛИЛ",
    "ҮКІМ ЕТТІ",
    "ҚАУЛЫ ЕТТІ",
    "ШЕШІМ ЕТТІ",
    "ҰЙҒАРЫМ ЕТТІ",
    "ҰЙҒАРДЫ",
)
_FACTS_HEAD = heading((*FACTS_WORDS, "Суд установил"))
_OPERATIVE_LINE = heading(OPERATIVE_WORDS)
# Also run into a sentence in capitals: "..., Суд ОПРЕДЕЛИЛ: в передаче дела ... отказать".
_OPERATIVE_INLINE = re.compile(
    r"\b(?:ПРИГОВОРИЛ|ПОСТАНОВИЛА?|РЕШИЛА?|ОПРЕДЕЛИЛА?|ҮКІМ ЕТТІ|ҚАУЛЫ ЕТТІ|ШЕШІМ ЕТТІ|ҰЙҒАРДЫ)\s*:"
)


class _Either:
    """The first match of a line heading or an inline one (a duck-typed ``re.Pattern``)."""

    def __init__(self, *patterns: re.Pattern[str]) -> None:
        self.patterns = patterns

    def finditer(self, text: str) -> list[re.Match[str]]:
        found = {m.start(): m for p in self.patterns for m in p.finditer(text)}
        return [found[k] for k in sorted(found)]

    def search(self, text: str) -> re.Match[str] | None:
        matches = self.finditer(text)
        return matches[0] if matches else None


_OPERATIVE_HEAD = _Either(_OPERATIVE_LINE, _OPERATIVE_INLINE)

# Title lines, most specific first: (pattern, kind). A title stands alone on its line, possibly
# with a continuation ("ОПРЕДЕЛЕНИЕ об отказе в передаче дела ...").
_KINDS: tuple[tuple[str, str], ...] = (
    ("АПЕЛЛЯЦИОННОЕ ОПРЕДЕЛЕНИЕ", "апелляционное определение"),
    ("КАССАЦИОННОЕ ОПРЕДЕЛЕНИЕ", "кассационное определение"),
    ("АПЕЛЛЯЦИОННОЕ ПОСТАНОВЛЕНИЕ", "постановление"),
    ("АПЕЛЛЯЦИОННЫЙ ПРИГОВОР", "приговор"),
    ("ЗАОЧНОЕ РЕШЕНИЕ", "заочное решение"),
    ("РЕШЕНИЕ", "решение"),
    ("ПРИГОВОР", "приговор"),
    ("ОПРЕДЕЛЕНИЕ", "определение"),
    ("ПОСТАНОВЛЕНИЕ", "постановление"),
    ("СЫРТТАЙ ШЕШІМ", "заочное решение"),
    ("ШЕШІМ", "решение"),
    ("ҮКІМ", "приговор"),
    ("ҰЙҒАРЫМ", "определение"),
    ("ҚАУЛЫ", "постановление"),
)
# The title stands alone on its line, or is followed by its number or subject ("№ 2-55",
# "об отказе в передаче ...", "по делу ..."): a sentence that merely starts with the word
# ("Решение суда можно обжаловать ...") is not a title.
_KIND_LINES = [
    (
        re.compile(rf"^[ \t#]*{spaced(word)}[ \t]*(?:$|№|\(|об?[ \t]|по[ \t]|именем)", re.M | re.I),
        kind,
    )
    for word, kind in _KINDS
]
_HEAD_CHARS = 2500

# Kept as printed, including a serial number one digit too long (a court's typo is still the
# id under which the court's site finds the case).
_UID = re.compile(r"(?<![\w-])(\d{2}[RР][SЅ]\d{4}-\d{2}-\d{4}-\d{6,7}-\d{2})(?![\w-])", re.I)
_NUMBER = r"(?:[А-ЯA-Z]{1,3}\d*-)?[А-ЯA-Zа-я]?\d{1,4}[а-я]?\s?[-‐–]\s?\d{1,6}(?:\s?[/-]\s?\d{2,4})?"
_CASE_NUMBERS = (
    # "Дело № 1-348/22" / "Іс № 2-55/2023" opening the act.
    (re.compile(rf"^[ \t]*(?:Дело|Іс)\s*№\s*({_NUMBER})", re.M | re.I), SURE),
    # "гражданское дело № 2-36/21", "уголовное дело № 1- 185/20", "по делу № А04-1588/2013".
    (
        re.compile(
            rf"(?:(?:гражданск|уголовн|административн)\w*\s+дел\w*|по\s+делу|дело)\s*№\s*"
            rf"({_NUMBER})",
            re.I,
        ),
        SURE,
    ),
    # "№ 1-734/2024 қылмыстық істі": Kazakh puts the number before the noun.
    (re.compile(rf"№\s*({_NUMBER})\s+(?:қылмыстық|азаматтық|әкімшілік)\s+іс", re.I), SURE),
    # A bare "№ 1-185/2020" on its own line at the top.
    (re.compile(rf"^[ \t]*№\s*({_NUMBER})[ \t]*$", re.M), LIKELY),
)
_ACT_NUMBER = re.compile(r"^[ \t]*№\s*([А-ЯA-Z]{2,4}-\d+/\d{2,4})[ \t]*$", re.M)

# "Хамовнический районный суд адрес в составе", "Коллегия судей Высшего ... в составе".
_COURT_SENTENCE = re.compile(
    r"^[ \t]*(?P<court>[^\n]{0,160}?(?:суд|Суд|СУД|коллегия|Коллегия)[^\n]{0,120}?)[ ,]*"
    r"\s+в\s+составе",
    re.M,
)
_COURT_TITLE = re.compile(
    r"^[ \t]*([А-ЯЁ -]*\bСУД\b[А-ЯЁ -]*?)[ \t]*(?:\n[ \t]*((?:РОССИЙСКОЙ|РЕСПУБЛИКИ)[А-ЯЁ -]*))?$",
    re.M,
)
_KK_COURT = re.compile(r"^[ \t]*([^\n,]{3,120}?(?:соты|алқасы))\s*[,\n]", re.M)
_PLACEHOLDERS = re.compile(r"\s*\b(?:адрес|фио|наименование организации)\b\s*", re.I)
_COLLEGIUM = re.compile(r"^(?:Судебная\s+коллегия[^\n]*?|Коллегия\s+судей)\s+(?=[А-ЯЁ])")

_JUDGE = re.compile(
    r"председательствующ\w*\s*(?:[–-]\s*)?(?:судь\w+\s+)?(?P<name>[А-ЯЁ][а-яё]+(?:ой|ого|а|ы)?"
    r"\s+[А-ЯЁ]\.\s?[А-ЯЁ]\.)"
)


def _head_end(text: str) -> int:
    found = _FACTS_HEAD.search(text) or _OPERATIVE_HEAD.search(text)
    return found.start() if found else min(len(text), _HEAD_CHARS)


def split_sections(text: str) -> tuple[str, str, str, str]:
    """Introduction, facts, reasoning and operative part of an act's text (empty if absent).

    The facts run from «УСТАНОВИЛ» to where the court starts weighing the evidence
    («Исследовав…», «Суд, выслушав…», «Оценив…»), the reasoning from there to the operative
    heading.
    """
    facts_at = _FACTS_HEAD.search(text)
    heading = _operative_heading(text)
    op_start = heading.start() if heading else len(text)
    operative = text[op_start:]
    intro_end = facts_at.start() if facts_at else op_start
    descriptive = text[intro_end:op_start] if facts_at else ""
    reasoning_at = REASONING_START.search(descriptive, descriptive.find("\n") + 1)
    facts = descriptive[: reasoning_at.start()] if reasoning_at else descriptive
    reasoning = descriptive[reasoning_at.start() :] if reasoning_at else ""
    return (
        text[:intro_end].strip(),
        facts.strip(),
        reasoning.strip(),
        operative.strip(),
    )


# Where the court starts weighing the evidence: the facts end and the reasoning begins.
_WEIGHING = "Исследовав|Выслушав|Заслушав|Проверив|Изучив|Оценив|Обсудив|Ознакомившись"
REASONING_START = re.compile(
    # "Исследовав ...", or after the court's name in lower case too: "Суд, выслушав ...".
    rf"^[ \t]*(?:(?:Суд|Коллегия|Судебная\s+коллегия|Алқа|Сот),?\s+)?(?:{_WEIGHING})\b"
    rf"|^[ \t]*(?:Суд|Коллегия|Судебная\s+коллегия),?\s+(?:{_WEIGHING.lower()})\b"
    r"|^[^\n]*(?:дәлелдемелерді зерттеп|материалдарын зерттеп|материалдарын тексеріп|"
    r"тараптарды тыңдап)",
    re.M,
)


def case_number_in(text: str) -> str | None:
    """The case number of a line such as "ДЕЛО № 1-44/2023 (1-1046/2022;)"."""
    return _case_number(text, text).value


def _operative_heading(text: str) -> re.Match[str] | None:
    """The heading that opens the operative part: the first after «УСТАНОВИЛ», or the first
    at all in a short (operative-only) act."""
    facts = _FACTS_HEAD.search(text)
    for match in _OPERATIVE_HEAD.finditer(text):
        if facts is None or match.start() > facts.start():
            return match
    return _OPERATIVE_HEAD.search(text)


def _operative(text: str) -> str:
    heading = _operative_heading(text)
    return text[heading.end() :] if heading else ""


# --- fields -------------------------------------------------------------------------------------


def _kind(head: str) -> Read[str]:
    best: tuple[int, str] | None = None
    for pattern, kind in _KIND_LINES:
        match = pattern.search(head)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), kind)
    if best is None:
        return Read()
    return Read(value=best[1], confidence=SURE)


# What the court is doing, in the sentence that opens the act: reviewing an appeal or a
# cassation complaint, or a request for supervisory review.
_REVIEWS = (
    (re.compile(r"в\s+порядке\s+надзора|президиум\w*|надзорн\w+\s+(?:жалоб|инстанц)", re.I),
     "supervisory"),
    (re.compile(r"рассмотре\w*[^.]{0,400}?кассационн\w+\s+(?:жалоб|представлен)|кассационн\w+"
                r"\s+(?:суд|инстанц)\w*\s+в\s+составе", re.I), "cassation"),
    (re.compile(r"рассмотре\w*[^.]{0,400}?апелляционн\w+\s+(?:жалоб|представлен)|апелляционн\w+"
                r"\s+(?:суд|инстанц)\w*\s+в\s+составе|апелляционн\w+\s+инстанци", re.I),
     "appeal"),
)  # fmt: skip
_REVIEW_KIND = {"appeal": "апелляционное определение", "cassation": "кассационное определение"}


def _tidy_court(name: str) -> str:
    name = _COLLEGIUM.sub("", _PLACEHOLDERS.sub(" ", name)).strip(" ,:")
    name = re.sub(r"\s+", " ", name)
    if name.isupper():
        name = name.lower().capitalize()
        name = re.sub(r"российской федерации", "Российской Федерации", name)
    return _nominative(name)


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def _nominative_word(word: str) -> str:
    """A genitive adjective of a court's name in the masculine nominative (областного →
    областной), by pymorphy3; its own ending rule when the dictionary changes the stem
    (высшего would become высочайший)."""
    low = word.lower()
    found = None
    for parse in _morph().parse(low):
        if "ADJF" in parse.tag and "gent" in parse.tag:
            inflected = parse.inflect({"masc", "sing", "nomn"})
            found = inflected.word if inflected else None
            break
    if found is None or not found.startswith(low[:-3]):
        found = low[:-3] + ("ий" if low.endswith("его") else "ый")
    return found.capitalize() if word[:1].isupper() else found


def _nominative(name: str) -> str:
    """«Павлодарского областного суда» (named after its collegium) → «Павлодарский
    областной суд»; a name already in the nominative is returned as it is."""
    match = re.match(r"^((?:[А-ЯЁа-яё-]+(?:ого|его)\s+)+)(суда|Суда)\b", name)
    if not match:
        return name
    words = [_nominative_word(w) for w in match.group(1).split()]
    return " ".join([*words, match.group(2)[:-1]]) + name[match.end() :]


# Courts of the federal cities, named by the appeal instruction («может быть обжаловано в
# Московский городской суд через ... районный суд»), give a district court its city when the
# act masked it ("Преображенский районный суд адрес").
_CITY_COURTS = {
    "Московск": "города Москвы",
    "Санкт-Петербургск": "города Санкт-Петербурга",
    "Севастопольск": "города Севастополя",
}
# "обжаловано в Московский городской суд", "подана апелляционная жалоба в судебную коллегию
# по гражданским делам Московского городского суда".
_APPEAL_COURT = re.compile(
    r"(?:обжал\w+|жалоб\w+|представлени\w+)[^.]{0,120}?\bв\s+(?:[^.]{0,60}?коллеги\w+[^.]{0,40}?)?"
    r"(" + "|".join(_CITY_COURTS) + r")\w*\s+городск\w+\s+суд"
)
_LOCATED = re.compile(r"(?:город\w*|г\.|област\w*|кра[яй]\w*|республик\w*|округ\w*|района)", re.I)


def _with_city(court: Read[str], text: str) -> Read[str]:
    name = court.value
    if (
        name is None
        or _LOCATED.search(name)
        or not re.search(r"(?:районный|межрайонный)\s+суд$", name)
    ):
        return court
    appeal = _APPEAL_COURT.search(text)
    if appeal is None:
        return court
    return Read(
        value=f"{name} {_CITY_COURTS[appeal.group(1)]}",
        confidence=LIKELY,
        note="city masked in the act; from the appeal court it names",
    )


def _court(head: str) -> Read[str]:
    title = _COURT_TITLE.search(head)
    if title:
        return Read(value=_tidy_court(" ".join(filter(None, title.groups()))), confidence=SURE)
    sentence = _COURT_SENTENCE.search(head)
    if sentence:
        court = sentence.group("court")
        # The dateline may share the line: "дата Останкинский районный суд адрес".
        court = re.sub(r"^.*?(?=[А-ЯЁ][а-яё]+\w*\s+(?:районн|городск|областн|краев|межрайонн|"
                       r"арбитражн|верховн|мирово|гарнизонн)|Судебная|Коллегия|Мировой|"
                       r"Арбитражный|Верховный)", "", court)  # fmt: skip
        return Read(value=_tidy_court(court), confidence=SURE)
    kk = _KK_COURT.search(head)
    if kk:
        return Read(value=kk.group(1).strip(), confidence=LIKELY)
    return Read()


def _date(head: str) -> Read[dt.date]:
    """The act's date: the dateline between the title and the court's sentence. A dateline
    anonymised as "дата" gives None rather than a date from the text."""
    sentence = _COURT_SENTENCE.search(head)
    dateline = head[: sentence.start() + 40] if sentence else head[:600]
    dates = find_dates(dateline)
    if dates:
        return Read(value=dates[0][1], confidence=SURE)
    if re.search(r"(?:^|\s)дата(?:\s|$)", dateline, re.I):
        return Read(confidence=SURE, note="anonymised by the court")
    dates = find_dates(head)
    if dates:
        return Read(value=dates[0][1], confidence=GUESS, note="first date of the introduction")
    return Read()


def clean_number(raw: str) -> str:
    """A case number without inner spaces and with plain hyphens."""
    return re.sub(r"\s", "", raw).replace("‐", "-").replace("–", "-")


def _case_number(head: str, text: str) -> Read[str]:
    for pattern, confidence in _CASE_NUMBERS:
        for where in (head, text[: _HEAD_CHARS * 2]):
            match = pattern.search(where)
            if match:
                return Read(value=clean_number(match.group(1)), confidence=confidence)
    return Read()


def _uid(text: str) -> Read[str]:
    match = _UID.search(text)
    if not match:
        return Read()
    value = match.group(1).upper().replace("Р", "R").replace("Ѕ", "S")
    return Read(value=value, confidence=SURE)


def _instance(kind: str | None, head: str) -> Read[str]:
    if kind == "апелляционное определение":
        return Read(value="appeal", confidence=SURE)
    if kind == "кассационное определение":
        return Read(value="cassation", confidence=SURE)
    # The opening sentence (court, composition, what it considered), not the whole history.
    court = _COURT_SENTENCE.search(head)
    opening = head[court.start() : court.start() + 900] if court else head[:1500]
    for pattern, instance in _REVIEWS:
        if pattern.search(opening):
            return Read(value=instance, confidence=LIKELY)
    if kind is None:
        return Read(value="first", confidence=GUESS)
    return Read(value="first", confidence=SURE)


# A commercial court's public-law case (АПК, section III): a challenge to a state body's act
# or a fine, not a dispute between market participants.
_PUBLIC_LAW = re.compile(
    r"к\s+административной\s+ответственности"
    r"|о\s+признании\s+незаконн\w+\s+(?:и\s+отмене\s+)?(?:постановлени|решени|предписани|действи"
    r"|бездействи|ненормативн)[^.]{0,160}?(?:инспекци|управлени|министерств|администраци|отдел"
    r"|служб|таможн|комитет|департамент|ФНС|органа)",
    re.I,
)


def _category(kind: str | None, head: str, court: str | None, body: str = "") -> Read[str]:
    low = head.lower()
    if "арбитраж" in (court or "").lower() or re.search(r"\bАПК\b|арбитражн\w+\s+суд", head):
        # The claim as the opening and the first paragraph of the facts state it.
        if _PUBLIC_LAW.search(head + body[:1200]):
            return Read(value="administrative", confidence=LIKELY)
        return Read(value="commercial", confidence=SURE)
    if re.search(r"уголовн\w*\s+дел|подсудим|обвиняем|қылмыстық|сотталушы", low) or kind == (
        "приговор"
    ):
        return Read(value="criminal", confidence=SURE)
    if re.search(r"административн\w*\s+(?:дел|иск|правонаруш)|\bКАС\b|\bКоАП\b|әкімшілік", low):
        return Read(value="administrative", confidence=SURE)
    if re.search(r"гражданск\w*\s+дел|по\s+иску|исков|азаматтық|талап", low):
        return Read(value="civil", confidence=SURE)
    return Read()


# Codes by how acts name them (substantive and procedural).
_CODES = (
    (r"УК|Уголовного\s+кодекса", "УК"),
    (r"ГК|Гражданского\s+кодекса", "ГК"),
    (r"ЖК|Жилищного\s+кодекса", "ЖК"),
    (r"ТК|Трудового\s+кодекса", "ТК"),
    (r"СК|Семейного\s+кодекса", "СК"),
    (
        r"КоАП|Кодекса\s+(?:Российской\s+Федерации\s+)?об\s+административных\s+правонарушениях",
        "КоАП",
    ),
    (r"НК|Налогового\s+кодекса", "НК"),
    (r"БК|Бюджетного\s+кодекса", "БК"),
    (r"ЗК|Земельного\s+кодекса", "ЗК"),
    (r"ГПК|Гражданского\s+процессуального\s+кодекса", "ГПК"),
    (r"АПК|Арбитражного\s+процессуального\s+кодекса", "АПК"),
    (r"УПК|Уголовно-процессуального\s+кодекса", "УПК"),
    (r"КАС|Кодекса\s+административного\s+судопроизводства", "КАС"),
)
# Longest first, so that "ГПК" is not read as "ГК" and "КоАП" not cut short.
_CODE = "|".join(f"(?:{p})" for p, _ in sorted(_CODES, key=lambda c: -len(c[1])))
_COUNTRY = r"(?:\s+(?:РФ|Российской\s+Федерации|РК|Республики\s+Казахстан))?"
_NUM = r"\d+(?:\.\d+)?(?:-\d+)?"
_ARTICLE = re.compile(
    r"(?:п(?:\.|ункт\w*)\s*(?:п\.\s*)?[«\"]?[а-я](?:\s*,\s*[а-я])*[»\"]?\s*)?"
    rf"(?:ч(?:\.|аст\w+)\s*(?P<part>\d+(?:\.\d+)?)\s+)?"
    rf"(?:ст(?:\.|ать\w+)\s*(?:ст\.\s*)?)(?P<nums>{_NUM}(?:\s*(?:,|и)\s*(?:ст\.\s*)?{_NUM})*)"
    rf"(?:\s+ч(?:\.|аст\w+)\s*(?P<part2>\d+))?"
    rf"\s*(?P<code>{_CODE}){_COUNTRY}(?![А-Яа-я])"
)
_KK_ARTICLE = re.compile(
    r"(?P<code>ҚК|АК)(?:-\w+)?\s+(?P<num>\d+(?:-\d+)?)-баб\w*(?:\s+(?P<part>\d+)-бөлі\w*)?"
)
_KK_CODES = {"ҚК": "УК", "АК": "ГК"}
# Several charges with one code at the end: "п. «а,в» ч.2 ст. 163, п. «а» ч.2 ст. 161 УК РФ",
# or the older order "ст. ст. 162 ч. 2, 161 ч. 2 п.п. «а,г» УК РФ".
_POINT = r"(?:п\.?\s*(?:п\.\s*)?[«\"][^»\"]{1,20}[»\"]\s*)?"
_PART_FIRST = rf"{_POINT}ч\.\s*\d+\s*ст\.\s*\d+(?:\.\d+)?"
_ARTICLE_FIRST = rf"\d+(?:\.\d+)?\s+ч\.\s*\d+(?:\s+{_POINT})?"
_ARTICLE_LIST = re.compile(
    rf"(?P<a>(?:{_PART_FIRST}\s*(?:,|и)\s*)+{_PART_FIRST})"
    rf"|ст\.\s*(?:ст\.\s*)?(?P<b>(?:{_ARTICLE_FIRST}\s*(?:,|и)\s*)+{_ARTICLE_FIRST})"
)
_LIST_END = re.compile(rf"\s*(?P<code>{_CODE}){_COUNTRY}(?![А-Яа-я])")
# The General Part of the criminal code (sentencing rules, not charges) ends before art. 105
# in Russia and before art. 99 in Kazakhstan.
_SPECIAL_PART = {"РФ": 105, "РК": 99}
_CHARGE_SENTENCE = re.compile(r"виновн|оправда|обвинени|кінәлі|ақтал|айып", re.I)


# "ст. ст. 194-199 ГПК РФ" cites six articles; "ст. 188-1" (Kazakh numbering) is one article.
_MAX_RANGE = 30


def _expand_range(raw: str) -> list[str]:
    first, dash, last = raw.partition("-")
    if dash and first.isdigit() and last.isdigit() and 0 < int(last) - int(first) <= _MAX_RANGE:
        return [str(n) for n in range(int(first), int(last) + 1)]
    return [raw]


def _code(raw: str) -> str:
    for pattern, code in _CODES:
        if re.fullmatch(pattern, raw.strip()):
            return code
    return raw


def _ref(code: str, num: str, part: str | None, country: str) -> str:
    head = f"ч. {part} " if part else ""
    return f"{head}ст. {num} {code} {country}"


def _articles(text: str, category: str | None, lang: str) -> Read[list[str]]:
    """Articles of substantive codes; in a verdict those of the charge and the sentence (the
    operative part), in other acts every article cited, in order of first mention."""
    country = "РК" if lang == "kk" or re.search(r"Республик\w+\s+Казахстан|\bРК\b", text) else "РФ"
    where = text
    if category == "criminal":
        # The sentences of the operative part that convict, acquit or state the charge.
        sentences = re.split(r"(?<=[.;])\s+(?=[А-ЯЁӘҒҚҢӨҰҮҺІ])|\n", _operative(text) or text)
        where = "\n".join(s for s in sentences if _CHARGE_SENTENCE.search(s))
    found: list[tuple[int, str]] = []
    for match in _ARTICLE.finditer(where):
        code = _code(match["code"])
        part = match["part"] or match["part2"]
        nums = [n for raw in re.findall(_NUM, match["nums"]) for n in _expand_range(raw)]
        for num in nums:
            found.append(
                (match.start(), _ref(code, num, part if len(nums) == 1 else None, country))
            )
    for match in _ARTICLE_LIST.finditer(where):
        end = _LIST_END.match(where, match.end())
        if end is None:
            continue
        code = _code(end["code"])
        if match["a"]:
            pairs = re.findall(r"ч\.\s*(\d+)\s*ст\.\s*(\d+(?:\.\d+)?)", match["a"])
        else:
            pairs = [(p, n) for n, p in re.findall(r"(\d+(?:\.\d+)?)\s+ч\.\s*(\d+)", match["b"])]
        for part, num in pairs:
            found.append((match.start(), _ref(code, num, part, country)))
    for match in _KK_ARTICLE.finditer(where):
        found.append(
            (match.start(), _ref(_KK_CODES[match["code"]], match["num"], match["part"], "РК"))
        )
    refs = list(dict.fromkeys(ref for _, ref in sorted(found, key=lambda f: f[0])))
    if category == "criminal":
        first = _SPECIAL_PART[country]
        refs = [
            r
            for r in refs
            if " УК " in r and int(re.search(r"ст\. (\d+)", r).group(1)) >= first  # type: ignore[union-attr]
        ]
    else:
        # Witnesses and experts warned of liability for false testimony (ст. 307, 308 УК).
        refs = [r for r in refs if not re.search(r"ст\. 30[78] УК", r)]
    return Read(value=refs, confidence=LIKELY if refs else 0.0)


# --- outcomes ------------------------------------------------------------------------------------

_GUILTY = re.compile(r"призна\w*\s+(?:[^.;\n]{0,80}?\s)?виновн|кінәлі\s+деп\s+таны")
_ACQUIT = re.compile(r"\bоправда\w*|ақтал\w*")
_TERMINATE = re.compile(r"прекратить\s+(?:производство|уголовное|дело)|тоқтатылсын")
_PARTLY = re.compile(r"удовлетворить\s+частично|частично\s+удовлетворить|ішінара\s+қанағаттандыр")
_DENY = re.compile(
    r"в\s+удовлетворении\s+(?!остальн)[^\n]{0,600}?(?:отказать|оставить\s+без\s+удовлетворения)"
    r"|отказать\s+в\s+удовлетворении\s+(?!остальн)|қанағаттандырудан\s+бас\s+тарт"
)
_DENY_REST = re.compile(
    r"в\s+(?:удовлетворении\s+)?остальн\w+\s+(?:част\w+\s+)?[^\n]{0,200}?отказать"
)
_SATISFY = re.compile(r"(?<!частично\s)\bудовлетворить\b(?!\s+частично)|қанағаттандырылсын")
_AWARD = re.compile(r"^\s*(?:взыскать|признать|обязать|обратить\s+взыскание|расторгнуть)", re.M)
_LEAVE = re.compile(r"оставить\s+без\s+рассмотрения|қараусыз\s+қалдыр")
_RETURN = re.compile(r"\bвозвратить\s+(?:исковое\s+)?заявлени|\bвозвратить\s+(?:кассационн|жалоб)")
_REFUSE_TRANSFER = re.compile(r"(?:в\s+передаче|передаче\s+дела)[^\n]{0,400}?отказать", re.I)
_TRANSFER = re.compile(r"\bпередать\s+(?:дело|на\s+рассмотрение|для\s+пересмотра)")


def _outcome(operative: str, category: str | None, instance: str | None) -> Read[str]:
    low = operative.lower()
    if not low.strip():
        return Read()
    if instance == "supervisory" or category == "commercial":
        if _REFUSE_TRANSFER.search(low):
            return Read(value="refused_transfer", confidence=SURE)
        if _TRANSFER.search(low):
            return Read(value="transferred", confidence=SURE)
    if category == "criminal":
        for pattern, outcome in (
            (_GUILTY, "guilty"),
            (_ACQUIT, "acquitted"),
            (_TERMINATE, "terminated"),
        ):
            if pattern.search(low):
                return Read(value=outcome, confidence=SURE)
        return Read(value="other", confidence=GUESS)
    # The first decision of the operative part, as courts open it.
    first = low[:1500]
    if _PARTLY.search(first) or (
        (_SATISFY.search(first) or _AWARD.search(first)) and _DENY_REST.search(low)
    ):
        return Read(value="partly_satisfied", confidence=SURE)
    deny, satisfy = _DENY.search(first), _SATISFY.search(first)
    if deny and (satisfy is None or deny.start() < satisfy.start()):
        return Read(value="denied", confidence=SURE)
    if satisfy:
        return Read(value="satisfied", confidence=SURE)
    for pattern, outcome, confidence in (
        (_TERMINATE, "terminated", SURE),
        (_LEAVE, "left_without_consideration", SURE),
        (_RETURN, "returned", LIKELY),
    ):
        if pattern.search(first):
            return Read(value=outcome, confidence=confidence)
    if _AWARD.search(first):
        return Read(value="satisfied", confidence=GUESS, note="an award without 'удовлетворить'")
    return Read(value="other", confidence=GUESS)


_APPEAL_RESULTS = (
    (re.compile(r"отменить\b[^.\n]{0,200}?\bв\s+части|отменить\b[^.\n,]{0,60}?\bчастично"
                r"|частично\s+отменить"), "partly_reversed"),
    (re.compile(r"\bотменить\b|күші\s+жойылсын"), "reversed"),
    (re.compile(r"\bизменить\b|өзгертілсін"), "modified"),
    (re.compile(r"оставить\s+без\s+изменения|без\s+изменения|өзгеріссіз"), "upheld"),
    # Sent back to the lower court without an appeal ruling ("Возвращено", "снять с
    # рассмотрения").
    (re.compile(r"^возвращ|снят\w*\s+с\s+(?:апелляционного\s+)?рассмотрения"), "returned"),
    (re.compile(r"^отложен|^приостановлен"), "pending"),
)  # fmt: skip


def appeal_result_of(phrase: str) -> str | None:
    """upheld / reversed / partly_reversed / modified from a reviewing court's decision."""
    low = phrase.lower()
    for pattern, result in _APPEAL_RESULTS:
        if pattern.search(low):
            return result
    return None


_PUNISHMENTS = (
    (r"лишени\w+\s+свободы|бас\s+бостандығынан\s+айыр", "лишение свободы"),
    (r"принудительн\w+\s+работ", "принудительные работы"),
    (r"исправительн\w+\s+работ", "исправительные работы"),
    (r"обязательн\w+\s+работ", "обязательные работы"),
    (r"ограничени\w+\s+свободы", "ограничение свободы"),
    (r"штраф\w*", "штраф"),
)
_SENTENCING = re.compile(
    r"окончательн\w*\s+(?:назнач\w+|наказани\w+)|назнач\w+|\bопределить\b|(?<![а-яё])в\s+виде\b",
    re.I,
)
_AMOUNT = re.compile(r"(\d[\d\s]{0,12}\d|\d)\s*(?:\([^)]*\)\s*)?(?:руб|тенге|теңге)", re.I)
_SUSPENDED = re.compile(r"условн\w*,?\s+(?:с\s+)?испытательн|ст\.\s*73\s+УК|шартты", re.I)


_KK_PUNISHMENTS = (
    (r"бас\s+бостандығынан\s+айыр", "лишение свободы"),
    (r"бас\s+бостандығын\s+шектеу", "ограничение свободы"),
    (r"айыппұл", "штраф"),
    (r"қоғамдық\s+жұмыс", "обязательные работы"),
)
_KK_SENTENCE = re.compile(r"[^.\n]*жаза\w*[^.\n]*тағайында\w*", re.I)
_KK_TERM = re.compile(r"(?:(\d+)\s+жыл)?\s*(?:(\d+)\s+ай)?")


def _kk_punishment(operative: str) -> Read[Punishment]:
    """A Kazakh verdict's punishment: "... 3 жыл мерзімге бас бостандығынан айыру жазасы
    тағайындалсын" (the verb closes the sentence)."""
    for match in _KK_SENTENCE.finditer(operative):
        phrase = match.group(0)
        kind = next((n for p, n in _KK_PUNISHMENTS if re.search(p, phrase, re.I)), None)
        if kind is None:
            continue
        months = next(
            (
                int(t[1] or 0) * 12 + int(t[2] or 0)
                for t in _KK_TERM.finditer(phrase)
                if t[1] or t[2]
            ),
            None,
        )
        amount = re.search(r"(\d[\d\s]*\d|\d)\s*(?:теңге|тенге|АЕК)", phrase)
        return Read(
            value=Punishment(
                type=kind,
                term_months=None if kind == "штраф" else months,
                amount_rub=int(re.sub(r"\s", "", amount.group(1))) if amount else None,
                suspended=bool(_SUSPENDED.search(operative[match.end() : match.end() + 400])),
            ),
            confidence=LIKELY,
        )
    return Read()


def _punishment(operative: str) -> Read[Punishment]:
    """The final punishment of the first person sentenced: the "окончательно назначить"
    phrase if there is one, else the first sentencing phrase that names a punishment."""
    candidates: list[tuple[int, str, str, int]] = []
    for match in _SENTENCING.finditer(operative):
        # To the end of the sentence (a point before a capitalised word, not initials) or the
        # next sentencing verb.
        rest = operative[match.end() : match.end() + 300]
        window = re.split(r";|\.\s+[А-ЯЁ][а-яё]|\n|назнач", rest)[0]
        kind = next((n for p, n in _PUNISHMENTS if re.search(p, window, re.I)), None)
        if kind is not None:
            # "окончательно [Ф.И.О.] назначить", "по совокупности преступлений ... определить":
            # the final sentence, said within the same sentence before the verb.
            before = operative[max(0, match.start() - 160) : match.end()].split(". ")[-1].lower()
            final = 2 if "окончательн" in before else 1 if "совокупност" in before else 0
            candidates.append((final, kind, window, match.end()))
    if not candidates:
        return Read()
    # The most final one: "окончательно" over "по совокупности" over the first named.
    best = max(c[0] for c in candidates)
    final, kind, phrase, end = next(c for c in candidates if c[0] == best)
    amount = _AMOUNT.search(phrase) if kind == "штраф" else None
    term = None if kind == "штраф" else months_of_term(phrase)
    tail = operative[end : end + 800]
    # Up to the next person's verdict, whose suspension is not this one's.
    tail = _GUILTY.split(tail.lower(), maxsplit=1)[0]
    suspended = bool(_SUSPENDED.search(tail))
    return Read(
        value=Punishment(
            # A suspended prison term (ст. 73 УК РФ) is a punishment type of its own in practice.
            type="условное " + kind if suspended and kind == "лишение свободы" else kind,
            term_months=term,
            amount_rub=int(re.sub(r"\s", "", amount.group(1))) if amount else None,
            suspended=suspended,
        ),
        confidence=SURE if final or len(candidates) == 1 else LIKELY,
    )


def _appeal_of_act(
    operative: str, instance: str | None, head: str
) -> tuple[Read[str], Read[AppealLink]]:
    if instance not in ("appeal", "cassation"):
        return Read(), Read()
    result = appeal_result_of(operative[:1500])
    link = AppealLink(
        case_number=_lower_number(head),
        uid=_uid(head).value,
    )
    found = link.case_number or link.uid
    return (
        Read(value=result, confidence=SURE if result else 0.0),
        Read(value=link if found else None, confidence=LIKELY if found else 0.0),
    )


_LOWER_NUMBER = re.compile(
    rf"(?:номер\s+дела\s+в\s+суде\s+(?:нижестоящей|первой)\s+инстанции|дело\s+№\s*(?=[^\n]*"
    rf"первой\s+инстанции))\s*[:\n]?\s*({_NUMBER})",
    re.I,
)


def _lower_number(text: str) -> str | None:
    match = _LOWER_NUMBER.search(text)
    return clean_number(match.group(1)) if match else None


def _judge(head: str) -> Read[str]:
    match = _JUDGE.search(head)
    return Read(value=match.group("name"), confidence=LIKELY) if match else Read()


# --- entry points ------------------------------------------------------------------------------


def read_act(text: str) -> ActFields:
    """Every field of a court act's plain text; ValueError if the text is not a court act."""
    text = normalize(text)
    head = text[: _head_end(text)]
    kind = _kind(head[:_HEAD_CHARS])
    court = _court(head)
    instance = _instance(kind.value, head)
    if kind.value == "определение" and instance.value in _REVIEW_KIND:
        kind = Read(value=_REVIEW_KIND[instance.value], confidence=LIKELY)
    number = _case_number(head, text)
    if kind.value is None and court.value is None:
        raise ValueError("not a court act (no title such as РЕШЕНИЕ or ПРИГОВОР, no court)")
    lang = "kk" if detect_lang(text) == "kk" else "ru"
    category = _category(kind.value, head, court.value, text[len(head) :])
    operative = _operative(text)
    outcome = (
        _outcome(operative, category.value, instance.value)
        if instance.value in ("first", "supervisory")
        else Read()
    )
    appeal, link = _appeal_of_act(operative, instance.value, head)
    act_number = _ACT_NUMBER.search(head)
    return ActFields(
        lang=lang,
        kind=kind,
        court=_with_city(court, text),
        date=_date(head),
        case_number=number,
        act_number=Read(value=act_number.group(1), confidence=SURE) if act_number else Read(),
        uid=_uid(text[: _HEAD_CHARS * 2]),
        instance=instance,
        category=category,
        articles=_articles(text, category.value, lang),
        outcome=outcome,
        punishment=(
            (_kk_punishment(operative) if lang == "kk" else _punishment(operative))
            if category.value == "criminal"
            else Read()
        ),
        appeal_result=appeal,
        first_instance_link=link,
        judge=_judge(head),
    )


# --- case cards -------------------------------------------------------------------------------

_CARD_FIELDS = {
    "uid": r"Уникальный идентификатор дела",
    "number": r"Номер дела",
    "lower_number": r"Номер дела в суде нижестоящей инстанции",
    "received": r"Дата поступления дела[^\n]*",
    "finished": r"Дата окончания",
    "first_court": r"Суд первой инстанции, судья",
    "category": r"Категория дела",
    "result": r"Результат рассмотрения",
}
_CARD_MARKERS = ("Уникальный идентификатор дела", "Номер дела в суде нижестоящей инстанции")


def is_case_card(text: str) -> bool:
    """Whether a page is a court site's case card rather than an act."""
    return all(marker in text for marker in _CARD_MARKERS)


def _card_value(text: str, label: str) -> str | None:
    match = re.search(rf"^[ \t]*{label}[ \t]*\n+[ \t]*([^\n]+)", text, re.M)
    if not match:
        return None
    value = match.group(1).strip()
    # An empty field is followed directly by the next label.
    if any(re.fullmatch(other, value) for other in _CARD_FIELDS.values()):
        return None
    return value


def card_court(text: str) -> str | None:
    """The court whose card this is, from the page's title or breadcrumbs."""
    match = re.search(r"(Московский\s+городской\s+суд|[А-ЯЁ][а-яё]+\w*\s+(?:областной|краевой|"
                      r"городской|районный)\s+суд[^\n|]{0,40}?)(?=\n|$| \|)", text)  # fmt: skip
    return match.group(1).strip() if match else None


def read_card(text: str) -> ActFields:
    """Fields of a court site's case card: УИД, numbers, category and the appeal result."""
    text = normalize(text)
    if not is_case_card(text):
        raise ValueError("not a case card (no 'Уникальный идентификатор дела' and lower number)")
    value = {key: _card_value(text, label) for key, label in _CARD_FIELDS.items()}
    low = text.lower()
    instance = (
        "cassation" if "кассационной инстанции" in low and "апелляционной" not in low else "appeal"
    )
    category = (
        "criminal"
        if "уголовным делам" in low
        else "administrative"
        if "административным делам" in low
        else "civil"
    )
    result_text = value["result"] or ""
    result = appeal_result_of(result_text)
    # The date the appeal ended; a pending appeal's result line names its next hearing instead.
    finished = find_dates(value["finished"] or "")
    uid = value["uid"] if value["uid"] and _UID.fullmatch(value["uid"]) else None
    number = value["number"]
    return ActFields(
        lang="ru",
        kind=Read(value="карточка дела", confidence=SURE),
        court=Read(value=card_court(text), confidence=LIKELY) if card_court(text) else Read(),
        date=(
            Read(value=finished[0][1], confidence=SURE, note="date of the appeal decision")
            if finished
            else Read(note="no decision yet")
        ),
        case_number=Read(value=clean_number(number), confidence=SURE) if number else Read(),
        uid=Read(value=uid, confidence=SURE) if uid else Read(),
        instance=Read(value=instance, confidence=SURE),
        category=Read(value=category, confidence=LIKELY),
        appeal_result=(
            Read(value=result, confidence=SURE)
            if result
            else Read(value="pending", confidence=LIKELY if not result_text else GUESS)
        ),
        first_instance_link=Read(
            value=AppealLink(
                case_number=clean_number(value["lower_number"]) if value["lower_number"] else None,
                uid=uid,
            ),
            confidence=SURE,
        ),
    )
