"""HTTP API: health, readiness, search and clear errors for bad input."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.services import Services
from indexer.pipeline import Indexer


def wait_ready(client: TestClient, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get("/ready")
        if response.status_code == 200:
            return response.json()
        time.sleep(0.1)
    raise AssertionError("service did not become ready")


@pytest.fixture
def client(corpus, settings, embedder):
    Indexer(settings, embedder, progress=False).run([corpus])
    with TestClient(create_app(settings, Services(settings, embedder))) as client:
        wait_ready(client)
        yield client


def test_ready_is_503_until_a_store_exists(corpus, settings, embedder):
    with TestClient(create_app(settings, Services(settings, embedder))) as client:
        assert client.get("/health").json() == {"status": "ok"}
        not_ready = client.get("/ready")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"].startswith("application/problem+json")
        assert "alqabi index" in not_ready.json()["detail"]
        assert client.post("/v1/search", json={"query": "алқаби"}).status_code == 503
        # The service picks the store up once it is built, without a restart.
        Indexer(settings, embedder, progress=False).run([corpus])
        info = wait_ready(client)
        assert info["documents"] == 4


def test_search_returns_results_in_the_documented_shape(client):
    response = client.post(
        "/v1/search", json={"query": "алкабиге ақы", "k": 3, "filters": {"lang": "kk"}}
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert 1 <= len(results) <= 3
    first = results[0]
    for key in ("doc_id", "chunk_id", "title", "text", "score", "source", "lang"):
        assert key in first
    assert first["doc_id"] == "pay-kk"
    assert all(r["lang"] == "kk" for r in results)
    assert not first["source"].startswith("/")


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"query": "   "}, 422, "empty"),
        ({"query": ""}, 422, "query"),
        ({"query": "алқаби", "k": 0}, 422, "k"),
        ({"query": "алқаби", "filters": {"lang": ["xx"]}}, 422, "lang"),
        ({"k": 3}, 422, "query"),
        ({"query": "а" * 3000}, 422, "limit"),
    ],
)
def test_bad_search_requests_get_problem_details(client, body, status, needle):
    response = client.post("/v1/search", json=body)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert needle in response.json()["detail"]


def test_huge_and_broken_bodies(client):
    huge = client.post("/v1/search", json={"query": "а" * 100_000})
    assert huge.status_code == 413
    assert "larger than" in huge.json()["detail"]
    broken = client.post(
        "/v1/search", content=b'{"query": "x"', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["title"] == "Invalid request"
