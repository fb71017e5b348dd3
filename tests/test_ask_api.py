"""``POST /v1/ask`` and ``GET /v1/topics`` over HTTP, including bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from tests.test_answer_store import answer_services
from tests.test_api import wait_ready


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    services = answer_services(tmp_path_factory.getbasetemp())
    with TestClient(create_app(services.settings, services)) as client:
        wait_ready(client)
        yield client


def test_ask_returns_the_documented_shape(client):
    response = client.post("/v1/ask", json={"question": "сколько платят присяжным?"})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "faq" and body["lang"] == "ru"
    assert 0 <= body["confidence"] <= 1
    source = body["sources"][0]
    for key in ("doc_id", "chunk_id", "title", "text", "score", "source", "lang"):
        assert key in source
    assert body["citations"]


def test_ask_follows_a_session(client):
    client.post("/v1/ask", json={"question": "Алқаби кім бола алады?", "session_id": "tg-1"})
    body = client.post("/v1/ask", json={"question": "ал айыппұл ше?", "session_id": "tg-1"}).json()
    assert body["topic"] == "fines" and body["lang"] == "kk"


def test_ask_refusal_is_a_200_with_a_reason(client):
    body = client.post("/v1/ask", json={"question": "рецепт плова"}).json()
    assert body["kind"] == "refusal" and body["refusal_reason"] == "off_topic"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "empty"),
        ({"question": "а" * 2001}, "question"),
        ({"question": "алқаби", "lang": "de"}, "lang"),
        ({"question": "алқаби", "session_id": "a b"}, "session_id"),
        ({}, "question"),
        (["алқаби"], "body"),
    ],
)
def test_bad_ask_requests_get_problem_details(client, body, needle):
    response = client.post("/v1/ask", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert needle in response.json()["detail"]


def test_huge_and_broken_ask_bodies(client):
    assert client.post("/v1/ask", json={"question": "а" * 100_000}).status_code == 413
    broken = client.post(
        "/v1/ask", content=b'{"question": "x"', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and broken.json()["title"] == "Invalid request"


def test_topics_list_and_detail(client):
    listing = client.get("/v1/topics", params={"lang": "ru"}).json()
    assert listing["lang"] == "ru"
    assert [t["topic"] for t in listing["topics"]] == ["eligibility", "pay-guarantees", "fines"]
    detail = client.get("/v1/topics/pay-guarantees", params={"lang": "kk"}).json()
    assert detail["lang"] == "kk" and detail["title"].startswith("Алқабиге")
    assert detail["summary"] and detail["citations"] and detail["next"]
    default = client.get("/v1/topics/fines").json()  # service default language: kk
    assert default["lang"] == "kk" and default["content_lang"] == "ru"


def test_unknown_topic_is_a_404_problem(client):
    response = client.get("/v1/topics/weather", params={"lang": "ru"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "eligibility" in response.json()["detail"]
    assert client.get("/v1/topics/Bad Topic").status_code == 422
