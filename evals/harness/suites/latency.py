"""Latency: p50/p95/p99 of each endpoint in process (the Python call behind it) and over HTTP
(a real uvicorn server on loopback), on the same questions; bounded in count and in time."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from assistant.cases.schemas import CaseSearchRequest, PredictRequest
from evals.bench_search import queries, served, summary, timed
from evals.cases import description
from evals.harness.context import EvalContext
from evals.harness.model import SuiteResult

FULL_CALLS, FAST_CALLS = 200, 20
# Per endpoint and mode: a slow endpoint stops early rather than holding up the run.
BUDGET_SECONDS = 60.0


def _measure(calls: list[Callable[[], object]]) -> list[float]:
    calls[0]()  # warm-up: first-use indexes and caches are not steady state
    deadline = time.monotonic() + BUDGET_SECONDS
    ms = []
    for call in calls:
        ms.append(timed(call))
        if time.monotonic() > deadline:
            break
    return ms


def _post(client: httpx.Client, path: str, body: dict) -> Callable[[], object]:
    return lambda: client.post(path, json=body).raise_for_status()


def run(ctx: EvalContext) -> SuiteResult:
    result = SuiteResult(suite="latency")
    services = ctx.services
    loaded = services.require()
    n = FAST_CALLS if ctx.fast else FULL_CALLS
    qs = queries(n)
    # endpoint → (in-process call per request, HTTP request body per request)
    endpoints: dict[str, tuple[list[Callable[[], object]], str, list[dict]]] = {
        "search": (
            [lambda q=q: loaded.retriever.search(q, 10) for q in qs],
            "/v1/search",
            [{"query": q, "k": 10} for q in qs],
        ),
        "ask": (
            [lambda q=q: services.answers.ask(loaded, q) for q in qs],
            "/v1/ask",
            [{"question": q} for q in qs],
        ),
    }
    cases = services.cases
    acts = [i for i, r in enumerate(cases.catalog.records) if r.instance == "first"]
    if acts:
        texts = [description(cases, i) for i in acts[:: max(1, len(acts) // n)][:n]]
        predictor = cases.predictor()
        endpoints["cases_search"] = (
            [lambda t=t: cases.search.search(CaseSearchRequest(query=t)) for t in texts],
            "/v1/cases/search",
            [{"query": t} for t in texts],
        )
        endpoints["cases_predict"] = (
            [lambda t=t: predictor.predict(PredictRequest(query=t)) for t in texts],
            "/v1/cases/predict",
            [{"query": t} for t in texts],
        )
    samples: dict[str, dict[str, list[float]]] = {"in-process": {}, "http": {}}
    for name, (calls, _, _) in endpoints.items():
        samples["in-process"][name] = _measure(calls)
    with served(ctx.settings, services) as client:
        for name, (_, path, bodies) in endpoints.items():
            samples["http"][name] = _measure([_post(client, path, b) for b in bodies])
        samples["http"]["health"] = _measure([lambda: client.get("/health")] * n)
    for mode, by_endpoint in samples.items():
        for name, ms in by_endpoint.items():
            figures = summary(ms)
            for q in ("p50_ms", "p95_ms", "p99_ms"):
                result.add(q, figures[q], better="lower", n=len(ms), mode=mode, endpoint=name)
    result.details = {"samples_ms": samples, "budget_seconds": BUDGET_SECONDS}
    return result
