"""Structured fields from the plain text of a real Kazakh or Russian court act, and JSONL loading.

The text is split at the section headings («УСТАНОВИЛ:» / «АНЫҚТАДЫ:» opens the descriptive part;
«ПРИГОВОРИЛ», «ПОСТАНОВИЛ(А)», «РЕШИЛ», «ОПРЕДЕЛИЛ», «ҮКІМ ЕТТІ», «ҚАУЛЫ ЕТТІ», «ШЕШІМ ЕТТІ»,
«ҰЙҒАРДЫ» open the operative part). The descriptive part is cut into facts and reasoning at the
first line where the court starts weighing evidence («Исследовав…», «Выслушав…», «…зерттеп»).
Fields not found are None; only text that is not a court act at all raises ValueError. An appeal or
cassation act gets its own decision (upheld / changed / overturned) and an ``outcome`` only when
the reviewing court took a new decision on the merits.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from assistant.core.cases import CourtAct, Party
from assistant.core.text import detect_lang, normalize
from indexer.cases.fields import FACTS_WORDS, OPERATIVE_WORDS, REASONING_START, heading
from indexer.cases.numbers import find_dates
from indexer.cases.vocab import case_number, region_of

_FACTS_HEAD = heading(FACTS_WORDS)
_OPERATIVE_HEAD = heading(OPERATIVE_WORDS)

# Substantive codes by how acts name them; procedural codes (УПК/ҚПК, ГПК/АПК) are left out.
_CODE_NAMES = (
    (r"УК|ҚК|Уголовного\s+кодекса|Қылмыстық\s+кодекс\w*", "УК"),
    (r"ГК|АК|Гражданского\s+кодекса|Азаматтық\s+кодекс\w*", "ГК"),
    (r"ТК|ЕК|Трудового\s+кодекса|Еңбек\s+кодекс\w*", "ТК"),
    (
        r"КоБС|НОК|Кодекса\s+(?:Республики\s+Казахстан\s+)?«?О\s+браке[^»]*»?(?:\s*\([^)]*\))?"
        r"|Неке\s*\(ерлі-зайыптылық\)\s*және\s+отбасы\s+туралы\s+кодекс\w*",
        "КоБС",
    ),
    (
        r"АППК|ӘРПК|Административного\s+процедурно-процессуального\s+кодекса"
        r"|Әкімшілік\s+рәсімдік-процестік\s+кодекс\w*",
        "АППК",
    ),
)
_CODE = "|".join(f"(?:{pattern})" for pattern, _ in _CODE_NAMES)
_PART_WORDS = {
    "первой": 1,
    "второй": 2,
    "третьей": 3,
    "четвертой": 4,
    "четвёртой": 4,
    "пятой": 5,
    "шестой": 6,
}
_RU_ARTICLE = re.compile(
    r"(?:(?:п\.|пункт\w*)\s*\d+\)?\s*)?"
    r"(?:ч\.|част\w+)\s*(?P<part>\d+|" + "|".join(_PART_WORDS) + r")\s+"
    r"(?:ст\.|стать\w+)\s*(?P<num>\d+(?:-\d+)?)"
    r"\s+(?:(?:Республики\s+Казахстан|РК)\s+)?(?P<code>" + _CODE + ")"
    r"|(?:ст\.\s*ст\.|ст\.|стать\w+)\s*(?P<nums>\d+(?:-\d+)?(?:\s*(?:,|и)\s*\d+(?:-\d+)?)*)"
    r"(?:\s+ч(?:\.|аст\w+)\s*(?P<part2>\d+))?"
    r"\s+(?:(?:Республики\s+Казахстан|РК)\s+)?(?P<code2>" + _CODE + ")",
)
_KK_ARTICLE = re.compile(
    r"(?P<code>" + _CODE + r")(?:-\w+)?\s+(?P<num>\d+(?:-\d+)?)-баб\w*"
    r"(?:\s+(?P<part>\d+)-бөлі\w*)?",
)

_CRIMINAL_GUILTY = re.compile(r"призна\w*\s+(?:\S+\s+){0,3}?виновн|кінәлі\s+деп\s+танылсын")
_CRIMINAL_ACQUIT = re.compile(r"\bоправда(?:ть|н)|ақталсын")
_CRIMINAL_TERMINATE = re.compile(r"\bпрекратить\b|тоқтатылсын")
_CLAIM_PARTLY = re.compile(
    r"удовлетворить\s+частично|частично\s+удовлетворить|ішінара\s+"
    r"қанағаттандырылсын"
)
_CLAIM_DENIED = re.compile(
    # Within one line: "В удовлетворении иска Ф.И.О.1 к Ф.И.О.2 о … отказать".
    r"в\s+удовлетворении\s[^\n]{0,400}?\bотказать|отказать\s+в\s+"
    r"удовлетворении|қанағаттандырудан\s+бас\s+тартылсын"
)
_CLAIM_LEFT = re.compile(r"без\s+рассмотрения|қараусыз\s+қалдырылсын")
_CLAIM_SATISFIED = re.compile(r"\bудовлетворить\b|қанағаттандырылсын")
_REVIEW_OVERTURNED = re.compile(r"\bотменить\b|күші\s+жойылсын")
_REVIEW_CHANGED = re.compile(r"\bизменить\b|өзгертілсін")
_REVIEW_UPHELD = re.compile(r"оставить\s+без\s+изменения|өзгеріссіз")
_NEW_DECISION = re.compile(r"нов(?:ый|ое)\s+(?:приговор|решение)|жаңа\s+(?:үкім|шешім)")

_LABEL = r"Ф\.\s?И\.\s?О\.\s?\d+"
_PARTY = re.compile(
    r"(?P<role>представител\w*\s+потерпевш\w*|жәбірленушінің\s+өкілі|подсудим\w*|осужд[её]нн\w*|"
    r"оправданн\w*|потерпевш\w*|истц\w*|истец|истиц\w*|ответчик\w*|сотталушы\w*|сотталған\w*|"
    r"жәбірленуші\w*|талапкер\w*|жауапкер\w*)\s*(?:–\s*|-\s*)?(?P<label>" + _LABEL + ")",
    re.IGNORECASE,
)
_ROLES = (
    (("представител", "өкілі"), "victim_representative"),
    (("подсуд", "осужд", "оправд", "сотталушы", "сотталған"), "defendant"),
    (("потерпевш", "жәбірленуші"), "victim"),
    (("ист", "талапкер"), "plaintiff"),
    (("ответчик", "жауапкер"), "respondent"),
)
_JUDGE = re.compile(
    r"(?:председательствующ\w*\s+(?:судь\w+\s*)?[–-]?\s*(?:судь\w+\s+)?|төрағалық\s+етуші\s+"
    r"(?:судья\s+)?)(?P<name>[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі-]+\s+[А-ЯЁӘҒҚҢӨҰҮҺІ]\.\s?"
    r"[А-ЯЁӘҒҚҢӨҰҮҺІ]\.)"
)


def extract_act(text: str, source: str) -> CourtAct:
    """A ``CourtAct`` from an act's plain text; ValueError if the text is not a court act."""
    text = normalize(text)
    if not text:
        raise ValueError(f"{source}: empty text, not a court act")
    lang = detect_lang(text)
    facts_at = _FACTS_HEAD.search(text)
    op_at = None
    for match in _OPERATIVE_HEAD.finditer(text):
        if facts_at is None or match.start() > facts_at.start():
            op_at = match
            break
    head_end = facts_at.start() if facts_at else op_at.start() if op_at else min(len(text), 1500)
    intro = text[:head_end].strip()
    court = _court(intro)
    number = case_number(intro) or case_number(text)
    if lang == "en" or (op_at is None and court is None and number is None):
        raise ValueError(
            f"{source}: not a court act (no court, case number or operative part found)"
        )
    descriptive = text[facts_at.start() : op_at.start() if op_at else len(text)] if facts_at else ""
    operative = text[op_at.start() :].strip() if op_at else ""
    facts, reasoning = _split_descriptive(descriptive.strip())

    instance = _instance(intro)
    category = _category(intro, text)
    outcome, review = _outcomes(operative, category, instance)
    if category is None and outcome is not None:
        category = (
            "criminal"
            if outcome in ("guilty", "acquitted", "partly_guilty", "terminated")
            else "civil"
        )
    return CourtAct(
        case_id=number or _fallback_id(source, text),
        court=court,
        region=_region(court, intro),
        instance=instance,
        category=category,
        articles=_articles(text),
        date=_date(intro) or _date(text[:1500]),
        lang=lang,
        parties=_parties(intro + "\n" + facts),
        introduction=intro,
        facts=facts,
        reasoning=reasoning,
        operative=operative,
        outcome=outcome,
        appeal_outcome=review if instance == "appeal" and review else "none",
        cassation_outcome=review if instance == "cassation" and review else "none",
        judge=_judge(intro),
        synthetic=False,
        source=source,
    )


