"""Benchmark: in-process latency of case search and outcome estimates for typed descriptions.

    python -m evals.bench_estimates [--store DIR] [--rounds N]

Descriptions are the fairness templates rendered with a person (names, gender, ethnicity in
them), so the figure includes de-identifying them. The model is trained (or loaded) and every
description is run once before timing; each round then times every description.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from assistant.cases.schemas import CaseSearchRequest, PredictRequest
from assistant.core.config import Settings, StoreSettings
from assistant.core.embeddings import make_embedder, query_settings
from assistant.services import Services
from evals.bench_search import measure

TEMPLATES = Path(__file__).resolve().parent / "datasets" / "fairness_templates.json"
_PERSON = {
    "ru": {"P": "Ахметов Серик Болатович", "S": "Ахметов С.Б.", "F": "Серик", "G": "мужчина",
           "E": "казах", "R": "мусульманин"},
    "kk": {"P": "Ахметов Серік Болатұлы", "S": "Ахметов С.Б.", "F": "Серік", "G": "ер адам",
           "E": "қазақ", "R": "мұсылман"},
}  # fmt: skip


def descriptions() -> list[str]:
    """Every template with one person, nominative forms (the benchmark needs no grammar)."""
    data = json.loads(TEMPLATES.read_text("utf-8"))
    out = []
    for lang in ("ru", "kk"):
        person = _PERSON[lang]
        for template in data[lang]:
            text = re.sub(r"\{([^{}|]*)\|[^{}|]*\}", r"\1", template)
            out.append(re.sub(r"\{([PSFGER])\.\w+\}", lambda m, p=person: p[m.group(1)], text))
    return out


def timed(call: Callable[[str], object], texts: Sequence[str], rounds: int) -> dict[str, object]:
    """Wall and CPU milliseconds of ``rounds`` passes over ``texts``, after one unmeasured pass
    (first-use caches are not steady state)."""
    for text in texts:
        call(text)
    return measure([lambda t=t: call(t) for _ in range(rounds) for t in texts])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=Path("var/store"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    settings = Settings(store=StoreSettings(dir=args.store))
    embedder = make_embedder(query_settings(settings.embedder))
    services = Services(settings, embedder)
    services.load()
    cases = services.cases
    predictor = cases.predictor()
    texts = descriptions()
    report = {
        "search": timed(
            lambda t: cases.search.search(CaseSearchRequest(query=t, k=10)), texts, args.rounds
        ),
        "predict": timed(lambda t: predictor.predict(PredictRequest(query=t)), texts, args.rounds),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
