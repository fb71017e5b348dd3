"""Outcome prediction on real judgments: the 675 ECtHR cases of ``../shared/data/echr``.

    python -m evals.echr [--data DIR] [--limit N] [--out DIR]

The served predictor, unchanged: each judgment's facts become one act of a catalog (its vector
the mean e5 vector of the first windows of its facts) and ``Trainer`` fits and evaluates it as
``alqabi cases train`` does for a store: four rolling origins over the judgments in year order,
each block of the newest 40 % predicted through ``estimate`` (classifier and precedents blended,
temperature-scaled, with the served abstention rule) by a model fitted on older judgments only.

The respondent state is no feature, and the text the embedder sees does not name it: states,
their people, capitals, large cities and currencies are masked (assistant/core/states.py), and
so are titled personal names ("Mr Pierre Leterme"). How much of the state still shows through is
measured, not assumed: a classifier's accuracy at telling the respondent from the same vectors.

The outcome labels, category and published reference points are data (evals/datasets/echr.toml).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import re
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from assistant.cases.catalog import ActRecord, Catalog
from assistant.cases.model import AbstentionRule, PredictorModel
from assistant.cases.train import Trainer
from assistant.core.cases import neutral_text
from assistant.core.config import CaseSettings, EmbedderSettings, get_settings
from assistant.core.embeddings import Embedder, index_settings, make_embedder
from assistant.core.states import mask_states, mentions
from assistant.core.store import EmbeddingCache

SHARED = Path(__file__).resolve().parents[2] / "shared"
# ALQABI_ECHR_DIR points elsewhere (a worktree whose parent holds no shared/).
DATA = Path(os.environ.get("ALQABI_ECHR_DIR") or SHARED / "data" / "echr")
COLLECTION = Path(__file__).with_name("datasets") / "echr.toml"
# The label set of assistant/core/data/collections.json the judgments are checked against.
COLLECTION_NAME = "echr"
CACHE = Path("var/eval/echr/embed_cache.sqlite")
FILES = ("test.csv", "val.csv")
# What the embedder sees of a judgment's facts (~7,100 characters on average, far beyond e5's
# 512-token window): the mean vector of its first windows of about this many characters. One
# window: the mean of the first three measured the same (macro-F1 0.521 against 0.515, ECE 0.044
# against 0.048) for 2.3 times the embedding, and a cold run must fit the CI budget.
WINDOW_CHARS = 1800
WINDOWS = 1
PROBE_FOLDS = 5
SEED = 42

_NAME = r"(?:[A-Z]\.(?:\s?[A-Z]\.)*|[A-Z][\w'’-]*)"
_TITLES = "Mr|Mrs|Ms|Miss|Mme|Mlle|M|Dr|Prof|Judge"
_TITLED = re.compile(rf"\b(?:{_TITLES})\.?\s+{_NAME}(?:\s+{_NAME}){{0,3}}")
PERSON = "[PERSON]"


class Judgment(BaseModel):
    """One case: HUDOC id, year, respondent (kept for the leak probe only), label, facts."""

    item_id: str
    year: int
    respondent: str
    outcome: str
    facts: str


class Published(BaseModel):
    source: str
    setting: str
    metric: str
    value: float


class Collection(BaseModel):
    """The benchmark's own category, label set and reference points."""

    category: str
    labels: dict[str, str]
    published: list[Published]


def collection(path: Path = COLLECTION) -> Collection:
    return Collection.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


class DataError(ValueError):
    """The ECtHR files are missing or not what SOURCE.txt describes."""


def read(data: Path, labels: dict[str, str], limit: int | None = None) -> list[Judgment]:
    """Both files' judgments in HUDOC id order; ``limit`` keeps an evenly spread slice of that
    many per label (e.g. a quick test)."""
    csv.field_size_limit(sys.maxsize)
    judgments = []
    for name in FILES:
        path = data / name
        try:
            with path.open(encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f):
                    judgments.append(
                        Judgment(
                            item_id=row["item_id"],
                            year=int(row["year"]),
                            respondent=row["respondent"],
                            outcome=labels[row["label"]],
                            facts=row["text"],
                        )
                    )
        except (OSError, KeyError, ValueError) as exc:
            raise DataError(f"{path}: {type(exc).__name__}: {exc}") from exc
    judgments.sort(key=lambda j: j.item_id)
    if limit:
        judgments = [
            j
            for label in sorted({j.outcome for j in judgments})
            for j in _spread([j for j in judgments if j.outcome == label], limit)
        ]
    return judgments


def _spread(items: list[Judgment], n: int) -> list[Judgment]:
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, min(n, len(items)))]


def passage(facts: str) -> str:
    """What the predictor may read of the facts: commas restored (the data set wrote them as
    "_"), states and titled personal names masked, normalised as the served predictor does."""
    text = mask_states(facts.replace("_", ","))
    return neutral_text(_TITLED.sub(PERSON, text), "en")


