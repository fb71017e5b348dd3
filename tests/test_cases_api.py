"""``/v1/cases``: search, predict and show, and problem details for bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.services import Services
from tests.test_api import wait_ready

# The session store and services of the search tests.
pytest_plugins = ("test_case_search",)


@pytest.fixture(scope="module")
def client(case_settings, case_services: Services):
    with TestClient(create_app(case_settings, case_services)) as client:
        wait_ready(client)
        yield client


@pytest.fixture(scope="module")
def known_case(case_services: Services) -> str:
    return next(r.case_id for r in case_services.cases.catalog.records if r.instance == "first")


def test_search_answers_in_the_documented_shape(client: TestClient):
    response = client.post(
        "/v1/cases/search",
        json={
            "query": "иск о взыскании долга по договору займа",
            "k": 5,
            "filters": {"category": "civil"},
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"results", "outcome_summary", "query", "masked", "synthetic"}
    # The description as used (de-identified: nothing to mask here), and demo data said so.
    assert body["query"] == "иск о взыскании долга по договору займа" and body["masked"] == {}
    assert body["synthetic"] is True
    first = body["results"][0]
    keys = {
        "case_id",
        "title",
        "court",
        "category",
        "date",
        "outcome",
        "appeal_outcome",
        "cassation_outcome",
        "score",
        "snippet",
        "deviation",
        "synthetic",
    }
    assert keys <= set(first)
    assert all(r["category"] == "civil" for r in body["results"])
    assert sum(body["outcome_summary"].values()) <= 5


def test_predict_and_show(client: TestClient, known_case: str):
    answer = client.post("/v1/cases/predict", json={"case_id": known_case, "lang": "en"})
    assert answer.status_code == 200
    keys = {
        "abstained",
        "reason",
        "label",
        "probabilities",
        "precedents",
        "baseline",
        "metrics",
        "model_version",
        "disclaimer",
    }
    assert keys <= set(answer.json())
    act = client.get(f"/v1/cases/{known_case}")
    assert act.status_code == 200
    assert act.json()["case_id"] == known_case and act.json()["facts"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "needle"),
    [
        ("get", "/v1/cases/9-9999-99", None, 404, "9-9999-99"),
        ("post", "/v1/cases/search", {"case_id": "9-9999-99"}, 404, "9-9999-99"),
        ("post", "/v1/cases/predict", {"case_id": "9-9999-99"}, 404, "9-9999-99"),
        ("post", "/v1/cases/search", {"query": "   "}, 422, "empty"),
        ("post", "/v1/cases/predict", {"query": ""}, 422, "empty"),
        ("post", "/v1/cases/search", {"k": 3}, 422, "either query"),
        ("post", "/v1/cases/predict", {"query": "кража", "case_id": "1-1000-20"}, 422, "not both"),
        ("post", "/v1/cases/search", {"query": "кража " * 500}, 422, "limit"),
        ("post", "/v1/cases/search", {"query": "кража", "k": 0}, 422, "k"),
        (
            "post",
            "/v1/cases/predict",
            {"query": "кража", "filters": {"region": "astana"}},
            422,
            "region",
        ),
        (
            "post",
            "/v1/cases/search",
            {"query": "кража", "filters": {"category": "x"}},
            422,
            "category",
        ),
    ],
)
def test_bad_requests_get_problem_details(client, method, path, body, status, needle):
    response = getattr(client, method)(path, **({"json": body} if body is not None else {}))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert needle in response.json()["detail"]


def test_a_huge_description_is_refused(client: TestClient):
    response = client.post("/v1/cases/predict", json={"query": "кража " * 20_000})
    assert response.status_code == 413
