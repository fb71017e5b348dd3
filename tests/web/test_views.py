"""What the page computes before rendering: highlighted words, references in answers, charts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistant.answer.models import Answer, AnswerSource
from assistant.web.answer_view import answer_pieces, passage_text, source_views
from assistant.web.charts import distribution, stacked
from assistant.web.highlight import highlight, query_terms

PASSAGE = (
    "Алқабилер сотқа қатысқан әр күні үшін ақы алады. Алқа мүшелері ант береді. "
    "Присяжному заседателю выплачивается вознаграждение."
)


def _marked(passage: str, query: str, lang=None, fuzzy=None) -> list[str]:
    return [s.text for s in highlight(passage, query_terms(query), lang, fuzzy) if s.match]


def test_a_query_without_kazakh_letters_marks_the_kazakh_words():
    assert _marked(PASSAGE, "алкабилер акы", "kk") == ["Алқабилер", "ақы"]


def test_inflected_russian_forms_match():
    assert _marked(PASSAGE, "присяжные вознаграждения", "ru") == [
        "Присяжному",
        "вознаграждение",
    ]


def test_a_typo_matches_only_by_spelling_and_only_when_asked():
    assert _marked(PASSAGE, "вознагрождение", "ru") == []
    assert _marked(PASSAGE, "вознагрождение", "ru", fuzzy=80) == ["вознаграждение"]
    # A shorter word that only starts the same is another word.
    assert "Алқа" not in _marked(PASSAGE, "алкаби", "kk", fuzzy=80)


def test_stopwords_and_an_empty_query_mark_nothing():
    assert _marked(PASSAGE, "и для үшін") == []
    assert highlight(PASSAGE, frozenset()) == [(PASSAGE, False)]


@given(st.text(max_size=200), st.text(max_size=40))
def test_segments_put_back_together_are_the_passage(passage: str, query: str):
    segments = highlight(passage, query_terms(query), "kk", 80)
    assert "".join(s.text for s in segments) == passage
    assert all(s.text for s in segments)


def _source(n: int, text: str) -> AnswerSource:
    return AnswerSource(
        doc_id=f"d{n}", chunk_id=f"d{n}#0", title=f"T{n}", text=text, score=1.0, source="x.md"
    )


def test_generated_answers_keep_their_numbered_references():
    answer = Answer(
        answer="Присяжному платят [1]. Неявка наказывается штрафом [2][1]. Прочее [7].",
        lang="ru",
        kind="generative",
        sources=[_source(1, "a"), _source(2, "b")],
        confidence=0.5,
    )
    pieces = answer_pieces(answer)
    assert [(p.text, p.refs) for p in pieces] == [
        ("Присяжному платят", [1]),
        (". Неявка наказывается штрафом", [2, 1]),
        (". Прочее [7].", []),
    ]


def test_quoted_sentences_point_at_the_passages_that_hold_them():
    answer = Answer(
        answer="Алқаби ант береді. Ақы төленеді. Ақы бюджеттен төленеді.",
        lang="kk",
        kind="extractive",
        sources=[
            _source(1, "## Ант\nІріктеуден кейін. Алқаби ант береді."),
            _source(2, "Ақы төленеді. Ақы бюджеттен төленеді."),
        ],
        confidence=0.5,
    )
    pieces = answer_pieces(answer)
    assert [p.refs for p in pieces] == [[1], [2]]
    assert "".join(p.text for p in pieces) == answer.answer
    views = source_views(answer)
    assert [v.n for v in views] == [1, 2] and views[0].text.startswith("Іріктеуден")


def test_an_answer_found_in_no_passage_rests_on_all_of_them():
    answer = Answer(
        answer="Рефразированный ответ.",
        lang="ru",
        kind="faq",
        sources=[_source(1, "Другой текст.")],
        confidence=0.9,
    )
    assert [p.refs for p in answer_pieces(answer)] == [[1]]


def test_passage_text_drops_markdown_headings_only():
    assert passage_text("# Т\n\n## Бөлім\nМәтін.\n# x") == "Мәтін."
    assert passage_text("#1 орын") == "#1 орын"


def test_charts_scale_to_the_largest_and_to_one():
    bars = distribution({"guilty": 6, "acquitted": 2, "terminated": 0})
    assert [(b.outcome, b.width) for b in bars] == [("guilty", 100.0), ("acquitted", 33.33)]
    assert sum(b.share for b in bars) == 1.0
    segments = stacked({"acquitted": 0.25, "guilty": 0.75})
    assert [(s.outcome, s.x, s.width) for s in segments] == [
        ("guilty", 0.0, 75.0),
        ("acquitted", 75.0, 25.0),
    ]
