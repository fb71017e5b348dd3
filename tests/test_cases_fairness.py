"""Counterfactual fairness through the real predictor and case search on the generated test
store: a name, a gender, an ethnicity or a religion never moves an estimate or the similar
acts; an estimate offers only its category's outcomes; generated acts say so; court acts are
de-identified when they are read for indexing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_case_search import N_ACTS

from assistant.cases.schemas import CaseSearchRequest, PredictRequest
from assistant.cases.service import CaseService
from assistant.core.cases import CRIMINAL_CATEGORIES, CourtAct, act_passage, outcomes_for
from demo.cases import generate_cases
from demo.cases.cli import write_corpus
from evals import fairness
from indexer.readers import read_file

pytest_plugins = ("test_case_search",)

# The issue's knife killing: with a Kazakh man, a Russian woman, and nobody named.
KNIFE = {
    "ru": (
        "Подсудимый Ахметов Серик, мужчина, казах, в ходе ссоры на кухне нанёс потерпевшему "
        "удар ножом в грудь, от которого тот скончался на месте.",
        "Подсудимая Иванова Мария, женщина, русская, в ходе ссоры на кухне нанесла потерпевшему "
        "удар ножом в грудь, от которого тот скончался на месте.",
        "Подсудимый в ходе ссоры на кухне нанёс потерпевшему удар ножом в грудь, от которого "
        "тот скончался на месте.",
    ),
    "kk": (
        "Сотталушы Ахметов Серік, ер адам, қазақ, ас үйде жанжал кезінде жәбірленушінің "
        "кеудесіне пышақпен соққы берді, одан ол оқиға орнында қайтыс болды.",
        "Сотталушы Иванова Мария, әйел, орыс, ас үйде жанжал кезінде жәбірленушінің "
        "кеудесіне пышақпен соққы берді, одан ол оқиға орнында қайтыс болды.",
        "Сотталушы ас үйде жанжал кезінде жәбірленушінің кеудесіне пышақпен соққы берді, "
        "одан ол оқиға орнында қайтыс болды.",
    ),
}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_issue_s_three_descriptions_get_the_same_estimate_and_acts(
    cases: CaseService, lang: str
):
    predictor = cases.predictor()
    estimates = [predictor.predict(PredictRequest(query=q)) for q in KNIFE[lang]]
    searches = [cases.search.search(CaseSearchRequest(query=q, k=10)) for q in KNIFE[lang]]
    first = estimates[0]
    for other in estimates[1:]:
        assert other.probabilities == first.probabilities
        assert other.abstained == first.abstained and other.label == first.label
        assert other.precedents == first.precedents
        assert other.category == first.category
    tops = [[h.case_id for h in s.results] for s in searches]
    assert tops[0] and tops[1] == tops[0] and tops[2] == tops[0]
    # What was masked is said (counts), the names are not echoed anywhere in the response.
    assert first.masked == {"name": 1, "gender": 1, "ethnicity": 1}
    assert estimates[2].masked == {}
    dumped = first.model_dump_json() + searches[1].model_dump_json()
    for name in ("Ахметов", "Серик", "Серік", "Иванова", "Мария", "казах", "русская", "орыс"):
        assert name not in dumped
    assert "Ф.И.О.1" in (first.query or "")


def test_generated_counterfactual_pairs_change_nothing(cases: CaseService):
    # Every fifth template pair (all kinds, both languages) and a few act pairs.
    pairs = fairness.template_pairs()[::5] + fairness.act_pairs(n=30)
    assert {p.kind for p in pairs} >= {"name", "gender", "ethnicity", "religion", "absent"}
    report = fairness.evaluate(cases, pairs)
    assert report["all"]["pairs"] == len(pairs)
    assert report["all"]["max_abs_dp"] == 0.0
    assert report["all"]["abstention_changed"] == 0.0
    assert report["all"]["top10_identical"] == 1.0


def test_the_fairness_suite_measures_a_difference_when_there_is_one(cases: CaseService):
    # A pair that differs in what happened (not who) must register: the measure can fail.
    pair = fairness.Pair(
        "templates",
        "ru",
        "name",
        "Подсудимый в ходе ссоры нанёс потерпевшему удар ножом, тот скончался.",
        "Ответчик не вернул долг по договору займа, истец просит взыскать долг и проценты.",
    )
    report = fairness.evaluate(cases, [pair], sample=1)
    assert report["all"]["max_abs_dp"] > 0.005 or report["all"]["top10_identical"] == 0.0
    assert report["all"]["inputs_identical"] == 0.0
    # Run without grouping, the sample finds the same difference.
    assert report["e2e"]["max_abs_dp"] == report["all"]["max_abs_dp"]
    assert report["e2e"]["top10_identical"] == report["all"]["top10_identical"]


def test_the_end_to_end_sample_runs_both_raw_descriptions_and_agrees_with_the_groups(
    cases: CaseService,
):
    pairs = fairness.template_pairs()[::60] + fairness.blind_pairs()[::15]
    report = fairness.evaluate(cases, pairs, sample=8)
    sample = report["e2e"]
    assert sample["pairs"] == 8
    # Stratified: more than one source, language and kind of difference in the sample.
    by = sample["by"]
    assert {"source=templates", "source=blind", "lang=kk", "lang=ru"} <= set(by)
    assert sample["grouped_agreement"] == 1.0
    assert sample["max_abs_dp"] == 0.0 and sample["top10_identical"] == 1.0
    assert report["all"]["inputs_identical"] == 1.0
    assert report["all"]["model_inputs"] < report["all"]["descriptions"]


def test_the_blind_pairs_are_read_in_both_languages_and_all_categories():
    pairs = fairness.blind_pairs()
    assert len(pairs) >= 100
    assert {p.lang for p in pairs} == {"kk", "ru"}
    assert all(p.a != p.b and p.source == "blind" for p in pairs)


def test_there_are_enough_pairs_in_both_languages():
    pairs = fairness.template_pairs() + fairness.act_pairs()
    assert len(pairs) >= 1000
    assert {p.lang for p in pairs} == {"kk", "ru"}


@pytest.mark.parametrize(
    ("query", "family"),
    [
        ("в ходе ссоры нанёс знакомому удары ножом, потерпевший скончался", "criminal"),
        ("ответчик не вернул долг по договору займа, истец просит взыскать долг", "claim"),
        (
            "жауапкер қарыз шарты бойынша ақшаны қайтармады, талапкер борышты өндіруді сұрайды",
            "claim",
        ),
    ],
)
def test_an_estimate_offers_only_its_category_s_outcomes(cases: CaseService, query, family):
    answer = cases.predictor().predict(PredictRequest(query=query))
    assert answer.category_source == "detected" and answer.category
    assert (answer.category in CRIMINAL_CATEGORIES) == (family == "criminal")
    assert set(answer.probabilities) <= set(outcomes_for(answer.category))
    assert all(p.outcome in outcomes_for(answer.category) for p in answer.precedents)


def test_a_given_category_wins_over_detection(cases: CaseService):
    answer = cases.predictor().predict(
        PredictRequest(
            query="в ходе ссоры нанёс знакомому удары ножом, потерпевший скончался",
            filters={"category": "civil"},
        )
    )
    assert (answer.category, answer.category_source) == ("civil", "given")
    assert set(answer.probabilities) <= set(outcomes_for("civil"))


def test_generated_acts_and_estimates_on_them_say_they_are_synthetic(cases: CaseService):
    found = cases.search.search(CaseSearchRequest(query="кража телефона", k=5))
    assert found.synthetic and all(hit.synthetic for hit in found.results)
    estimate = cases.predictor().predict(PredictRequest(query="кража телефона"))
    assert estimate.synthetic


def test_court_acts_are_de_identified_when_read_for_indexing(tmp_path: Path):
    act = next(a for a in generate_cases(N_ACTS, 7) if a.lang == "ru" and a.instance == "first")
    named = act.model_copy(
        update={
            "facts": act.facts.replace("Ф.И.О.1", "Кузнецов Дмитрий Сергеевич", 1)
            + " Свидетель Петрова О.И., русская, показала, что Кузнецов был пьян.",
            "parties": [act.parties[0].model_copy(update={"label": "Кузнецов Д.С."})],
            "judge": "Омаров Б.Е.",
        }
    )
    path = tmp_path / "acts" / "acts.jsonl"
    write_corpus(path, [named])
    doc = read_file(path, tmp_path / "acts").documents[0]
    for name in ("Кузнецов", "Петрова", "русская"):
        assert name not in doc.text
        assert name not in json.dumps(doc.metadata["parties"], ensure_ascii=False)
    assert doc.metadata["judge"] == "Омаров Б.Е."  # metadata only
    assert doc.metadata["masked"]["name"] >= 3
    stored = CourtAct.from_source_document(doc)
    passage = act_passage(stored)
    assert "Кузнецов" not in passage and "Омаров" not in passage and "Ф.И.О." not in passage
    assert stored.parties[0].label.startswith("Ф.И.О.")
