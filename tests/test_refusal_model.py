"""The learned refusal model: its training questions, its thresholds, its decisions on questions
written here (none of them in its training data), and through the answer engine."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from assistant.answer.engine import AnswerEngine
from assistant.answer.models import RefusalReason
from assistant.answer.refusal_model import refusal_model
from assistant.core.query import Query
from evals.refusal_model import CLASSES, TRAINING, thresholds, written_questions
from tests.test_answer_store import REPO, answer_services


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return answer_services(tmp_path_factory.getbasetemp())


def _vector(services, question: str) -> np.ndarray:
    loaded = services.require()
    lexicon = services.answers.knowledge(loaded).lexicon
    return loaded.retriever.embedder.embed_queries([Query.of(question, lexicon).text])[0]


def test_training_questions_are_no_eval_questions():
    """Written blind: none is within a fuzzy ratio of 85 of any question of an eval set."""
    asked = [
        json.loads(line)["question"].lower()
        for path in (REPO / "evals" / "datasets").glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and "question" in json.loads(line)
    ]
    written = written_questions()
    for text, _, _ in written:
        match = process.extractOne(text.lower(), asked, scorer=fuzz.ratio)
        assert match is None or match[1] < 85, (text, match)
    counts = Counter((lang, cls) for _, lang, cls in written)
    for lang in ("kk", "ru", "en"):
        for cls in CLASSES:
            assert counts[lang, cls] >= 20, (lang, cls)
    assert len({t for t, _, _ in written}) == len(written)
    assert sorted(p.name for p in TRAINING.glob("*.jsonl"))


@pytest.mark.parametrize(
    "question",
    [
        "Как поменять водительские права после переезда в Астану?",
        "Ертең Алматыда ауа райы қандай болады?",
        "What is the best recipe for beshbarmak?",
        "Сколько стоит аренда квартиры в Караганде?",
    ],
)
def test_everyday_questions_are_off_topic_when_no_entry_is_confident(services, question):
    vector = _vector(services, question)
    assert refusal_model().decide(vector, faq_score=0.0) is RefusalReason.OFF_TOPIC
    # A confident FAQ match is never overruled.
    assert refusal_model().decide(vector, faq_score=1.0) is None


@pytest.mark.parametrize(
    "question",
    [
        "Сколько платят присяжным за один день?",
        "Мне 70 лет, обязан ли я идти в присяжные?",
        "Алқаби болу үшін неше жас керек?",
        "My employer says he will fire me if I serve on a jury. Can he?",
    ],
)
def test_jury_duty_questions_are_not_refused_by_it(services, question):
    assert refusal_model().decide(_vector(services, question), faq_score=0.0) is None


@pytest.mark.parametrize(
    "question",
    [
        # Personal, with a boss, a fine, a conviction: jury duty all the same. The model's
        # personal-advice class alone would refuse some such; it is heeded only under a weak
        # FAQ match, and these have a strong one.
        "Начальник сказал, что уволит меня, если я пойду в присяжные. Он имеет право?",
        "Меня вызвали кандидатом в присяжные, а я не пришёл. Какой штраф мне грозит?",
        "Менің інім бұрын сотталған, мен алқаби бола аламын ба?",
    ],
)
def test_personal_jury_duty_questions_are_answered_through_the_engine(services, question):
    answer = AnswerEngine(services.settings).ask(services.require(), question)
    assert answer.kind != "refusal"


def test_jury_trivia_is_refused_as_unsupported_through_the_engine(services):
    answer = AnswerEngine(services.settings).ask(
        services.require(), "Какой любимый фильм у присяжных заседателей?"
    )
    assert answer.kind == "refusal"
    assert answer.refusal_reason == RefusalReason.NO_SUPPORT


class _Probabilities:
    """Stands in for the fitted regression: fixed class probabilities per dev row."""

    def __init__(self, p: list[list[float]]) -> None:
        self.p = np.asarray(p)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return self.p


def test_thresholds_refuse_no_question_to_be_answered_with_a_margin():
    # Columns: answerable, personal_advice, off_topic.
    p = [
        [0.1, 0.0, 0.9],  # off topic, weak FAQ match: caught
        [0.05, 0.0, 0.95],  # off topic, weak FAQ match: caught
        [0.1, 0.0, 0.9],  # off topic, confident FAQ match
        [0.2, 0.0, 0.8],  # to be answered, weak FAQ match: sets the probability floor
        [0.0, 0.0, 1.0],  # to be answered, confident FAQ match: sets the FAQ score ceiling
        [0.9, 0.1, 0.0],  # to be answered
    ]
    faq = np.asarray([0.01, 0.02, 0.9, 0.01, 0.9, 0.5])
    classes = ["off_topic", "off_topic", "off_topic", None, None, None]
    chosen, report = thresholds(_Probabilities(p), np.zeros((6, 1)), faq, classes)
    t, s = chosen["off_topic"]
    assert 0.8 + 0.03 <= t <= 0.9 and s <= 0.9 - 0.05
    assert report["answerable_refused"] == 0
    assert report["caught_by_class"]["off_topic"] == [2, 3]
