"""Word forms the demo act generator writes with: Kazakh and Russian dates, plurals, amounts,
and the synthetic people's surnames (``names.yaml``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from indexer.cases.vocab import KK_MONTHS, RU_MONTHS_GEN

_NAMES = yaml.safe_load(Path(__file__).with_name("names.yaml").read_text(encoding="utf-8"))
# Synthetic surnames (Russian spelling, Kazakh spelling); the feminine adds "а".
SURNAMES: tuple[tuple[str, str], ...] = tuple((ru, kk) for ru, kk in _NAMES["surnames"])
INITIALS: str = _NAMES["initials"]


# Locative ("наурызда") and attributive ("наурыздағы") forms follow vowel harmony.
def _kk_front(word: str) -> bool:
    vowels = [c for c in word if c in "аәоөұүыіеэиуя"]
    return bool(vowels) and vowels[-1] in "әөүіеи"


def _kk_loc_suffix(word: str) -> str:
    voiceless = word[-1] in "пфктшсхцчщқ"
    if _kk_front(word):
        return "те" if voiceless else "де"
    return "та" if voiceless else "да"


def kk_date(d: date) -> str:
    """``2024 жылғы 12 наурыз``."""
    return f"{d.year} жылғы {d.day} {KK_MONTHS[d.month - 1]}"


def kk_date_loc(d: date) -> str:
    """``2024 жылғы 12 наурызда`` (on that day)."""
    month = KK_MONTHS[d.month - 1]
    return f"{d.year} жылғы {d.day} {month}{_kk_loc_suffix(month)}"


def kk_date_abl(d: date) -> str:
    """``2024 жылғы 12 наурыздан`` (since that day)."""
    month = KK_MONTHS[d.month - 1]
    if month[-1] in "мнң":
        suffix = "нен" if _kk_front(month) else "нан"
    elif month[-1] in "пфктшсхцчщқ":
        suffix = "тен" if _kk_front(month) else "тан"
    else:
        suffix = "ден" if _kk_front(month) else "дан"
    return f"{d.year} жылғы {d.day} {month}{suffix}"


def kk_date_attr(d: date) -> str:
    """``2024 жылғы 12 наурыздағы`` (of that day)."""
    month = KK_MONTHS[d.month - 1]
    suffix = _kk_loc_suffix(month)
    return f"{d.year} жылғы {d.day} {month}{suffix}{'гі' if _kk_front(month) else 'ғы'}"


def ru_date(d: date) -> str:
    """``12 марта 2024 года``."""
    return f"{d.day} {RU_MONTHS_GEN[d.month - 1]} {d.year} года"


def ru_plural(n: int, one: str, few: str, many: str) -> str:
    """``n`` with the Russian noun form it needs: 1 год, 2 года, 5 лет."""
    if n % 10 == 1 and n % 100 != 11:
        form = one
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        form = few
    else:
        form = many
    return f"{n} {form}"


def money(amount: int) -> str:
    """``1 250 000`` with thin grouping spaces as court acts print amounts."""
    return f"{amount:,}".replace(",", " ")


def surname(base: str, gender: str) -> str:
    """Nominative surname in the given gender."""
    return base + "а" if gender == "f" else base


def ru_surname_gen(base: str, gender: str) -> str:
    """Russian genitive: Сапаров → Сапарова, Сапарова → Сапаровой."""
    return base + "ой" if gender == "f" else base + "а"
