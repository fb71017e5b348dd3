"""Dates and terms as courts write them: in figures, with the month spelled out, or entirely in
words ("двадцать третьего декабря две тысячи двадцать первого года"), in Russian and Kazakh."""

from __future__ import annotations

import re
from datetime import date

from indexer.cases.vocab import KK_MONTHS, RU_MONTHS_GEN

__all__ = ["find_dates", "months_of_term", "words_to_number"]

_RU_MONTH = {m: i for i, m in enumerate(RU_MONTHS_GEN, 1)}
_KK_MONTH = {m: i for i, m in enumerate(KK_MONTHS, 1)}

# Stems of Russian cardinal and ordinal number words (any case) and their values.
_UNITS = (
    ("перв", 1), ("одн", 1), ("один", 1), ("втор", 2), ("дв", 2), ("трет", 3), ("три", 3),
    ("трех", 3), ("трёх", 3),
    ("четверт", 4), ("четыр", 4), ("пят", 5), ("шест", 6), ("седьм", 7), ("сем", 7),
    ("восьм", 8), ("восем", 8), ("девят", 9),
)  # fmt: skip
_TEENS = (
    ("одиннадцат", 11), ("двенадцат", 12), ("тринадцат", 13), ("четырнадцат", 14),
    ("пятнадцат", 15), ("шестнадцат", 16), ("семнадцат", 17), ("восемнадцат", 18),
    ("девятнадцат", 19), ("десят", 10),
)  # fmt: skip
_TENS = (("двадцат", 20), ("тридцат", 30), ("сорок", 40), ("пятьдесят", 50), ("пятидесят", 50))
_THOUSAND = re.compile(r"тысяч\w*")
_NUMBER_WORD = (
    r"(?:перв|втор|трет|четв[её]рт|пят|шест|седьм|восьм|девят|одн|один|дв|три|четыр|сем|восем"
    r"|одиннадцат|двенадцат|тринадцат|четырнадцат|пятнадцат|шестнадцат|семнадцат|восемнадцат"
    r"|девятнадцат|десят|двадцат|тридцат|тысяч)\w*"
)
_WORDS = rf"{_NUMBER_WORD}(?:\s+{_NUMBER_WORD})*"
_MONTHS_RU = "|".join(RU_MONTHS_GEN)
_MONTHS_KK = "|".join(KK_MONTHS)
_S = r"[\s\u00a0]+"
DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"«?(\d{{1,2}})»?{_S}({_MONTHS_RU}){_S}(\d{{4}})", re.I), "ru"),
    (re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)"), "num"),
    (re.compile(rf"(\d{{4}}){_S}?ж(?:ылғы|\.)?{_S}?«?(\d{{1,2}})»?{_S}({_MONTHS_KK})", re.I), "kk"),
    (re.compile(rf"\b({_WORDS}){_S}({_MONTHS_RU}){_S}({_WORDS}){_S}год", re.I), "words"),
)


def words_to_number(words: str) -> int | None:
    """The value of Russian number words ("две тысячи двадцать первого" → 2021)."""
    total, current = 0, 0
    for word in words.lower().replace("ё", "е").split():
        if _THOUSAND.fullmatch(word):
            total += (current or 1) * 1000
            current = 0
            continue
        value = next((v for stem, v in _TEENS if word.startswith(stem)), None)
        if value is None:
            value = next((v for stem, v in _TENS if word.startswith(stem)), None)
        if value is None:
            value = next((v for stem, v in _UNITS if word.startswith(stem)), None)
        if value is None:
            return None
        current += value
    return total + current or None


def _to_date(match: re.Match[str], kind: str) -> date | None:
    try:
        if kind == "ru":
            return date(int(match[3]), _RU_MONTH[match[2].lower()], int(match[1]))
        if kind == "num":
            return date(int(match[3]), int(match[2]), int(match[1]))
        if kind == "kk":
            return date(int(match[1]), _KK_MONTH[match[3].lower()], int(match[2]))
        day, year = words_to_number(match[1]), words_to_number(match[3])
        if day is None or year is None:
            return None
        return date(year, _RU_MONTH[match[2].lower()], day)
    except (ValueError, KeyError):
        return None


def find_dates(text: str) -> list[tuple[int, date]]:
    """Every valid date in ``text`` with its offset, in order of appearance."""
    found = []
    for pattern, kind in DATE_PATTERNS:
        for match in pattern.finditer(text):
            value = _to_date(match, kind)
            if value is not None and 1990 <= value.year <= 2100:
                found.append((match.start(), value))
    return sorted(found)


_COUNT = rf"(?:\d+|{_WORDS})"
_TERM = re.compile(
    rf"(?:(?P<y>{_COUNT})\s*(?:/[^/]*/\s*)?(?:год\w*|лет)\b)?\s*"
    rf"(?:(?P<m>{_COUNT})\s*(?:/[^/]*/\s*)?месяц\w*)?",
    re.I,
)


def _count(raw: str | None) -> int:
    if not raw:
        return 0
    return int(raw) if raw.isdigit() else words_to_number(raw) or 0


def months_of_term(text: str) -> int | None:
    """Months of the first term in ``text`` ("3 (три) года 6 (шесть) месяцев" → 42,
    "трех лет шести месяцев" → 42); words in brackets or slashes that repeat a figure are
    ignored."""
    text = re.sub(r"\([^)]*\)", "", text)
    for match in _TERM.finditer(text):
        months = _count(match["y"]) * 12 + _count(match["m"])
        if months:
            return months
    return None