def load_cases_jsonl(path: str | Path) -> list[CourtAct]:
    """Acts from a JSONL file written by ``write_cases_jsonl``; errors name the line."""
    acts: list[CourtAct] = []
    seen: dict[str, int] = {}
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: invalid JSON ({exc.msg})") from None
            try:
                act = CourtAct.model_validate(record)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "record"
                raise ValueError(
                    f"{path}:{number}: invalid court act, {where}: {first['msg']}"
                ) from None
            if act.case_id in seen:
                raise ValueError(
                    f"{path}:{number}: duplicate case_id {act.case_id!r} (first on "
                    f"line {seen[act.case_id]})"
                )
            seen[act.case_id] = number
            acts.append(act)
    return acts


def _split_descriptive(descriptive: str) -> tuple[str, str]:
    if not descriptive:
        return "", ""
    # The heading line itself ("УСТАНОВИЛ:") opens the facts; the search starts after it.
    first_break = descriptive.find("\n")
    start = first_break + 1 if first_break >= 0 else len(descriptive)
    marker = REASONING_START.search(descriptive, start)
    if marker is None:
        return descriptive, ""
    return descriptive[: marker.start()].strip(), descriptive[marker.start() :].strip()


def _court(intro: str) -> str | None:
    ru = re.search(
        r"^([^\n]*?(?:суд|Суд|коллегия|Коллегия)[^\n]*?)\s+в\s+составе", intro, re.MULTILINE
    )
    if ru:
        return ru.group(1).strip(" ,")
    kk = re.search(r"^([^\n,]*?(?:соты|алқасы))\s*,", intro, re.MULTILINE)
    if kk:
        return kk.group(1).strip()
    line = re.search(r"^([^\n,]*(?:\bсуд\b|\bсоты\b)[^\n,]*)", intro, re.MULTILINE)
    return line.group(1).strip() if line else None


