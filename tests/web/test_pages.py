"""The server-rendered page without JavaScript: forms post or get to routes that render results."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.cases.deviation import deviation
from assistant.core.text import fold
from assistant.locales import text
from assistant.services import Services
from tests.test_api import wait_ready
from tests.web.conftest import feedback_rows

MARK = re.compile(r"<mark>([^<]*)</mark>")


@pytest.fixture(scope="module")
def client(web_services: Services):
    with TestClient(create_app(web_services.settings, web_services)) as client:
        wait_ready(client)
        yield client


@pytest.fixture(scope="module")
def first_instance(web_services: Services) -> str:
    """A decided first-instance act that was appealed."""
    return next(
        r.case_id
        for r in web_services.cases.catalog.records
        if r.instance == "first" and r.outcome and r.appeal_outcome != "none"
    )


@pytest.fixture(scope="module")
def deviating(web_services: Services) -> str:
    """A first-instance act whose outcome its closest peers did not reach."""
    service = web_services.cases
    catalog = service.catalog
    return next(
        r.case_id
        for i, r in enumerate(catalog.records)
        if r.instance == "first" and deviation(catalog, i, service.search.rule)
    )


def _marks(html: str) -> list[str]:
    return [unescape(m) for m in MARK.findall(html)]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_start_page_speaks_the_chosen_language(client: TestClient, lang: str):
    response = client.get("/", params={"lang": lang})
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    assert unescape(text(lang, "web.ask.title")) in unescape(response.text)
    assert response.cookies.get("alqabi_lang") == lang
    # Remembered for the next page without ?lang=.
    client.cookies.set("alqabi_lang", lang)
    assert f'<html lang="{lang}">' in client.get("/search").text
    client.cookies.clear()


def test_an_unknown_language_falls_back_to_the_default(client: TestClient):
    response = client.get("/", params={"lang": "de"})
    assert '<html lang="kk">' in response.text and "alqabi_lang" not in response.cookies


def test_pages_load_nothing_from_outside(client: TestClient):
    page = client.get("/", params={"lang": "ru"})
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page.text)
    assert "style=" not in page.text and "<script>" not in page.text
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200


def test_ask_by_form_post_shows_the_answer_with_numbered_sources(client: TestClient):
    response = client.post(
        "/ask?lang=ru", data={"question": "сколько платят присяжным?", "session_id": "web-t1"}
    )
    assert response.status_code == 200
    html = response.text
    assert text("ru", "web.ask.kind.faq") in html
    assert 'href="#src-1"' in html and '<details id="src-1">' in html
    passage = re.search(r'<blockquote class="passage">([^<]+)</blockquote>', html)
    assert passage and "присяжн" in passage.group(1).lower()
    # The vote form carries what the feedback route needs.
    for name in ("question", "answer", "kind", "session_id", "sources"):
        assert f'name="{name}"' in html
    assert 'value="web-t1"' in html


def test_a_follow_up_in_the_same_session_keeps_the_topic(client: TestClient):
    client.post("/ask?lang=kk", data={"question": "Алқаби кім бола алады?", "session_id": "web-t2"})
    html = client.post(
        "/ask?lang=kk", data={"question": "ал айыппұл ше?", "session_id": "web-t2"}
    ).text
    assert text("kk", "web.ask.resolved", question="").split("«")[0] in html


def test_refusals_are_shown_as_such(client: TestClient):
    html = client.post("/ask?lang=ru", data={"question": "рецепт плова"}).text
    assert "kind-refusal" in html and text("ru", "web.ask.kind.refusal") in html


@pytest.mark.parametrize(
    ("question", "key"), [("   ", "web.error.empty"), ("а" * 2001, "web.error.too_long")]
)
def test_bad_questions_get_a_localised_message(client: TestClient, question: str, key: str):
    response = client.post("/ask?lang=ru", data={"question": question})
    assert response.status_code == 422
    message = text("ru", key, limit=2000)
    assert message in unescape(response.text)
    # What was typed is kept in the box.
    assert question[:50] in response.text


def test_feedback_without_javascript_is_stored_then_redirected(
    client: TestClient, web_services: Services
):
    before = len(feedback_rows(web_services))
    response = client.post(
        "/feedback?lang=ru",
        data={
            "question": "сколько платят присяжным?",
            "answer": "Присяжный получает 50% оклада судьи.",
            "vote": "up",
            "answer_lang": "ru",
            "kind": "faq",
            "session_id": "web-t3",
            "sources": ["faq-pay-amount-ru#0"],
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/?lang=ru&feedback=stored"
    rows = feedback_rows(web_services)
    assert len(rows) == before + 1
    assert rows[-1]["vote"] == "up" and rows[-1]["sources"] == '["faq-pay-amount-ru#0"]'
    assert "web-t3" not in str(rows[-1])  # the session is only stored hashed
    thanks = client.get(response.headers["location"]).text
    assert text("ru", "web.ask.feedback.thanks") in thanks


def test_a_bad_vote_is_not_stored(client: TestClient):
    response = client.post(
        "/feedback", data={"question": "q", "answer": "a", "vote": "maybe"}, follow_redirects=False
    )
    assert response.headers["location"].endswith("feedback=failed")


def test_search_typed_without_kazakh_letters_highlights_kazakh_words(client: TestClient):
    response = client.get("/search", params={"q": "алкаби айыппул", "lang": "kk"})
    assert response.status_code == 200
    marks = _marks(response.text)
    assert marks
    # The query has no Kazakh letters; the words it found do.
    assert any(re.search("[әғқңөұүһі]", m.lower()) for m in marks)
    assert all(fold(m).startswith(("алкаби", "айыппул")) for m in marks), marks


def test_search_filters_by_language_document_and_kind(client: TestClient, web_services):
    ru = client.get("/search", params={"q": "штраф", "doc_lang": "ru"}).text
    langs = re.findall(r'<li class="panel hit" lang="(\w+)"', ru)
    assert langs and set(langs) == {"ru"}
    knowledge = web_services.answers.knowledge(web_services.require())
    doc = next(d for d in knowledge.docs.values() if d.doc_type == "guidance" and d.lang == "ru")
    one = client.get("/search", params={"q": "суд", "doc": doc.doc_id}).text
    titles = re.findall(r"<h3>([^<]+)</h3>", one)
    assert titles and {unescape(t) for t in titles} == {doc.title}
    assert f'<option value="{doc.doc_id}" selected>' in one
    faq = client.get("/search", params={"q": "присяжный", "doc_type": "faq", "lang": "en"}).text
    kinds = re.findall(r'<span class="badge">([^<]+)</span>\s*<span class="badge">', faq)
    assert kinds and set(kinds) == {"FAQ"}


def test_search_with_an_empty_query_shows_just_the_form(client: TestClient):
    response = client.get("/search")
    assert response.status_code == 200 and "results-h" not in response.text
    assert client.get("/search", params={"q": "?!"}).status_code == 422


def test_case_search_with_filters_shows_outcomes_badges_and_the_chart(
    client: TestClient, web_services: Services
):
    response = client.get(
        "/cases",
        params={
            "q": "в ходе ссоры нанес удары ножом",
            "category": "criminal",
            "instance": "first",
            "k": 20,
            "lang": "ru",
        },
    )
    assert response.status_code == 200
    html = response.text
    ids = re.findall(r'<h3><a href="/cases/([^"]+)">', html)
    assert ids
    catalog = web_services.cases.catalog
    records = [catalog.records[catalog.position(i)] for i in ids]
    assert all(r.category == "criminal" and r.instance == "first" for r in records)
    assert html.count("уголовное дело</span>") == html.count("первая инстанция</span>") == len(ids)
    counts = [int(n) for n in re.findall(r'<td class="num">(\d+) ', html)]
    assert sum(counts) == sum(1 for r in records if r.outcome)
    assert '<svg class="bar"' in html and _marks(html)
    # Chosen filters stay chosen.
    assert '<option value="criminal" selected>' in html
    assert 'value="first" checked' in html


def test_case_search_by_number_and_its_errors(client: TestClient, first_instance: str):
    found = client.get("/cases", params={"case_id": first_instance})
    assert found.status_code == 200 and first_instance not in re.findall(
        r'<h3><a href="/cases/([^"]+)"', found.text
    )
    missing = client.get("/cases", params={"case_id": "9-9999-99", "lang": "ru"})
    assert missing.status_code == 404
    assert text("ru", "web.error.not_found", case_id="9-9999-99") in unescape(missing.text)
    both = client.get("/cases", params={"case_id": first_instance, "q": "кража", "lang": "ru"})
    assert both.status_code == 422 and text("ru", "web.error.both") in both.text
    bad_date = client.get("/cases", params={"q": "кража", "date_from": "2020-13-45"})
    assert bad_date.status_code == 422 and "date_from" in bad_date.text


def test_deviation_flags_show_their_neighbours(
    client: TestClient, web_services: Services, deviating: str
):
    facts = web_services.cases.catalog.act(deviating).facts
    html = client.get("/cases", params={"q": facts[:400], "lang": "ru"}).text
    hit = next(h for h in html.split('<li class="panel hit">') if f'href="/cases/{deviating}"' in h)
    flag = hit.split('class="flag"')[1]
    neighbours = re.findall(r'<li><a href="/cases/([^"]+)">', flag)
    assert len(neighbours) >= 5 and deviating not in neighbours
    assert "Отклонение от практики" in flag
    detail = client.get(f"/cases/{deviating}", params={"lang": "ru"}).text
    assert 'class="flag"' in detail and "Отклонение от практики" in detail


def test_case_detail_shows_the_act_and_its_reviews(client: TestClient, first_instance: str):
    response = client.get(f"/cases/{first_instance}", params={"lang": "ru"})
    assert response.status_code == 200
    html = response.text
    assert first_instance in html and text("ru", "web.act.sections.facts") in html
    review = re.search(r'<a href="/cases/([^"]+)">[^<]+</a> — апелляционная', html)
    assert review
    back = client.get(f"/cases/{review.group(1)}").text
    assert f'href="/cases/{first_instance}"' in back
    assert client.get("/cases/9-9999-99").status_code == 404


def test_estimate_for_a_case_shows_probabilities_precedents_and_figures(
    client: TestClient, first_instance: str
):
    response = client.get("/estimate", params={"case_id": first_instance, "lang": "ru"})
    assert response.status_code == 200
    html = unescape(response.text)
    assert 'class="disclaimer"' in html and "судь" in html
    assert '<svg class="stack' in html and html.count('<rect class="o-') >= 1
    percents = [int(p) for p in re.findall(r"<strong>(\d+) %</strong>", html)]
    assert percents and abs(sum(percents) - 100) <= len(percents)
    assert text("ru", "web.estimate.precedents") in html
    for key in ("accuracy", "brier", "ece", "coverage"):
        assert text("ru", f"web.estimate.{key}") in html
    assert "Базовый уровень" in html


def test_an_out_of_domain_description_is_an_abstention(client: TestClient):
    html = client.get(
        "/estimate", params={"q": "рецепт борща со свёклой и капустой", "lang": "ru"}
    ).text
    assert text("ru", "web.estimate.abstained") in html
    assert "Похожих судебных актов не найдено" in unescape(html)
    assert text("ru", "web.estimate.label") not in html
    assert 'class="disclaimer"' in html


def test_the_disclaimer_is_there_before_any_estimate(client: TestClient):
    html = client.get("/estimate", params={"lang": "kk"}).text
    assert 'class="disclaimer"' in html and "судья" in html


def test_every_template_key_exists_in_every_locale():
    from pathlib import Path

    from assistant.core.schemas import LANGS
    from assistant.locales import messages

    templates = Path(__file__).resolve().parents[2] / "assistant" / "web" / "templates"
    keys = {
        k
        for path in templates.glob("*.html")
        for k in re.findall(r"""\bt\(["']([\w.]+)["']""", path.read_text(encoding="utf-8"))
    }
    assert len(keys) > 50
    for lang in LANGS:
        for key in keys:
            node = messages(lang)["web"]
            for part in key.rstrip(".").split("."):
                node = node[part]
            # "nav." ~ section: a prefix whose every entry is a string.
            values = node.values() if key.endswith(".") else [node]
            assert all(isinstance(v, str) and v for v in values), (lang, key)


def test_the_page_is_rate_limited_like_the_api(web_services: Services):
    settings = web_services.settings.model_copy(
        update={
            "api": web_services.settings.api.model_copy(
                update={"rate_per_minute": 1, "rate_burst": 2}
            )
        }
    )
    app = create_app(settings, web_services)
    with TestClient(app, client=("203.0.113.7", 50000)) as client:
        wait_ready(client)
        assert client.get("/").status_code == 200  # the start page costs nothing: not counted
        statuses = [client.get("/search", params={"q": "штраф"}).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert client.post("/ask", data={"question": "штраф"}).status_code == 429
        assert client.get("/static/app.css").status_code == 200


def test_what_a_user_types_is_escaped(client: TestClient):
    typed = '<script>alert(1)</script>"><b>присяжные</b>'
    for response in (
        client.post("/ask", data={"question": typed}),
        client.get("/search", params={"q": typed}),
        client.get("/cases", params={"q": typed}),
        client.get("/cases", params={"case_id": typed}),
    ):
        assert "<script>alert" not in response.text and "<b>присяжные" not in response.text
        assert "&lt;script&gt;" in response.text


@pytest.mark.parametrize(
    ("path", "lang"), [("/estimate", "ru"), ("/cases", "kk"), ("/cases", "en")]
)
def test_a_description_with_names_is_shown_de_identified_with_what_was_masked(
    client: TestClient, path: str, lang: str
):
    q = "Подсудимая Иванова Мария, женщина, русская, в ходе ссоры нанесла удар ножом."
    html = unescape(client.get(path, params={"q": q, "lang": lang}).text)
    for word in ("Иванова", "Мария", "женщина", "русская"):
        assert word not in html
    assert "Ф.И.О.1" in html  # the form shows the description as it was used
    note = re.search(r'<p class="notice" role="status" id="masked">([^<]+)</p>', html)
    assert note and text(lang, "web.deid.kind.name") in note.group(1)
    # The test store holds generated acts: the page says so, with a badge.
    assert text(lang, "web.deid.synthetic_note") in html
    assert 'class="badge synthetic"' in html


def test_an_estimate_shows_its_category_and_where_it_came_from(client: TestClient):
    q = "в ходе ссоры нанёс знакомому удары ножом, потерпевший скончался"
    html = unescape(client.get("/estimate", params={"q": q, "lang": "ru"}).text)
    line = re.search(r'<p class="meta" id="category">([^<]+)</p>', html)
    assert line and text("ru", "web.deid.source.detected") in line.group(1)
    assert "уголовное дело" in line.group(1)
