"""Schemathesis against the app's own OpenAPI schema: every operation, requests generated to
fit the schema and to break it, zero server errors. The store holds guidance and court acts,
so every endpoint has data to work on; admin routes are enabled and called without the token
(their 401 is part of the check)."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from assistant.api.app import create_app
from assistant.services import Services
from tests.hardening.conftest import Record, app_settings, examples

TOKEN = "schemathesis-admin-token-0123456789"


@pytest.mark.slow
def test_no_operation_answers_with_a_server_error(full_services: Services, figures: Record):
    config = app_settings(full_services, admin={"token": TOKEN})
    services = Services(config, full_services.embedder)
    services.load()
    app = create_app(config, services)
    # The first question builds the answer engine's indexes; not part of any fuzz case.
    with TestClient(app) as client:
        assert client.post("/v1/ask", json={"question": "алқаби"}).status_code == 200
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seen: Counter[str] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in GenerationMode:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples(25), deadline=None, suppress_health_check=list(HealthCheck)
            )
            def run(case) -> None:
                response = case.call(timeout=120)
                seen[f"{response.status_code // 100}xx"] += 1
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.path} {case.body!r:.200}: {response.text[:300]}"
                    )

            try:
                run()
            except Unsatisfiable:
                # Nothing to break (e.g. an operation without parameters in negative mode).
                assert mode is GenerationMode.NEGATIVE, operation.label
    figures("bad-input", inputs=sum(seen.values()), server_errors=seen["5xx"])
    assert not failures, "\n".join(failures[:20])
    assert seen["2xx"] > 0 and seen["4xx"] > 0, seen
