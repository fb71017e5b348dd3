"""Access: admin token, per-client rate limits, CORS, field size limits, no code-executing
deserialisation anywhere."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.api.limits import TokenBuckets
from assistant.services import Services
from tests.hardening.conftest import Record, app_settings, client_for

REPO = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-admin-token-for-tests-0123456789"
ADMIN_ROUTES = [
    ("post", "/v1/admin/reindex"),
    ("delete", "/v1/admin/documents/pay-kk"),
    ("get", "/v1/admin/feedback/export"),
    ("post", "/v1/admin/model/reload"),
    ("get", "/v1/admin/jobs"),
]


def test_admin_routes_do_not_exist_without_a_token(api: TestClient):
    for method, path in ADMIN_ROUTES:
        response = api.request(method, path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer " + "я" * 40],
)
def test_wrong_or_missing_token_is_401_with_a_challenge(shared_services: Services, header):
    settings = app_settings(shared_services, admin={"token": TOKEN})
    with client_for(shared_services, settings) as client:
        for method, path in ADMIN_ROUTES:
            headers = {"Authorization": header.encode()} if header else {}
            response = client.request(method, path, headers=headers)
            assert response.status_code == 401, (path, header)
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert TOKEN not in response.text


def test_admin_with_the_token_exports_feedback_and_guards_deletes(shared_services: Services):
    settings = app_settings(shared_services, admin={"token": TOKEN})
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with client_for(shared_services, settings) as client:
        vote = {
            "question": "ИИН 900101300126, как стать присяжным?",
            "answer": "Нужно быть гражданином старше 25 лет.",
            "vote": "up",
            "user": "tg:1",
        }
        assert client.post("/v1/feedback", json=vote).status_code == 201
        export = client.get("/v1/admin/feedback/export", headers=auth)
        assert export.status_code == 200
        rows = export.json()["rows"]
        assert export.json()["count"] == len(rows) >= 1
        assert "[iin]" in rows[-1]["question"] and "900101300126" not in export.text
        csv = client.get("/v1/admin/feedback/export?format=csv", headers=auth)
        assert csv.headers["content-type"].startswith("text/csv")
        assert csv.text.splitlines()[0].startswith("id,created_at,question")
        missing = client.delete("/v1/admin/documents/no-such-doc", headers=auth)
        assert missing.status_code == 404
        assert client.get("/v1/admin/jobs", headers=auth).json() == []
        assert client.get("/v1/admin/jobs/nope", headers=auth).status_code == 404


def test_token_bucket_refills_and_forgets_old_clients():
    buckets = TokenBuckets(rate=1.0, burst=2, max_keys=2)
    assert buckets.take("a", now=0) == 0
    assert buckets.take("a", now=0) == 0
    assert buckets.take("a", now=0) == pytest.approx(1.0)
    assert buckets.take("a", now=0.5) == pytest.approx(0.5)
    assert buckets.take("a", now=1.5) == 0
    buckets.take("b", now=2)
    buckets.take("c", now=2)
    assert set(buckets._buckets) == {"b", "c"}


def test_public_endpoints_are_rate_limited_per_client(shared_services: Services, figures: Record):
    settings = app_settings(
        shared_services, api={"rate_per_minute": 20, "rate_burst": 3, "rate_exempt": []}
    )
    # One token every 3 s: six requests on a loaded machine still fit before the next refill.
    body = {"query": "алқаби", "k": 1}
    with client_for(shared_services, settings, client=("203.0.113.7", 5000)) as client:
        codes = [client.post("/v1/search", json=body).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        limited = client.post("/v1/search", json=body)
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(limited.headers["retry-after"]) <= 3
        # Health and readiness are never limited; another address has its own bucket.
        assert client.get("/ready").status_code == 200
        time.sleep(3.05)
        assert client.post("/v1/search", json=body).status_code == 200
    with client_for(shared_services, settings, client=("198.51.100.9", 5000)) as other:
        assert other.post("/v1/search", json=body).status_code == 200
    figures("access", rate_limited=3)


def test_loopback_is_exempt_by_default(shared_services: Services):
    with client_for(shared_services, shared_services.settings, client=("127.0.0.1", 1)) as c:
        burst = shared_services.settings.api.rate_burst
        body = {"query": "ант", "k": 1}
        assert {c.post("/v1/search", json=body).status_code for _ in range(burst + 5)} == {200}


def test_cors_is_closed_by_default_and_follows_the_allow_list(shared_services: Services):
    preflight = {
        "Origin": "https://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    with client_for(shared_services, shared_services.settings) as client:
        response = client.post(
            "/v1/search", json={"query": "ант"}, headers={"Origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in response.headers
        assert (
            "access-control-allow-origin"
            not in client.options("/v1/search", headers=preflight).headers
        )
    allowed = app_settings(shared_services, api={"cors_origins": ["https://sud.kz"]})
    with client_for(shared_services, allowed) as client:
        ok = client.options("/v1/search", headers={**preflight, "Origin": "https://sud.kz"})
        assert ok.headers["access-control-allow-origin"] == "https://sud.kz"
        bad = client.options("/v1/search", headers=preflight)
        assert bad.headers.get("access-control-allow-origin") != "https://evil.example"


LONG = "ы" * 25_000
OVERSIZED = [
    ("/v1/search", {"query": LONG}),
    ("/v1/search", {"query": "a", "filters": {"doc_type": ["x" * 300]}}),
    ("/v1/search", {"query": "a", "filters": {"category": ["c"] * 101}}),
    ("/v1/search", {"query": "a", "filters": {"metadata": {f"k{i}": ["v"] for i in range(21)}}}),
    ("/v1/ask", {"question": "a" * 2001}),
    ("/v1/ask", {"question": "a", "session_id": "s" * 129}),
    ("/v1/feedback", {"question": "q", "answer": "a" * 8001, "vote": "up", "user": "u"}),
    ("/v1/feedback", {"question": "q", "answer": "a", "vote": "up", "user": "u" * 129}),
    (
        "/v1/feedback",
        {"question": "q", "answer": "a", "vote": "up", "user": "u", "sources": ["s"] * 21},
    ),
    ("/v1/cases/search", {"query": LONG}),
    ("/v1/cases/search", {"query": "a", "filters": {"court": ["c" * 201]}}),
    ("/v1/cases/predict", {"case_id": "c" * 101}),
    ("/v1/cases/predict", {"query": "a", "filters": {"article": ["1"] * 101}}),
]


@pytest.mark.parametrize(("path", "body"), OVERSIZED)
def test_every_request_field_is_size_limited(api: TestClient, path: str, body: dict):
    response = api.post(path, json=body)
    assert response.status_code in (413, 422), response.text[:300]
    assert response.headers["content-type"].startswith("application/problem+json")


# Loaders that run code from the data they read (np.load is safe while allow_pickle is off).
UNSAFE = re.compile(
    r"\b(pickle|cPickle|dill|joblib|shelve|marshal|cloudpickle)\.(loads?|Unpickler)\b|"
    r"torch\.load\(|yaml\.(unsafe_)?load\(|allow_pickle\s*=\s*True|(?<![.\w])(eval|exec)\("
)


def test_nothing_deserialises_with_code_execution():
    hits = []
    for package in ("assistant", "indexer", "bot", "evals"):
        for path in sorted((REPO / package).rglob("*.py")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if UNSAFE.search(line):
                    hits.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert not hits, "\n".join(hits)


@pytest.mark.slow
def test_model_reload_loads_the_saved_model_without_retraining(full_services: Services):
    settings = app_settings(full_services, admin={"token": TOKEN})
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with client_for(full_services, settings) as client:
        assert client.post("/v1/admin/model/reload").status_code == 401
        first = client.post("/v1/admin/model/reload", headers=auth)
        assert first.status_code == 200, first.text
        model = first.json()
        assert model["snapshot"] == client.get("/ready").json()["snapshot"]
        predicted = client.post("/v1/cases/predict", json={"query": "иск о взыскании долга"})
        assert predicted.status_code == 200
        again = client.post("/v1/admin/model/reload", headers=auth).json()
        assert again == model  # read back from its JSON file, not trained anew
