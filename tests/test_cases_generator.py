"""Synthetic court acts: determinism, validity, linkage, the latent model and the schema."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
import yaml

from assistant.core.cases import (
    CATEGORIES,
    CATEGORY_LABELS,
    INSTANCE_LABELS,
    INSTANCES,
    OUTCOME_LABELS,
    OUTCOMES,
    REVIEW_LABELS,
    REVIEW_OUTCOMES,
    CourtAct,
    outcomes_for,
)
from assistant.core.schemas import SourceDocument
from demo.cases import generate_cases, patterns, write_cases_jsonl
from demo.cases.generator import flip_outcome, outcome_utilities

N = 3200


@pytest.fixture(scope="module")
def acts() -> list[CourtAct]:
    return generate_cases(N, seed=7)


@pytest.fixture(scope="module")
def first(acts: list[CourtAct]) -> list[CourtAct]:
    return [a for a in acts if a.instance == "first"]


def _share(acts: list[CourtAct], predicate) -> float:
    return sum(1 for a in acts if predicate(a)) / max(1, len(acts))


def test_count_and_small_sizes(acts: list[CourtAct]) -> None:
    assert len(acts) == N
    assert generate_cases(0) == []
    assert len(generate_cases(1)) == 1
    assert len(generate_cases(57, seed=2)) == 57


def test_deterministic_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_cases_jsonl(a, generate_cases(400, seed=7))
    write_cases_jsonl(b, generate_cases(400, seed=7))
    assert a.read_bytes() == b.read_bytes()
    other = tmp_path / "c.jsonl"
    write_cases_jsonl(other, generate_cases(400, seed=8))
    assert other.read_bytes() != a.read_bytes()


def test_generation_is_fast() -> None:
    started = time.perf_counter()
    generate_cases(N, seed=21)
    assert time.perf_counter() - started < 20


def test_ids_languages_and_categories(acts: list[CourtAct]) -> None:
    assert len({a.case_id for a in acts}) == len(acts)
    assert all(a.synthetic and a.source.startswith("synthetic:") for a in acts)
    assert 0.4 < _share(acts, lambda a: a.lang == "kk") < 0.6
    by_category = Counter(a.category for a in acts)
    assert set(by_category) == set(CATEGORIES)
    for category in CATEGORIES:
        langs = Counter(a.lang for a in acts if a.category == category)
        assert langs["kk"] > 0.35 * by_category[category]
        assert langs["ru"] > 0.35 * by_category[category]


def test_outcomes_valid_for_category(acts: list[CourtAct], first: list[CourtAct]) -> None:
    for act in acts:
        assert act.category is not None
        if act.instance == "first":
            assert act.outcome in outcomes_for(act.category)
        else:
            assert act.outcome is None or act.outcome in outcomes_for(act.category)
    for category in CATEGORIES:
        seen = {a.outcome for a in first if a.category == category}
        assert len(seen) >= 3, category


def test_dates_and_jury_jurisdiction(acts: list[CourtAct]) -> None:
    assert all(date(2019, 1, 1) <= a.date <= date(2025, 12, 31) for a in acts if a.date)
    years = Counter(a.date.year for a in acts if a.instance == "first" and a.date)
    assert set(years) == set(range(2019, 2026))
    for act in acts:
        if act.category == "criminal_jury" and not act.main_article.startswith("УК 99 "):
            assert act.date >= date(2023, 1, 1)
        if act.category == "administrative":
            assert act.date >= date(2021, 7, 1)


def test_operative_phrases(first: list[CourtAct]) -> None:
    phrases = {
        ("ru", "guilty"): "признать виновн",
        ("ru", "acquitted"): "оправдать",
        ("ru", "terminated"): "прекратить",
        ("ru", "partly_satisfied"): "удовлетворить частично",
        ("kk", "guilty"): "кінәлі деп танылсын",
        ("kk", "acquitted"): "ақталсын",
        ("kk", "satisfied"): "Талап қанағаттандырылсын",
        ("kk", "denied"): "қанағаттандырудан бас тартылсын",
    }
    for act in first:
        phrase = phrases.get((act.lang, act.outcome))
        if phrase:
            assert phrase in act.operative, (act.case_id, phrase)


def test_appeal_linkage(acts: list[CourtAct]) -> None:
    by_id = {a.case_id: a for a in acts}
    children: dict[str, list[CourtAct]] = defaultdict(list)
    for act in acts:
        if act.instance != "first":
            parent = by_id[act.parent_case_id]
            assert parent.instance == "first"
            assert (parent.category, parent.lang, parent.region) == (
                act.category,
                act.lang,
                act.region,
            )
            assert parent.features["relevance_key"] == act.features["relevance_key"]
            assert act.date > parent.date
            children[parent.case_id].append(act)
    for act in acts:
        if act.instance != "first":
            continue
        kids = children[act.case_id]
        appeal = [k for k in kids if k.instance == "appeal"]
        cassation = [k for k in kids if k.instance == "cassation"]
        assert len(appeal) <= 1 and len(cassation) <= 1
        if act.appeal_outcome == "none":
            assert not kids and act.cassation_outcome == "none"
            continue
        assert appeal and appeal[0].features["review"]["decision"] == act.appeal_outcome
        if act.cassation_outcome == "none":
            assert not cassation
        else:
            assert cassation[0].features["review"]["decision"] == act.cassation_outcome
            assert cassation[0].date > appeal[0].date
            assert act.appeal_outcome != "overturned" or appeal[0].outcome is not None
        for kid in kids:
            assert (kid.appeal_outcome, kid.cassation_outcome) == (
                act.appeal_outcome,
                act.cassation_outcome,
            )
    appealed = _share(
        [a for a in acts if a.instance == "first"], lambda a: a.appeal_outcome != "none"
    )
    assert 0.1 < appealed < 0.6


def test_review_outcomes(acts: list[CourtAct]) -> None:
    by_id = {a.case_id: a for a in acts}
    for act in acts:
        if act.instance == "first":
            continue
        review = act.features["review"]
        if review["decision"] == "upheld":
            assert act.outcome == review["outcome_before"]
        if act.outcome is None:
            assert review["decision"] == "overturned"
        if act.category == "criminal_jury" and review["decision"] == "overturned":
            assert act.outcome is None  # a jury verdict goes back for a new trial
        assert by_id[act.parent_case_id].features["model_outcome"] == act.features["model_outcome"]


def test_deviation_share_and_definition(first: list[CourtAct]) -> None:
    deviations = [a for a in first if a.features["deviation"]]
    assert 0.03 < len(deviations) / len(first) < 0.08
    for act in first:
        model = act.features["model_outcome"]
        expected = flip_outcome(model) if act.features["deviation"] else model
        assert act.outcome == expected


def test_deviations_are_overturned_more_often(first: list[CourtAct]) -> None:
    appealed = [a for a in first if a.appeal_outcome != "none"]
    dev = [a for a in appealed if a.features["deviation"]]
    normal = [a for a in appealed if not a.features["deviation"]]
    assert _share(first, lambda a: a.appeal_outcome != "none" and a.features["deviation"]) > 0
    assert _share(dev, lambda a: a.appeal_outcome == "overturned") > 3 * _share(
        normal, lambda a: a.appeal_outcome == "overturned"
    )


def test_latent_model_drives_outcomes(first: list[CourtAct]) -> None:
    def guilty_share(category: str, lo: float, hi: float) -> float:
        group = [
            a
            for a in first
            if a.category == category and lo <= a.features["latent"]["evidence_strength"] < hi
        ]
        assert len(group) > 30
        return _share(group, lambda a: a.outcome in ("guilty", "partly_guilty"))

    for category in ("criminal", "criminal_jury"):
        assert guilty_share(category, 0.7, 1.01) > guilty_share(category, 0.0, 0.35) + 0.2
        acquittals = [
            _share(
                [a for a in first if a.category == category and test(a.features["latent"])],
                lambda a: a.outcome == "acquitted",
            )
            for test in (
                lambda f: f["evidence_strength"] < 0.35,
                lambda f: f["evidence_strength"] >= 0.7,
            )
        ]
        assert acquittals[0] > 3 * acquittals[1]
    # Juries acquit more often than judges on weak evidence.
    assert guilty_share("criminal_jury", 0.0, 0.35) < guilty_share("criminal", 0.0, 0.35)

    civil = [a for a in first if a.category == "civil"]
    strong = [a for a in civil if a.features["latent"]["documentary_evidence"] >= 0.7]
    weak = [a for a in civil if a.features["latent"]["documentary_evidence"] < 0.35]
    assert (
        _share(strong, lambda a: a.outcome == "satisfied")
        > _share(weak, lambda a: a.outcome == "satisfied") + 0.2
    )
    confessed = [a for a in first if a.features["latent"].get("confession")]
    assert _share(confessed, lambda a: a.outcome == "acquitted") < 0.1


def test_utilities_follow_the_documented_model() -> None:
    latent = {
        "evidence_strength": 0.9,
        "confession": True,
        "alibi": False,
        "aggravating": 0,
        "mitigating": 1,
        "procedural_violation": False,
        "expert": "supports",
        "reconciliation": False,
        "multiple_counts": False,
    }
    judge = outcome_utilities("criminal", latent)
    assert judge["guilty"] > judge["acquitted"] and judge["partly_guilty"] == float("-inf")
    weak = {**latent, "evidence_strength": 0.1, "confession": False, "expert": "neutral"}
    assert (
        outcome_utilities("criminal_jury", weak)["guilty"]
        < outcome_utilities("criminal", weak)["guilty"]
    )
    reconciled = outcome_utilities("criminal", {**latent, "reconciliation": True})
    assert reconciled["terminated"] > 2


def test_names_do_not_influence_outcomes() -> None:
    base = generate_cases(600, seed=7)
    renamed = generate_cases(600, seed=7, people_seed=99)
    assert [a.case_id for a in base] == [a.case_id for a in renamed]
    assert [a.outcome for a in base] == [a.outcome for a in renamed]
    assert [a.appeal_outcome for a in base] == [a.appeal_outcome for a in renamed]
    assert [a.features for a in base] == [a.features for a in renamed]
    changed_judges = sum(a.judge != b.judge for a, b in zip(base, renamed, strict=True))
    changed_regions = sum(a.region != b.region for a, b in zip(base, renamed, strict=True))
    assert changed_judges > 0.8 * len(base) and changed_regions > 0.5 * len(base)
    for act in base:
        assert "judge" not in act.features and "judge" not in act.features["latent"]
        assert not {"region", "gender", "court"} & set(act.features["latent"])


def test_ground_truth_features(first: list[CourtAct]) -> None:
    by_article: dict[tuple[str, str], set[str]] = defaultdict(set)
    for act in first:
        f = act.features
        assert f["relevance_key"] == f"{act.category}|{f['main_article']}|{f['pattern_id']}"
        assert f["main_article"] == act.main_article
        assert set(f["utilities"]) <= set(outcomes_for(act.category))
        by_article[(act.category, f["main_article"])].add(f["pattern_id"])
    # Graded relevance needs articles shared by several fact patterns.
    assert sum(len(p) > 1 for p in by_article.values()) >= 4
    assert len({a.features["pattern_id"] for a in first}) >= 30


def test_source_document_round_trip(acts: list[CourtAct]) -> None:
    for act in acts[:400]:
        doc = act.to_source_document()
        assert doc.doc_type == "court_act" and doc.text == act.full_text()
        assert doc.category == act.category and doc.date == act.date and doc.lang == act.lang
        for key in (
            "court",
            "region",
            "instance",
            "articles",
            "outcome",
            "appeal_outcome",
            "cassation_outcome",
            "parent_case_id",
            "synthetic",
        ):
            assert key in doc.metadata
        json.dumps(doc.metadata, ensure_ascii=False)
        again = SourceDocument.model_validate_json(doc.model_dump_json())
        assert CourtAct.from_source_document(again) == act


def test_round_trip_rejects_edited_or_foreign_documents(acts: list[CourtAct]) -> None:
    doc = acts[0].to_source_document()
    with pytest.raises(ValueError, match="section_lengths"):
        CourtAct.from_source_document(doc.model_copy(update={"text": doc.text + " "}))
    with pytest.raises(ValueError, match="doc_type"):
        CourtAct.from_source_document(doc.model_copy(update={"doc_type": "law"}))


def test_schema_validation() -> None:
    base = {"case_id": "2-1-24", "lang": "ru", "category": "civil"}
    with pytest.raises(ValueError, match="not valid for category"):
        CourtAct(**base, outcome="guilty")
    with pytest.raises(ValueError, match="parent_case_id"):
        CourtAct(**base, parent_case_id="2-0-24")
    with pytest.raises(ValueError, match="article refs"):
        CourtAct(**base, articles=["ст. 917 ГК"])
    with pytest.raises(ValueError, match="unknown region"):
        CourtAct(**base, region="moscow")
    act = CourtAct(**base, articles=["ГК 917"], outcome="denied", region="almaty")
    assert act.main_article == "ГК 917" and act.full_text() == ""


def test_labels_cover_every_value() -> None:
    for values, labels in (
        (OUTCOMES, OUTCOME_LABELS),
        (CATEGORIES, CATEGORY_LABELS),
        (REVIEW_OUTCOMES, REVIEW_LABELS),
        (INSTANCES, INSTANCE_LABELS),
    ):
        for value in values:
            assert set(labels[value]) == {"kk", "ru", "en"}


def test_pattern_file_is_read_into_linked_records() -> None:
    read = patterns.PatternFile(patterns.DATA)
    murder = next(
        p for p in read.data["crime_patterns"] if p["id"] == "jury.murder_domestic_quarrel"
    )
    pattern = read.pattern(patterns.CrimePattern, murder)
    # Named slots, families and second counts are the shared records, not copies of text.
    assert pattern.slots["weapon"] is read.slots["weapon"]
    assert pattern.family is read.families[murder["family"]]
    assert pattern == next(p for p in patterns.CRIME_PATTERNS if p.id == murder["id"])
    assert all(isinstance(o, tuple) for o in pattern.slots["weapon"].options)


def test_pattern_file_names_an_unknown_field(tmp_path: Path) -> None:
    data = yaml.safe_load(patterns.DATA.read_text(encoding="utf-8"))
    data["claim_patterns"][0]["verdict"] = "satisfied"
    path = tmp_path / "patterns.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match=r"civ\.loan_receipt has unknown fields \['verdict'\]"):
        patterns.PatternFile(path)


def test_slot_option_must_give_every_form(tmp_path: Path) -> None:
    data = yaml.safe_load(patterns.DATA.read_text(encoding="utf-8"))
    data["slots"]["place"]["options"][0] = ["only one form"]
    path = tmp_path / "patterns.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ValueError, match="does not give forms"):
        patterns.PatternFile(path)