def _region(court: str | None, intro: str) -> str | None:
    """The court's region; for the Supreme Court, the region of the courts below it."""
    if court:
        found = region_of(court)
        if found:
            return found
        # The dateline of a cassation act names Astana, so look past the court name.
        return region_of(intro[intro.find(court) + len(court) :]) or region_of(intro)
    return region_of(intro)


def _instance(intro: str) -> str:
    low = intro.lower()
    if "кассацион" in low or "кассациялық" in low:
        return "cassation"
    if "апелляцион" in low or "апелляциялық" in low:
        return "appeal"
    return "first"


def _category(intro: str, text: str) -> str | None:
    low = intro.lower()
    everything = text.lower()
    if "присяжных заседателей" in everything or "алқабилер" in everything:
        return "criminal_jury"
    if re.search(
        r"административн\w*\s+(?:суд|дело|иск|делам)|әкімшілік\s+(?:сот|іс)", low
    ) or re.search(r"\bАППК\b|\bӘРПК\b", text):
        return "administrative"
    if re.search(r"уголовн|қылмыстық|приговор|үкім|подсудим|сотталушы", low):
        return "criminal"
    if re.search(r"гражданск|азаматтық|\bиск|талап", low):
        return "civil"
    return None


def _outcomes(operative: str, category: str | None, instance: str) -> tuple[str | None, str | None]:
    """(outcome on the merits, review decision) read from the operative part."""
    low = operative.lower()
    if instance == "first":
        return _merits(low, category), None
    if _REVIEW_OVERTURNED.search(low):
        review = "overturned"
    elif _REVIEW_CHANGED.search(low):
        review = "changed"
    elif _REVIEW_UPHELD.search(low):
        review = "upheld"
    else:
        review = None
    new = _NEW_DECISION.search(low)
    return (_merits(low[new.end() :], category) if new else None), review