def windows(text: str, size: int = WINDOW_CHARS, count: int = WINDOWS) -> list[str]:
    """The first ``count`` pieces of about ``size`` characters, each cut at a space."""
    out = []
    while text and len(out) < count:
        space = text.rfind(" ", size // 2, size) if len(text) > size else -1
        cut = space if space > 0 else size
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    return [w for w in out if w]


def embed(texts: Sequence[str], embedder: Embedder, cache_path: Path) -> np.ndarray:
    """One vector per text: the mean of its windows' passage vectors, kept in an embedding cache
    (a second run embeds nothing)."""
    pieces = [windows(t) for t in texts]
    flat = list(dict.fromkeys(p for ps in pieces for p in ps))
    cache_path.parent.mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(cache_path, embedder.info)
    try:
        keys = {p: EmbeddingCache.key(p) for p in flat}
        found = cache.get_many(list(keys.values()))
        missing = [p for p in flat if keys[p] not in found]
        for start in range(0, len(missing), 64):
            batch = missing[start : start + 64]
            vectors = embedder.embed_passages(batch)
            cache.put_many(zip([keys[p] for p in batch], vectors, strict=True))
            found |= dict(zip([keys[p] for p in batch], vectors, strict=True))
    finally:
        cache.close()
    return np.stack([np.mean([found[keys[p]] for p in ps], axis=0) for ps in pieces])


def catalog(judgments: Sequence[Judgment], vectors: np.ndarray, category: str) -> Catalog:
    """The judgments as first-instance acts of the collection's category, dated by year."""
    records = [
        ActRecord(
            case_id=j.item_id,
            doc_id=j.item_id,
            title=j.item_id,
            collection=COLLECTION_NAME,
            category=category,
            date=dt.date(j.year, 1, 1),
            outcome=j.outcome,
        )
        for j in judgments
    ]
    return Catalog.of(records, vectors)


def respondent_probe(vectors: np.ndarray, respondents: Sequence[str]) -> dict:
    """How well the respondent state can still be told from the vectors the predictor sees:
    cross-validated accuracy of a logistic regression, next to always naming the commonest."""
    counts = Counter(respondents)
    kept = [i for i, r in enumerate(respondents) if counts[r] >= PROBE_FOLDS]
    y = np.array([respondents[i] for i in kept])
    folds = StratifiedKFold(PROBE_FOLDS, shuffle=True, random_state=SEED)
    with threadpool_limits(1):
        guess = cross_val_predict(
            LogisticRegression(C=2.0, max_iter=3000), vectors[kept], y, cv=folds
        )
    return {
        "states": len(set(y)),
        "n": len(kept),
        "accuracy": round(float((guess == y).mean()), 4),
        "majority_share": round(max(counts[r] for r in set(y)) / len(kept), 4),
    }


def evaluate(
    judgments: Sequence[Judgment],
    embedder: Embedder,
    cases: CaseSettings,
    coll: Collection,
    cache_path: Path = CACHE,
) -> tuple[PredictorModel, dict]:
    """Embed (cached), fit and evaluate the served predictor: the model with its held-out
    figures, and the report."""
    t0 = time.perf_counter()
    vectors = embed([passage(j.facts) for j in judgments], embedder, cache_path)
    t1 = time.perf_counter()
    rule = AbstentionRule(
        floor=cases.precedent_floor,
        min_precedents=cases.min_precedents,
        min_confidence=cases.min_confidence,
    )
    model = Trainer(catalog(judgments, vectors, coll.category), cases.precedents, rule).fit(
        "echr", embedder.info.compat_id
    )
    t2 = time.perf_counter()
    probe = respondent_probe(vectors, [j.respondent for j in judgments])
    masked = [len(mentions(j.facts)) for j in judgments]
    return model, summary(model, coll, judgments) | {
        "respondent_probe": probe,
        "state_mentions_masked": {"total": sum(masked), "judgments_naming_none": masked.count(0)},
        "seconds": {"embed": round(t1 - t0, 1), "fit_evaluate": round(t2 - t1, 1)},
    }


def summary(model: PredictorModel, coll: Collection, judgments: Sequence[Judgment]) -> dict:
    """The model's held-out figures next to the majority baseline and the published ones."""
    m, b = model.metrics, model.baseline
    return {
        "judgments": len(judgments),
        "labels": dict(Counter(j.outcome for j in judgments)),
        "split": model.split.model_dump(),
        "accuracy": round(m.accuracy, 4),
        "macro_f1": round(m.macro_f1, 4),
        "argmax": {"accuracy": m.accuracy_argmax, "macro_f1": m.macro_f1_argmax},
        "label_weights": model.decision.weights(model.classes),
        "brier": round(m.brier, 4),
        "ece_15_bins": round(m.ece, 4),
        "coverage": round(m.coverage, 4),
        "accuracy_answered": round(m.accuracy_answered, 4),
        "baseline": {
            "label": b.label,
            "accuracy": round(b.accuracy, 4),
            "macro_f1": round(b.macro_f1, 4),
        },
        "abstention": model.abstention.model_dump(),
        "blend_knn_weight": round(model.blend, 2),
        "temperature": round(model.temperature, 3),
        "knn_sharpness": model.sharpness,
        "reliability": [r.model_dump() for r in model.reliability],
        "published": [p.model_dump() for p in coll.published],
        "features": {"window_chars": WINDOW_CHARS, "windows": WINDOWS},
    }


def eval_embedder(settings: EmbedderSettings) -> Embedder:
    """The embedder `alqabi index` would use (the fast ONNX build of `make eval`)."""
    return make_embedder(index_settings(settings))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="the ECtHR data directory")
    parser.add_argument("--limit", type=int, help="judgments per label (a quick run)")
    parser.add_argument("--out", type=Path, default=Path("evals/runs/echr"), help="report dir")
    args = parser.parse_args(argv)
    settings = get_settings()
    coll = collection()
    judgments = read(args.data, coll.labels, args.limit)
    _, report = evaluate(judgments, eval_embedder(settings.embedder), settings.cases, coll)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "echr.json").write_text(json.dumps(report, indent=2), "utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "reliability"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
