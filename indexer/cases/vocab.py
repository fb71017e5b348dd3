"""Word forms of Kazakhstan's court acts: regions and their courts, months, case numbers.

The extractor reads real acts with them; the demo act generator (demo/cases) writes with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.cases import REGION_LABELS


@dataclass(frozen=True)
class Region:
    """Names of one region in the case forms court acts need."""

    slug: str
    ru_gen: str  # "Карагандинской области" (also used after "по")
    ru_court_gen: str  # "Карагандинского областного суда"
    ru_center: str
    kk_gen: str  # "Қарағанды облысының"
    kk_court_gen: str  # "Қарағанды облыстық сотының"
    kk_center: str
    ru_dat: str  # "Карагандинской области", "г. Астана"
    # Stems the extractor looks for (Russian genitive/nominative, Kazakh).
    patterns: tuple[str, ...]

    @property
    def kk_nom(self) -> str:
        return REGION_LABELS[self.slug]["kk"]


def _oblast(
    slug: str, ru_adj: str, ru_center: str, kk_name: str, kk_center: str, ru_pattern: str
) -> Region:
    """An oblast named by a Russian adjective (\"Карагандинск\")."""
    return Region(
        slug=slug,
        ru_gen=f"{ru_adj}ой области",
        ru_court_gen=f"{ru_adj}ого областного суда",
        ru_center=ru_center,
        kk_gen=f"{kk_name} облысының",
        kk_court_gen=f"{kk_name} облыстық сотының",
        kk_center=kk_center,
        ru_dat=f"{ru_adj}ой области",
        patterns=(ru_pattern, f"{kk_name} облыс", f"г. {ru_center}", f"{kk_center} қала"),
    )


def _new_oblast(slug: str, name: str, ru_center: str, kk_center: str) -> Region:
    """An oblast named by a noun (\"область Абай\"), as the 2022 regions are."""
    return Region(
        slug=slug,
        ru_gen=f"области {name}",
        ru_court_gen=f"суда области {name}",
        ru_center=ru_center,
        kk_gen=f"{name} облысының",
        kk_court_gen=f"{name} облыстық сотының",
        kk_center=kk_center,
        ru_dat=f"области {name}",
        patterns=(
            f"области {name}",
            f"область {name}",
            f"{name} облыс",
            f"г. {ru_center}",
            f"{kk_center} қала",
        ),
    )


def _city(slug: str, ru_gen: str, ru_court_gen: str, center: str, *ru_patterns: str) -> Region:
    return Region(
        slug=slug,
        ru_gen=ru_gen,
        ru_court_gen=ru_court_gen,
        ru_center=center,
        kk_gen=f"{center} қаласының",
        kk_court_gen=f"{center} қалалық сотының",
        kk_center=center,
        ru_dat=f"г. {center}",
        patterns=(*ru_patterns, f"{center} қала"),
    )


REGIONS: dict[str, Region] = {
    r.slug: r
    for r in (
        _new_oblast("abai", "Абай", "Семей", "Семей"),
        _oblast("akmola", "Акмолинск", "Кокшетау", "Ақмола", "Көкшетау", "Акмолинск"),
        _oblast("aktobe", "Актюбинск", "Актобе", "Ақтөбе", "Ақтөбе", "Актюбинск"),
        _oblast("almaty_region", "Алматинск", "Конаев", "Алматы", "Қонаев", "Алматинск"),
        _oblast("atyrau", "Атырауск", "Атырау", "Атырау", "Атырау", "Атырауск"),
        _oblast(
            "east_kz",
            "Восточно-Казахстанск",
            "Усть-Каменогорск",
            "Шығыс Қазақстан",
            "Өскемен",
            "Восточно-Казахстанск",
        ),
        _oblast("zhambyl", "Жамбылск", "Тараз", "Жамбыл", "Тараз", "Жамбылск"),
        _new_oblast("zhetysu", "Жетісу", "Талдыкорган", "Талдықорған"),
        _oblast(
            "west_kz",
            "Западно-Казахстанск",
            "Уральск",
            "Батыс Қазақстан",
            "Орал",
            "Западно-Казахстанск",
        ),
        _oblast("karaganda", "Карагандинск", "Караганда", "Қарағанды", "Қарағанды", "Карагандинск"),
        _oblast("kostanay", "Костанайск", "Костанай", "Қостанай", "Қостанай", "Костанайск"),
        _oblast("kyzylorda", "Кызылординск", "Кызылорда", "Қызылорда", "Қызылорда", "Кызылординск"),
        _oblast("mangystau", "Мангистауск", "Актау", "Маңғыстау", "Ақтау", "Мангистауск"),
        _oblast("pavlodar", "Павлодарск", "Павлодар", "Павлодар", "Павлодар", "Павлодарск"),
        _oblast(
            "north_kz",
            "Северо-Казахстанск",
            "Петропавловск",
            "Солтүстік Қазақстан",
            "Петропавл",
            "Северо-Казахстанск",
        ),
        _oblast("turkestan", "Туркестанск", "Туркестан", "Түркістан", "Түркістан", "Туркестанск"),
        _new_oblast("ulytau", "Ұлытау", "Жезказган", "Жезқазған"),
        _city("astana", "города Астаны", "суда города Астаны", "Астана", "Астан"),
        _city(
            "almaty",
            "города Алматы",
            "Алматинского городского суда",
            "Алматы",
            "Алматы",
            "Алматинского городск",
            "Алматинский городск",
        ),
        _city("shymkent", "города Шымкента", "Шымкентского городского суда", "Шымкент", "Шымкент"),
    )
}


def region_of(text: str) -> str | None:
    """The slug of the region named first in ``text`` (a court name), or None.

    The earliest match wins and, at the same place, the longest: "Алматы облысы" is the region,
    "Алматинский городской суд" and "города Алматы" are the city.
    """
    best: tuple[int, int, str] | None = None
    for region in REGIONS.values():
        for stem in region.patterns:
            pos = text.find(stem)
            if pos >= 0 and (best is None or (pos, -len(stem)) < best[:2]):
                best = (pos, -len(stem), region.slug)
    return best[2] if best else None


RU_MONTHS_GEN = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
KK_MONTHS = (
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
)


_CASE_NO = re.compile(r"№\s*([0-9]+[а-яәіқА-Я]*-[0-9]+[-/][0-9]{2,4})")


def case_number(text: str) -> str | None:
    """The first case number ("№ 1-1234-24", "№ 2а-55/2023") in ``text``."""
    match = _CASE_NO.search(text)
    return match.group(1) if match else None