def _merits(low: str, category: str | None) -> str | None:
    criminal = category in ("criminal", "criminal_jury")
    if category is None:
        criminal = bool(_CRIMINAL_GUILTY.search(low) or _CRIMINAL_ACQUIT.search(low))
    if criminal:
        guilty = bool(_CRIMINAL_GUILTY.search(low))
        acquit = bool(_CRIMINAL_ACQUIT.search(low))
        if guilty and acquit:
            return "partly_guilty"
        if guilty:
            return "guilty"
        if acquit:
            return "acquitted"
        return "terminated" if _CRIMINAL_TERMINATE.search(low) else None
    for pattern, outcome in (
        (_CLAIM_PARTLY, "partly_satisfied"),
        (_CLAIM_DENIED, "denied"),
        (_CLAIM_LEFT, "left_without_consideration"),
        (_CLAIM_SATISFIED, "satisfied"),
    ):
        if pattern.search(low):
            return outcome
    return None


def _code(raw: str) -> str:
    for pattern, code in _CODE_NAMES:
        if re.fullmatch(pattern, raw.strip()):
            return code
    raise ValueError(f"unknown code name {raw!r}")


def _articles(text: str) -> list[str]:
    """Canonical refs in order of first mention, e.g. ["УК 99 ч.2", "УК 188 ч.1"]."""
    found: list[tuple[int, str]] = []
    for match in _RU_ARTICLE.finditer(text):
        if match.group("num"):
            part = match.group("part")
            part_no = _PART_WORDS.get(part.lower()) if not part.isdigit() else int(part)
            code = _code(match.group("code"))
            found.append((match.start(), _ref(code, match.group("num"), part_no)))
        else:
            code = _code(match.group("code2"))
            part2 = match.group("part2")
            for num in re.findall(r"\d+(?:-\d+)?", match.group("nums")):
                found.append((match.start(), _ref(code, num, int(part2) if part2 else None)))
    for match in _KK_ARTICLE.finditer(text):
        part = match.group("part")
        found.append(
            (
                match.start(),
                _ref(_code(match.group("code")), match.group("num"), int(part) if part else None),
            )
        )
    refs: list[str] = []
    for _, ref in sorted(found, key=lambda item: item[0]):
        if ref not in refs:
            refs.append(ref)
    return refs


def _ref(code: str, number: str, part: int | None) -> str:
    # Civil, labour, family and APPC refs are cited by article only.
    return f"{code} {number} ч.{part}" if part and code == "УК" else f"{code} {number}"


def _date(text: str) -> date | None:
    dates = find_dates(text)
    return dates[0][1] if dates else None


_CLAIM_PARTIES = (
    re.compile(r"по\s+иску\s+(?P<plaintiff>[^\n]+?)\s+к\s+(?P<respondent>[^\n]+?)\s+о\s"),
    re.compile(r"^талапкер\s*[–-]\s*(?P<plaintiff>[^,\n]+)", re.MULTILINE),
    re.compile(r"^жауапкер\s*[–-]\s*(?P<respondent>[^,\n]+)", re.MULTILINE),
)


def _parties(text: str) -> list[Party]:
    parties: list[Party] = []
    seen: set[str] = set()
    for pattern in _CLAIM_PARTIES:
        match = pattern.search(text)
        for role in ("plaintiff", "respondent"):
            label = match.groupdict().get(role) if match else None
            if label and label.strip() not in seen:
                seen.add(label.strip())
                parties.append(Party(label=label.strip(), role=role))
    for match in _PARTY.finditer(text):
        label = re.sub(r"\s", "", match.group("label"))
        if label in seen:
            continue
        word = match.group("role").lower()
        role = next(r for stems, r in _ROLES if any(word.startswith(s) for s in stems))
        seen.add(label)
        parties.append(Party(label=label, role=role, gender=_gender(word)))
    return parties


def _gender(role_word: str) -> str | None:
    """Gender from a Russian participle ending ("подсудимой" → f); Kazakh has none."""
    if not re.match(r"(?:подсуд|осужд|оправд|потерпевш)", role_word):
        return None
    if re.search(r"(?:ая|ой|ую|ей)$", role_word.split()[-1]):
        return "f"
    return "m"


def _judge(intro: str) -> str | None:
    match = _JUDGE.search(intro)
    return match.group("name") if match else None


def _fallback_id(source: str, text: str) -> str:
    # No case number in the text: a stable id from the source and content.
    digest = hashlib.sha1(f"{source}\n{text}".encode()).hexdigest()[:12]
    return f"doc-{digest}"
