"""Benchmark: every page and request of the web page, over HTTP on a real server.

    python -m evals.bench_web [--store DIR] [--rounds N] [--json]

Measured on ``--store`` (by default the service's store, built from ``corpus/`` by ``make run``:
guidance, FAQ and court acts). Each request runs ``--rounds`` times, cycling through several
questions, queries and case numbers, after one warm-up pass (which also trains the outcome model
when the store has none yet). Votes go to a temporary feedback database. Target: no request
over 200 ms.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from assistant.core.config import get_settings
from assistant.services import Services
from evals.bench_search import served, summary, timed

TARGET_MS = 200.0
QUESTIONS = [
    "сколько платят присяжным?",
    "алкаби болу ушин неше жас керек",
    "Кто может быть присяжным заседателем?",
    "Сотқа келмесем не болады?",
    "можно ли отказаться быть присяжным по состоянию здоровья",
    "рецепт плова",
]
SEARCHES = [
    {"q": "алкаби айыппул"},
    {"q": "штраф за неявку", "doc_lang": "ru"},
    {"q": "алкабиге толенетин акы", "doc_type": "guidance"},
    {"q": "отвод присяжного заседателя", "doc_type": "faq"},
]
SITUATIONS = [
    {"q": "в ходе ссоры нанес потерпевшему удары ножом, от которых он скончался"},
    {"q": "иск о взыскании долга по договору займа", "category": "civil"},
    {"q": "жанжал кезінде пышақпен соққы жасады", "instance": "first"},
    {"q": "незаконное хранение наркотических средств", "date_from": "2021-01-01"},
]
OUT_OF_DOMAIN = "рецепт борща со свёклой и капустой"


def _case_body(params: dict[str, str]) -> dict[str, Any]:
    """A situation of the page's form as the API's request body."""
    filters = {k: v for k, v in params.items() if k != "q"}
    return {"query": params["q"], "k": 10, "filters": filters}


def _requests(services: Services) -> dict[str, list[dict[str, Any]]]:
    """Request variants by page, for the store at hand (no case pages without court acts)."""
    vote = {
        "question": QUESTIONS[0],
        "answer": "Присяжный получает 50% должностного оклада районного судьи.",
        "vote": "up",
        "answer_lang": "ru",
        "kind": "faq",
        "session_id": "web-bench",
        "sources": ["faq-pay-amount-ru#0"],
    }
    pages: dict[str, list[dict[str, Any]]] = {
        "GET / (start page)": [{"url": "/", "params": {"lang": lang}} for lang in ("kk", "ru")],
        "POST /ask (form)": [
            {"method": "POST", "url": "/ask", "data": {"question": q}} for q in QUESTIONS
        ],
        "POST /feedback (form, no JS)": [{"method": "POST", "url": "/feedback", "data": vote}],
        "POST /v1/feedback (vote by JS)": [
            {
                "method": "POST",
                "url": "/v1/feedback",
                "json": {
                    "question": vote["question"],
                    "answer": vote["answer"],
                    "vote": "up",
                    "user": "web:web-bench",
                    "lang": "ru",
                    "kind": "faq",
                    "sources": vote["sources"],
                },
            }
        ],
        "GET /search (form)": [{"url": "/search"}],
        "GET /search?q=": [{"url": "/search", "params": p} for p in SEARCHES],
        "GET /static/app.css": [{"url": "/static/app.css"}],
        "GET /static/app.js": [{"url": "/static/app.js"}],
        "GET /estimate (form)": [{"url": "/estimate"}],
    }
    records = services.cases.catalog.records
    decided = [r.case_id for r in records if r.instance == "first" and r.outcome][:20]
    if not decided:
        return pages
    pages |= {
        "GET /cases (form)": [{"url": "/cases"}],
        "GET /cases?q= (situation, filters)": [{"url": "/cases", "params": p} for p in SITUATIONS],
        # The API the page calls, for comparison: what the page adds is the rest.
        "POST /v1/cases/search (API)": [
            {"method": "POST", "url": "/v1/cases/search", "json": _case_body(p)} for p in SITUATIONS
        ],
        "GET /cases?case_id=": [{"url": "/cases", "params": {"case_id": c}} for c in decided],
        "GET /cases/{id} (detail)": [{"url": f"/cases/{c}"} for c in decided],
        "GET /estimate?case_id=": [{"url": "/estimate", "params": {"case_id": c}} for c in decided],
        "GET /estimate?q= (abstains)": [{"url": "/estimate", "params": {"q": OUT_OF_DOMAIN}}],
        "GET /estimate?q= (situation)": [
            {"url": "/estimate", "params": {"q": p["q"]}} for p in SITUATIONS
        ],
    }
    return pages


def _send(client: httpx.Client, request: dict[str, Any]) -> None:
    response = client.request(request.get("method", "GET"), **_args(request))
    if response.status_code >= 400:
        raise RuntimeError(f"{request['url']}: HTTP {response.status_code}")


def _args(request: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in request.items() if k != "method"}


def bench(services: Services, rounds: int) -> dict[str, Any]:
    """p50/p95/max per page; the warm-up pass is timed on its own."""
    pages = _requests(services)
    result: dict[str, Any] = {"pages": {}}
    with served(services.settings, services) as client:
        warm = [
            timed(lambda r=r: _send(client, r)) for variants in pages.values() for r in variants
        ]
        result["warm_up_s"] = round(sum(warm) / 1000, 1)
        for name, variants in pages.items():
            ms = [timed(lambda r=r: _send(client, r)) for r in islice(cycle(variants), rounds)]
            result["pages"][name] = {**summary(ms), "max_ms": round(max(ms), 2)}
    over = [name for name, s in result["pages"].items() if s["max_ms"] > TARGET_MS]
    result["over_target"] = over
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    settings = get_settings()
    with tempfile.TemporaryDirectory() as tmp:
        update: dict[str, Any] = {
            "database": settings.database.model_copy(
                update={"url": SecretStr(f"sqlite:///{Path(tmp) / 'alqabi.sqlite'}")}
            )
        }
        if args.store:
            update["store"] = settings.store.model_copy(update={"dir": args.store})
        settings = settings.model_copy(update=update)
        services = Services(settings)
        loaded = services.load()
        result = bench(services, args.rounds)
    manifest = loaded.store.manifest
    result["store"] = {"documents": manifest.documents, "chunks": manifest.chunks}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"store: {manifest.documents} documents, {manifest.chunks} chunks")
    print(f"warm-up pass: {result['warm_up_s']} s (includes training the outcome model if needed)")
    print("| request | n | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for name, s in result["pages"].items():
        print(f"| {name} | {s['n']} | {s['p50_ms']} | {s['p95_ms']} | {s['max_ms']} |")
    over = result["over_target"]
    print(f"over {TARGET_MS:.0f} ms: {', '.join(over) if over else 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
