"""Train the FAQ matcher (``assistant/answer/faq_model.json``): logistic regression over the pair
features of ``FaqIndex.features``, on the FAQ's own question variants and generated ones.

Every variant (canonical question or paraphrase, kk/ru/en) is a training question with its own
variant left out of its entry, so it must be matched by the entry's other wording. The rows of a
question are its own group and the ``HARD_NEGATIVES`` groups closest to it. Each is also
asked as people type: folded (no Kazakh letters), in another script (Kazakh in the 2021 Latin
alphabet and in plain ASCII, Russian in translit; read back through the Query like a real
question), with a typo, with a word dropped. Positives: the variant's group; negatives: every
other group its language sees.

Held-out figures: the model is fitted on 80% of the groups (split by a hash of the group name)
and scored on the rest (top-1 accuracy, log loss, expected calibration error of the top
probability); then refitted on all groups and written with those figures. The thresholds in the
file are kept (``python -m evals.answers --calibrate`` chooses them).

    python -m evals.faq_model [--store DIR]
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.answer import faq
from assistant.answer.sentences import cached_vectors
from assistant.cases.metrics import expected_calibration_error
from assistant.core.query import Query
from assistant.core.script import kk_to_latin, ru_to_translit
from assistant.core.text import fold
from assistant.services import Services

_ASCII = str.maketrans("äğñöşūüıİ", "agnosuuiI")


def _rng(text: str) -> random.Random:
    return random.Random(hashlib.sha256(text.encode()).digest())


def typo(text: str) -> str | None:
    """One letter dropped or two swapped in one word of four letters or more."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return None
    rng = _rng(text)
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    swapped = w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :]
    words[i] = w[:j] + w[j + 1 :] if rng.random() < 0.5 else swapped
    return " ".join(words)


def dropped(text: str) -> str | None:
    """One word other than the first left out, in questions of three words or more."""
    words = text.split()
    if len(words) < 3:
        return None
    i = _rng(text).randrange(1, len(words))
    return " ".join(words[:i] + words[i + 1 :])


def variants_as_typed(text: str, lang: str | None) -> list[str]:
    """The generated forms of one variant."""
    out = [fold(text), typo(text), dropped(text)]
    if lang == "kk":
        latin = kk_to_latin(text)
        out += [latin, latin.translate(_ASCII).lower()]
    elif lang == "ru":
        out.append(ru_to_translit(text).lower())
    return list(dict.fromkeys(t for t in out if t and t != text))


# Variants of one entry this close (character n-gram cosine) are one wording: a paraphrase
# and its own translit ("что такое суд присяжных", "sud prisyazhnyh chto eto") leave together.
NEAR_DUPLICATE = 0.6


def training_questions(index: faq.FaqIndex) -> list[tuple[str, list[int], int]]:
    """(text, variant indices to leave out, entry index) of every training question made from
    the FAQ's own variants."""
    out = []
    similar = (index._char_vectors @ index._char_vectors.T).tocsr()
    owner = index._variant_entry
    for v, (query, entry) in enumerate(zip(index.variants, owner, strict=True)):
        row = similar.getrow(v)
        leave = [int(j) for j, c in zip(row.indices, row.data, strict=True)
                 if owner[j] == entry and c >= NEAR_DUPLICATE]  # fmt: skip
        lang = index.entries[entry].lang
        for text in [query.original, *variants_as_typed(query.original, lang)]:
            out.append((text, sorted({v, *leave}), int(entry)))
    return out


def dev_questions(index: faq.FaqIndex) -> list[tuple[str, str | None, str]]:
    """(text, FAQ group or None for a prompt to refuse, language) of the dev questions: the dev
    half of the gold questions and refusal prompts and the as-typed dev split."""
    from evals.answers import HALVES, _half, as_typed_items, gold_items, refusal_items

    typed_gold, typed_refusals = as_typed_items("dev")
    gold = [i for i in gold_items() if _half(i.id) == HALVES["dev"]] + typed_gold
    refusals = [i for i in refusal_items() if _half(i.id) == HALVES["dev"]] + typed_refusals
    known = set(index.groups)
    out: list[tuple[str, str | None, str]] = []
    for item in gold:
        group = next((g for g in item.expected if g in known), None)
        if group is not None:
            out.append((item.question, group, item.lang))
    # Unsupported jury questions choose the "unsupported" threshold only: weighed as dev rows,
    # their all-negative rows pulled every probability down and the ranking with it.
    out += [(i.question, None, i.lang) for i in refusals if i.refusal_class != "no_support"]
    return out


# The model is fitted on each question's group and the groups closest to it (by dense plus
# character cosine), not on all 121: the decision is made among close entries, and fitted on
# every far, easy negative, the model weighed the character features of one typing style over
# the rest (the old gold set fell from 0.904 to 0.869 hit@1 with round 4's paraphrases). At run
# time every group is scored; far groups get a low probability from their gaps.
HARD_NEGATIVES = 20
DENSE, CHARS = faq.FEATURES.index("dense"), faq.FEATURES.index("chars")


