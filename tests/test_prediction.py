"""Advisory outcome prediction: abstention, what every answer carries, invariance to protected
attributes, and a model file that is plain data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_case_search import N_ACTS

from assistant.cases.model import PredictorModel
from assistant.cases.predict import Predictor
from assistant.cases.schemas import PredictRequest
from assistant.cases.service import CaseService
from assistant.core.cases import OUTCOMES, act_passage, neutral_text
from demo.cases import generate_cases

# The session store and services of the search tests.
pytest_plugins = ("test_case_search",)


@pytest.fixture(scope="session")
def fresh(cases: CaseService, tmp_path_factory: pytest.TempPathFactory) -> CaseService:
    """A service of its own with an empty model folder: other tests may already have trained
    and saved a model next to the shared store."""
    return CaseService(
        cases.search.retriever,
        cases.settings.model_copy(update={"model_dir": tmp_path_factory.mktemp("models")}),
        cases.store.path,
    )


@pytest.fixture(scope="session")
def predictor(fresh: CaseService) -> Predictor:
    assert not fresh.model_path.exists()
    found = fresh.predictor()
    # Trained on first use and saved for the next start.
    assert fresh.model_path.exists()
    return found


@pytest.mark.parametrize(
    ("query", "lang", "needle"),
    [
        ("qwerty asdf zxcv uiop", "en", "No similar court act"),
        ("рецепт борща со свёклой и капустой", "ru", "Похожих судебных актов не найдено"),
        ("ертең Астанада ауа райы күн ашық болады", "kk", "ұқсас сот актісі табылмады"),
    ],
)
def test_out_of_domain_descriptions_are_declined_with_a_reason(predictor, query, lang, needle):
    answer = predictor.predict(PredictRequest(query=query, lang=lang))
    assert answer.abstained and answer.label is None
    assert needle in (answer.reason or "")
    assert answer.probabilities and answer.disclaimer


def test_an_answer_carries_its_evidence(predictor: Predictor):
    answer = predictor.predict(
        PredictRequest(
            query="подсудимый в ходе ссоры нанес знакомому удары ножом, потерпевший скончался",
            filters={"category": "criminal_jury"},
        )
    )
    assert set(answer.probabilities) <= {"guilty", "acquitted", "partly_guilty", "terminated"}
    assert sum(answer.probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert answer.precedents and all(p.outcome in OUTCOMES for p in answer.precedents)
    assert answer.abstained == (answer.label is None)
    # The label is the model's rule on the probabilities shown, explained in the answer.
    weights = answer.label_weights
    assert set(weights) == set(predictor.model.classes) and max(weights.values()) == 1.0
    scored = {c: p * weights[c] for c, p in answer.probabilities.items()}
    assert answer.abstained or answer.label == max(scored, key=scored.__getitem__)
    assert "macro-F1" in answer.label_rule
    assert answer.baseline.label in OUTCOMES
    assert 0.0 <= answer.metrics.ece <= 1.0 and answer.metrics.n_test > 0
    assert answer.model_version == predictor.model.version
    assert "судь" in answer.disclaimer


def test_a_case_is_not_its_own_precedent(cases: CaseService, predictor: Predictor):
    record = next(r for r in cases.catalog.records if r.instance == "first" and r.outcome)
    answer = predictor.predict(PredictRequest(case_id=record.case_id))
    family = {record.case_id} | {
        r.case_id for r in cases.catalog.records if r.parent_case_id == record.case_id
    }
    assert family.isdisjoint(p.case_id for p in answer.precedents)


def test_names_gender_judge_court_and_region_do_not_change_the_estimate(predictor, case_acts):
    # Another people seed gives every act other names, genders, judge, court and region.
    others = generate_cases(N_ACTS, 7, people_seed=2024)
    pairs = [(a, b) for a, b in zip(case_acts, others, strict=True) if a.instance == "first"]
    changed = [
        (a, b) for a, b in pairs if (a.judge, a.court, a.parties) != (b.judge, b.court, b.parties)
    ]
    assert len(changed) > len(pairs) // 2
    genders = [
        (a, b) for a, b in changed if a.lang == "ru" and a.parties[0].gender != b.parties[0].gender
    ]
    assert genders and any(a.facts != b.facts for a, b in genders)
    # What is embedded for an indexed act is the same for both versions ...
    assert all(act_passage(a) == act_passage(b) for a, b in changed)
    # ... and so is the estimate for a description typed with the names and genders in it.
    for a, b in genders[:3]:
        assert neutral_text(a.facts) == neutral_text(b.facts)
        first = predictor.predict(PredictRequest(query=a.facts[:2000]))
        second = predictor.predict(PredictRequest(query=b.facts[:2000]))
        assert first.probabilities == second.probabilities
        assert first.precedents == second.precedents


def test_names_and_gender_in_a_description_are_neutralised():
    her = neutral_text("Подсудимая Ахметова А.Б. ударила Петрова, она скрылась.", "ru")
    him = neutral_text("Подсудимый Сапаров К.Д. ударил Петрову, он скрылся.", "ru")
    assert her == him
    # Names and their placeholders are gone from what features see.
    assert "Ахметов" not in her and "Петров" not in her and "Ф.И.О." not in her


def test_the_model_file_is_plain_json_and_round_trips(fresh: CaseService, predictor: Predictor):
    raw = fresh.model_path.read_bytes()
    data = json.loads(raw)  # plain JSON: nothing in it can execute on load
    assert data["version"] == predictor.model.version and data["data_hash"]
    folds = data["split"]["folds"]
    assert folds and all(f["train"] > f["test"] > 0 for f in folds)
    assert sum(f["test"] for f in folds) == data["metrics"]["n_test"]
    assert {"accuracy", "macro_f1", "brier", "ece", "coverage"} <= set(data["metrics"])
    loaded = PredictorModel.load(fresh.model_path)
    assert loaded == predictor.model
    features = np.random.default_rng(0).normal(size=(3, len(loaded.coef[0])))
    assert np.array_equal(
        loaded.classifier_probs(features), predictor.model.classifier_probs(features)
    )
    broken = fresh.model_path.with_name("broken.json")
    broken.write_text(json.dumps({**data, "coef": data["coef"][:-1]}), "utf-8")
    with pytest.raises(ValueError):
        PredictorModel.load(broken)
    assert len(data["decision"]["log_weights"]) == len(data["classes"])
    broken.write_text(json.dumps({**data, "decision": {"log_weights": [0.0]}}), "utf-8")
    with pytest.raises(ValueError):
        PredictorModel.load(broken)
