"""Field extraction from hand-written court acts (tests/fixtures/acts) and JSONL loading."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from assistant.core.cases import CourtAct
from demo.cases import generate_cases, write_cases_jsonl
from indexer.cases.extract import extract_act, load_cases_jsonl

FIXTURES = Path(__file__).parent / "fixtures" / "acts"

EXPECTED: dict[str, dict[str, object]] = {
    "ru_criminal_guilty.txt": {
        "case_id": "1-512/2024",
        "court": "Сарыаркинский районный суд города Астаны",
        "region": "astana",
        "instance": "first",
        "category": "criminal",
        "articles": ["УК 190 ч.2"],
        "date": date(2024, 4, 15),
        "lang": "ru",
        "parties": [("Ф.И.О.1", "defendant", "m"), ("Ф.И.О.2", "victim", "f")],
        "outcome": "guilty",
        "appeal_outcome": "none",
        "cassation_outcome": "none",
        "judge": "Жаксылыковой А.Б.",
        "facts_start": "У С Т А Н О В И Л:",
        "reasoning_start": "Выслушав стороны",
        "operative_start": "П Р И Г О В О Р И Л:",
    },
    "ru_jury_acquittal.txt": {
        "case_id": "1-88/2023",
        "court": "Специализированный межрайонный суд по уголовным делам Карагандинской области",
        "region": "karaganda",
        "instance": "first",
        "category": "criminal_jury",
        "articles": ["УК 99 ч.2"],
        "date": date(2023, 10, 3),
        "lang": "ru",
        "parties": [("Ф.И.О.1", "defendant", "m"), ("Ф.И.О.4", "victim_representative", None)],
        "outcome": "acquitted",
        "appeal_outcome": "none",
        "cassation_outcome": "none",
        "judge": "Мухаметова Е.С.",
        "facts_start": "УСТАНОВИЛ:",
        "reasoning_start": "Исследовав доказательства",
        "operative_start": "ПРИГОВОРИЛ:",
    },
    "kk_criminal_partly.txt": {
        "case_id": "1-734/2024",
        "court": "Шымкент қаласының № 2 аудандық соты",
        "region": "shymkent",
        "instance": "first",
        "category": "criminal",
        "articles": ["УК 191 ч.2", "УК 188 ч.1"],
        "date": date(2024, 4, 5),
        "lang": "kk",
        "parties": [("Ф.И.О.1", "defendant", None), ("Ф.И.О.2", "victim", None)],
        "outcome": "partly_guilty",
        "appeal_outcome": "none",
        "cassation_outcome": "none",
        "judge": "Әбдіқадырова Г.Н.",
        "facts_start": "АНЫҚТАДЫ:",
        "reasoning_start": "Дәлелдемелерді зерттеп",
        "operative_start": "ҮКІМ ЕТТІ:",
    },
    "kk_civil_satisfied.txt": {
        "case_id": "2-3315/2023",
        "court": "Павлодар қаласының № 2 аудандық соты",
        "region": "pavlodar",
        "instance": "first",
        "category": "civil",
        "articles": ["ГК 715", "ГК 722"],
        "date": date(2023, 11, 14),
        "lang": "kk",
        "parties": [("Ф.И.О.1", "plaintiff", None), ("Ф.И.О.2", "respondent", None)],
        "outcome": "satisfied",
        "appeal_outcome": "none",
        "cassation_outcome": "none",
        "judge": "Серікова А.М.",
        "facts_start": "АНЫҚТАДЫ:",
        "reasoning_start": "Іс материалдарын зерттеп",
        "operative_start": "ШЕШІМ ЕТТІ:",
    },
    "ru_civil_denied.txt": {
        "case_id": "2-1450/2024",
        "court": "Алмалинский районный суд города Алматы",
        "region": "almaty",
        "instance": "first",
        "category": "civil",
        "articles": ["ГК 917"],
        "date": date(2024, 6, 5),
        "lang": "ru",
        "parties": [("Ф.И.О.1", "plaintiff", None), ("ТОО «КСК Жулдыз»", "respondent", None)],
        "outcome": "denied",
        "appeal_outcome": "none",
        "cassation_outcome": "none",
        "judge": "Исаевой М.Р.",
        "facts_start": "УСТАНОВИЛ:",
        "reasoning_start": "Изучив материалы дела",
        "operative_start": "РЕШИЛ:",
    },
    "ru_appeal_overturned.txt": {
        "case_id": "2а-205/2024",
        "court": "Судебная коллегия по гражданским делам Павлодарского областного суда",
        "region": "pavlodar",
        "instance": "appeal",
        "category": "civil",
        "articles": ["ГК 540"],
        "date": date(2024, 3, 12),
        "lang": "ru",
        "parties": [("ТОО «Север Маркет»", "plaintiff", None), ("Ф.И.О.1", "respondent", None)],
        "outcome": "partly_satisfied",
        "appeal_outcome": "overturned",
        "cassation_outcome": "none",
        "judge": "Калиевой Ж.Б.",
        "facts_start": "УСТАНОВИЛА:",
        "reasoning_start": "Проверив законность",
        "operative_start": "ПОСТАНОВИЛА:",
    },
}

_FIELDS = (
    "case_id",
    "court",
    "region",
    "instance",
    "category",
    "articles",
    "date",
    "lang",
    "outcome",
    "appeal_outcome",
    "cassation_outcome",
    "judge",
)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_fields(name: str) -> None:
    path = FIXTURES / name
    act = extract_act(path.read_text(encoding="utf-8"), str(path))
    expected = EXPECTED[name]
    for field in _FIELDS:
        assert getattr(act, field) == expected[field], field
    assert [(p.label, p.role, p.gender) for p in act.parties] == expected["parties"]
    assert act.facts.startswith(str(expected["facts_start"]))
    assert act.reasoning.startswith(str(expected["reasoning_start"]))
    assert act.operative.startswith(str(expected["operative_start"]))
    assert act.introduction and expected["operative_start"] not in act.introduction
    assert act.parent_case_id is None
    assert act.synthetic is False
    assert act.source == str(path)


def test_all_fixtures_are_covered() -> None:
    assert {p.name for p in FIXTURES.glob("*.txt")} == set(EXPECTED)


def test_sections_rebuild_the_text() -> None:
    path = FIXTURES / "ru_civil_denied.txt"
    act = extract_act(path.read_text(encoding="utf-8"), str(path))
    text = act.full_text()
    for part in (act.introduction, act.facts, act.reasoning, act.operative):
        assert part in text
    assert text.index(act.facts) < text.index(act.reasoning) < text.index(act.operative)


def test_missing_fields_are_none() -> None:
    text = (
        "РЕШЕНИЕ\n\nРайонный суд в составе судьи, рассмотрев дело,\n\nРЕШИЛ:\nИск удовлетворить.\n"
    )
    act = extract_act(text, "bare.txt")
    assert act.outcome == "satisfied"
    assert act.date is None
    assert act.region is None
    assert act.articles == []
    assert act.judge is None
    assert act.facts == "" and act.reasoning == ""
    assert act.case_id.startswith("doc-")
    assert extract_act(text, "bare.txt").case_id == act.case_id


def test_date_formats() -> None:
    base = "Районный суд № 1 г. Караганда в составе судьи\n\nРЕШИЛ:\nИск удовлетворить.\n"
    assert extract_act("12.03.2024\n" + base, "a").date == date(2024, 3, 12)
    assert extract_act("12 марта 2024 года\n" + base, "b").date == date(2024, 3, 12)
    assert extract_act("2024 жылғы 12 наурыз\n" + base, "c").date == date(2024, 3, 12)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Рецепт плова: рис, морковь, баранина. Обжарить мясо, добавить рис и воду.",
        "The court found the defendant guilty.\n\nORDERED:\nSentence of two years.",
    ],
)
def test_not_a_court_act(text: str) -> None:
    with pytest.raises(ValueError, match="not a court act"):
        extract_act(text, "notes.txt")


def test_extractor_agrees_with_generated_acts() -> None:
    for act in generate_cases(300, seed=11):
        found = extract_act(act.full_text(), act.source)
        assert found.case_id == act.case_id
        assert found.court == act.court
        assert found.region == act.region
        assert found.instance == act.instance
        assert found.category == act.category
        assert found.date == act.date
        assert found.lang == act.lang
        assert found.main_article == act.main_article
        assert (found.facts, found.reasoning, found.operative) == (
            act.facts,
            act.reasoning,
            act.operative,
        )
        if act.instance == "first":
            assert found.outcome == act.outcome
        else:
            decision = found.appeal_outcome if act.instance == "appeal" else found.cassation_outcome
            assert decision == act.features["review"]["decision"]
            assert found.outcome in (None, act.outcome)


def test_load_cases_jsonl_round_trip(tmp_path: Path) -> None:
    acts = generate_cases(40, seed=3)
    path = tmp_path / "acts.jsonl"
    write_cases_jsonl(path, acts)
    assert load_cases_jsonl(path) == acts


def test_load_cases_jsonl_names_bad_lines(tmp_path: Path) -> None:
    good = generate_cases(2, seed=3)
    lines = [json.dumps(a.model_dump(mode="json"), ensure_ascii=False) for a in good]

    broken = tmp_path / "broken.jsonl"
    broken.write_text(lines[0] + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.jsonl:2: invalid JSON"):
        load_cases_jsonl(broken)

    record = json.loads(lines[1])
    record["outcome"] = "satisfied" if record["category"].startswith("criminal") else "guilty"
    invalid = tmp_path / "invalid.jsonl"
    invalid.write_text(lines[0] + "\n\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"invalid\.jsonl:3: invalid court act"):
        load_cases_jsonl(invalid)

    twice = tmp_path / "twice.jsonl"
    twice.write_text(lines[0] + "\n" + lines[0] + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"twice\.jsonl:2: duplicate case_id .* line 1"):
        load_cases_jsonl(twice)


def test_loaded_acts_are_court_acts(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    write_cases_jsonl(path, generate_cases(1, seed=5))
    (act,) = load_cases_jsonl(path)
    assert isinstance(act, CourtAct) and act.synthetic