class Design(NamedTuple):
    """One row per question and candidate group."""

    x: np.ndarray
    y: np.ndarray
    # The question's group (its index in the index's groups; -1: a prompt to refuse).
    group: np.ndarray
    weight: np.ndarray
    # The rows the model is fitted on: the question's own group and its closest others.
    fit: np.ndarray


def design(services: Services, index: faq.FaqIndex) -> Design:
    """The rows of the FAQ's own and generated questions and of the dev questions."""
    loaded = services.require()
    knowledge = services.answers.knowledge(loaded)
    asked: list[tuple[str, list[int], str | None, str]] = [
        (t, leave, index.entries[e].group, index.entries[e].lang or "ru")
        for t, leave, e in training_questions(index)
    ]
    dev = dev_questions(index)
    asked += [(t, [], group, lang) for t, group, lang in dev]
    # A dev question stands for many generated ones: both kinds weigh about the same in all.
    dev_weight = max(1.0, (len(asked) - len(dev)) / max(len(dev), 1) / 2)
    queries = [Query.of(t, knowledge.lexicon, default=lang) for t, _, _, lang in asked]
    embedder = loaded.retriever.embedder
    vectors = cached_vectors(embedder, knowledge.store_dir, [q.text for q in queries], "query")
    xs, ys, groups, weights, fits = [], [], [], [], []
    for n, ((_, leave, group, _), query, vector) in enumerate(
        zip(asked, queries, vectors, strict=True)
    ):
        x = index.features(query, vector, leave_out=leave)
        y = np.asarray([g == group for g in index.groups])
        fit = np.zeros(len(y), dtype=bool)
        fit[np.argsort(-(x[:, DENSE] + x[:, CHARS]))[:HARD_NEGATIVES]] = True
        xs.append(x)
        ys.append(y)
        fits.append(fit | y)
        groups.append(np.full(len(index.groups), index.groups.index(group) if group else -1))
        from_dev = n >= len(asked) - len(dev)
        weights.append(np.full(len(index.groups), dev_weight if from_dev else 1.0))
    return Design(*(np.concatenate(a) for a in (xs, ys, groups, weights, fits)))


def held_out(key: str) -> bool:
    """In the held-out fifth, by a hash of ``key`` (a group name, a question)."""
    return hashlib.sha256(key.encode()).digest()[0] % 5 == 0


def _fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=10.0, max_iter=2000).fit(x, y, sample_weight=weight)


def evaluate_split(data: Design, names: Sequence[str]) -> dict[str, float]:
    """Fit on 80% of the groups, score the questions of the rest (answerable ones)."""
    test = np.asarray([g >= 0 and held_out(names[g]) for g in data.group])
    train = ~test & data.fit
    model = _fit(data.x[train], data.y[train], data.weight[train])
    n = len(names)
    p = model.predict_proba(data.x[test])[:, 1].reshape(-1, n)
    truth = data.y[test].reshape(-1, n)
    top = p.argmax(1)
    right = truth[np.arange(len(top)), top]
    eps = 1e-7
    log_loss = -np.mean(np.where(truth, np.log(p + eps), np.log(1 - p + eps)))
    return {
        "questions": len(top),
        "top1": round(float(right.mean()), 4),
        "log_loss": round(float(log_loss), 5),
        # Of the top probability, the one the thresholds compare.
        "ece_top": round(expected_calibration_error(p, truth.argmax(1)), 4),
    }


def train(services: Services) -> faq.ModelFile:
    """The model trained on the loaded store's FAQ, with its held-out figures."""
    index = services.answers.knowledge(services.require()).faq
    data = design(services, index)
    figures = evaluate_split(data, index.groups)
    model = _fit(data.x[data.fit], data.y[data.fit], data.weight[data.fit])
    trained = {
        "rows": int(data.fit.sum()),
        "hard_negatives": HARD_NEGATIVES,
        "questions": int(len(data.y) // len(index.groups)),
        "prompts_to_refuse": int((data.group < 0).sum() // len(index.groups)),
        "groups": len(index.groups),
        "held_out_groups": figures,
    }
    return faq.ModelFile(
        model=faq.MatchModel(
            coef=tuple(round(float(c), 5) for c in model.coef_[0]),
            intercept=round(float(model.intercept_[0]), 5),
            trained=trained,
        ),
        calibration=faq.CALIBRATION,
    )


def main(argv: Sequence[str] | None = None) -> int:
    from evals.answers import loaded_eval_services

    result = train(loaded_eval_services(argv, __doc__.split("\n")[0]))
    faq.save_model_file(result)
    print(result.model.model_dump_json(indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
