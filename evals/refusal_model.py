"""Train the refusal model (``assistant/answer/refusal_model.json``): softmax regression over the
e5 query vector, three classes: answerable, personal_advice, off_topic.

Training questions: ``evals/training/refusals/*.jsonl`` (written blind for this model, never
from a gold set: personal case advice, off topic and jury trivia, and answerable jury-duty
questions that look personal) and every FAQ variant as answerable; each also as people type it
(folded, another script, a typo, a word dropped: ``faq_model.variants_as_typed``), read back
through the Query like a real question.

Held-out figures: fitted on 80% of the written questions and FAQ variants (split by a hash of
the text, with their generated forms) and scored on the rest. Thresholds: per refusing class,
the (probability, FAQ score) pair that refuses the most dev prompts and, with a safety margin,
none of the dev questions that must be answered (the dev half of the gold set and the as-typed
dev split); they are reported with the dev prompts to refuse they catch.

    python -m evals.refusal_model [--store DIR]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.answer import refusal_model
from assistant.answer.refusal_model import ANSWERABLE, RefusalModel
from assistant.answer.sentences import cached_vectors
from assistant.core.query import Query
from assistant.services import Services
from evals.faq_model import held_out, variants_as_typed

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "evals" / "training" / "refusals"
CLASSES = (ANSWERABLE, "personal_advice", "off_topic")


def written_questions() -> list[tuple[str, str, str]]:
    """(text, lang, class) of the questions written for this model."""
    out = []
    for path in sorted(TRAINING.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["class"] not in CLASSES:
                raise ValueError(f"{path.name}:{n}: unknown class {row['class']!r}")
            out.append((row["question"], row["lang"], row["class"]))
    return out


def _fit(x: np.ndarray, y: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced").fit(x, y)


def _queries(services: Services, texts: Sequence[tuple[str, str]]) -> list[Query]:
    """(text, lang) read as the engine reads a question."""
    lexicon = services.answers.knowledge(services.require()).lexicon
    return [Query.of(t, lexicon, default=lang) for t, lang in texts]  # type: ignore[arg-type]


def _vectors(services: Services, queries: Sequence[Query]) -> np.ndarray:
    """Query vectors as the engine embeds them (of the Query's Cyrillic text)."""
    loaded = services.require()
    store_dir = services.answers.knowledge(loaded).store_dir
    texts = [q.text for q in queries]
    return cached_vectors(loaded.retriever.embedder, store_dir, texts, "query")


def _per_class(truth: np.ndarray, guess: np.ndarray) -> dict[str, dict[str, float]]:
    out = {}
    for c in range(len(CLASSES)):
        said, real = guess == c, truth == c
        hit = int((said & real).sum())
        out[CLASSES[c]] = {
            "n": int(real.sum()),
            "precision": round(hit / max(int(said.sum()), 1), 3),
            "recall": round(hit / max(int(real.sum()), 1), 3),
        }
    return out


def _dev(services: Services) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Vectors of the dev questions, their FAQ match probability and their refusal class
    (None: to be answered)."""
    from evals.answers import HALVES, _half, as_typed_items, gold_items, refusal_items

    typed_gold, typed_refusals = as_typed_items("dev")
    gold = [i for i in gold_items() if _half(i.id) == HALVES["dev"]] + typed_gold
    refusals = [i for i in refusal_items() if _half(i.id) == HALVES["dev"]] + typed_refusals
    rows = [(i.question, i.lang, None) for i in gold]
    rows += [(i.question, i.lang, i.refusal_class) for i in refusals]
    index = services.answers.knowledge(services.require()).faq
    queries = _queries(services, [(t, lang) for t, lang, _ in rows])
    vectors = _vectors(services, queries)
    matches = [index.best(q, v) for q, v in zip(queries, vectors, strict=True)]
    faq_scores = np.asarray([m.score if m else 0.0 for m in matches])
    return vectors, faq_scores, [c for _, _, c in rows]


# Threshold grids: a class refuses at or above a probability when the FAQ's best match is below
# a score (a confident FAQ match is no off-topic question).
PROBABILITIES = np.round(np.arange(0.5, 1.0, 0.01), 2)
FAQ_SCORES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.01)
# Both thresholds are chosen this far inside the region that refuses no dev question to be
# answered: vectors of one text differ slightly between batch sizes.
SAFETY = (0.03, 0.05)


def thresholds(
    model: LogisticRegression,
    x: np.ndarray,
    faq_scores: np.ndarray,
    classes: Sequence[str | None],
) -> tuple[dict[str, tuple[float, float]], dict[str, object]]:
    """Per refusing class the (probability, FAQ score) pair refusing the most dev prompts and
    no dev question to be answered, with a safety margin, and what it does on the dev set."""
    p = model.predict_proba(x)
    answer = np.asarray([c is None for c in classes])
    chosen: dict[str, tuple[float, float]] = {}
    for c, name in enumerate(CLASSES):
        if name == ANSWERABLE:
            continue
        best = (-1, 1.0, 0.0)
        for t in PROBABILITIES:
            for s in FAQ_SCORES:
                loose = (p[:, c] >= t - SAFETY[0]) & (faq_scores < s + SAFETY[1])
                if (loose & answer).any():
                    continue
                caught = int(((p[:, c] >= t) & (faq_scores < s) & ~answer).sum())
                if caught > best[0]:
                    best = (caught, float(t), float(s))
        chosen[name] = (best[1], best[2])
    refused = np.zeros(len(classes), dtype=bool)
    for c, name in enumerate(CLASSES):
        if name in chosen:
            t, s = chosen[name]
            refused |= (p[:, c] >= t) & (faq_scores < s)
    kinds = np.asarray([c or "" for c in classes])
    report = {
        "answerable": int(answer.sum()),
        "answerable_refused": int((refused & answer).sum()),
        "to_refuse": int((~answer).sum()),
        "to_refuse_caught": int((refused & ~answer).sum()),
        "caught_by_class": {
            k: [int((refused & (kinds == k)).sum()), int((kinds == k).sum())]
            for k in sorted({c for c in classes if c})
        },
    }
    return chosen, report


def train(services: Services) -> RefusalModel:
    """The model trained on the written questions and the loaded store's FAQ variants."""
    index = services.answers.knowledge(services.require()).faq
    written = written_questions()
    rows: list[tuple[str, str, int, bool]] = []
    for text, lang, cls in written:
        held = held_out(text)
        for t in [text, *variants_as_typed(text, lang)]:
            rows.append((t, lang, CLASSES.index(cls), held))
    for query, entry in zip(index.variants, index._variant_entry, strict=True):
        lang = index.entries[entry].lang or "ru"
        held = held_out(query.original)
        for t in [query.original, *variants_as_typed(query.original, lang)]:
            rows.append((t, lang, 0, held))
    x = _vectors(services, _queries(services, [(t, lang) for t, lang, _, _ in rows]))
    y = np.asarray([c for _, _, c, _ in rows])
    test = np.asarray([h for *_, h in rows])
    held_model = _fit(x[~test], y[~test])
    figures = _per_class(y[test], held_model.predict(x[test]))
    model = _fit(x, y)
    dev_x, dev_faq, dev_classes = _dev(services)
    chosen, dev = thresholds(model, dev_x, dev_faq, dev_classes)
    trained = {
        "questions": len(rows),
        "written": len(written),
        "faq_variants": len(index.variants),
        "held_out_argmax": figures,
        "dev": dev,
    }
    return RefusalModel(
        classes=CLASSES,
        coef=tuple(tuple(round(float(v), 5) for v in row) for row in model.coef_),
        intercept=tuple(round(float(v), 5) for v in model.intercept_),
        thresholds=chosen,
        trained=trained,
    )


def main(argv: Sequence[str] | None = None) -> int:
    from evals.answers import loaded_eval_services

    result = train(loaded_eval_services(argv, __doc__.split("\n")[0]))
    refusal_model.save_refusal_model(result)
    print(json.dumps({"thresholds": result.thresholds, **result.trained}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
