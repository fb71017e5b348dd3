"""Answer eval: the gold questions and the refusal prompts through ``POST /v1/ask``.

Indexes ``corpus/guidance`` and ``corpus/faq`` into a store (incrementally), serves the app
in-process with FastAPI's TestClient and reports per language: hit@1 of the right FAQ entry or
guidance document, key-fact coverage, language match, refusal precision and recall, and the
p50/p95 latency of ``/v1/ask``.

``--calibrate`` instead chooses the thresholds on the FAQ matcher's probability (FAQ answer,
guidance answer, refusal) and the see-also margin on the dev questions (the dev half of the gold
and refusal questions, split by id, and the dev split of the as-typed set) and reports both
halves of the gold set; ``--write`` keeps them in ``assistant/answer/faq_model.json``.
``--as-typed dev|heldout`` evaluates one split of the as-typed set per style (misses are listed
for dev only: the held-out split is never tuned on).

Library use (e.g. by ``alqabi eval``): ``evaluate(services)`` and ``calibrate(services)`` take
loaded ``Services`` over a store holding the guidance and the FAQ (``build_store`` makes one)
and return a metrics dict; ``gold_items()`` and ``refusal_items()`` read the datasets.

    python -m evals.answers [--store DIR] [--json] [--calibrate [--write]] [--as-typed SPLIT]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from assistant.answer import faq
from assistant.answer.cues import out_of_scope
from assistant.api.app import create_app
from assistant.core.config import Settings, StoreSettings, get_settings
from assistant.core.embeddings import Embedder, indexing_embedder, make_embedder, query_settings
from assistant.core.query import Query
from assistant.core.schemas import Lang
from assistant.core.script import kk_to_latin
from assistant.services import Services
from indexer.pipeline import Indexer

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "evals" / "datasets"
GOLD = DATASETS / "answers_gold.jsonl"
REFUSALS = DATASETS / "refusals.jsonl"
# Questions as citizens type them, written without looking at the FAQ (issue 17): a dev and a
# held-out half, every style (scripts, folded, translit, code-switched, voice, short, long).
AS_TYPED = DATASETS / "as_typed.jsonl"
# A second blind set of the same styles, written in round 4 after the held-out half had been run
# four times: all of it held out ("fresh"), run only at the end of a round.
AS_TYPED_FRESH = DATASETS / "as_typed_fresh.jsonl"
# More dev questions in the weakest styles (code-switched, long, voice, English), written blind
# in round 4: dev only.
AS_TYPED_DEV2 = DATASETS / "as_typed_dev2.jsonl"
# Jury questions nothing in the FAQ or guidance supports ("какую музыку любят присяжные"),
# written for issue 17 round 2 by the matcher's author: dev only (they choose the
# "unsupported" threshold and train the matcher's refusals), never part of the held-out half.
UNSUPPORTED_DEV = DATASETS / "unsupported_dev.jsonl"
# The files each split's rows are in.
AS_TYPED_FILES = {
    "dev": (AS_TYPED, AS_TYPED_DEV2, UNSUPPORTED_DEV),
    "heldout": (AS_TYPED,),
    "fresh": (AS_TYPED_FRESH,),
}
DEFAULT_STORE = Path("var/eval/answers-store")
TARGETS = {"hit_at_1": 0.90, "key_facts": 0.90, "lang_match": 0.98}
REFUSAL_TARGET = 0.90
FAQ_PRECISION = 0.95
KINDS = ("faq", "extractive", "generative", "refusal")


class GoldItem(BaseModel):
    """A question that must be answered."""

    id: str
    lang: Lang
    question: str
    expected: list[str]
    key_facts: list[str]
    style: str = "standard"
    # dev or heldout in the as-typed set (the others split by id, ``_half``).
    split: str | None = None


class RefusalItem(BaseModel):
    """A prompt that must be refused, with the class it belongs to."""

    id: str
    lang: Lang
    question: str
    # "class" is a Python keyword, hence the alias.
    refusal_class: str
    style: str = "standard"
    split: str | None = None

    @classmethod
    def from_row(cls, row: dict) -> RefusalItem:
        row = {k: v for k, v in row.items() if k not in ("expected", "key_facts", "refuse")}
        return cls(refusal_class=row.pop("class"), **row)


class Outcome(BaseModel):
    """One /v1/ask call."""

    id: str
    lang: Lang
    question: str
    status: int
    kind: str | None
    group: str | None
    answer: str
    answer_lang: str | None
    refusal_reason: str | None
    seconds: float
    # As the API returned them, for the citation and groundedness checks (evals/harness).
    sources: list[dict] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)


def _half(item_id: str) -> int:
    return hashlib.sha256(item_id.encode()).digest()[0] % 2


HALVES = {"dev": 0, "held_out": 1}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def gold_items() -> list[GoldItem]:
    return [GoldItem(**row) for row in read_jsonl(GOLD)]


def refusal_items() -> list[RefusalItem]:
    return [RefusalItem.from_row(row) for row in read_jsonl(REFUSALS)]


def as_typed_items(split: str) -> tuple[list[GoldItem], list[RefusalItem]]:
    """The as-typed questions and refusal prompts of one split, from the files that hold it."""
    rows = [
        r
        for path in AS_TYPED_FILES[split]
        if path.is_file()
        for r in read_jsonl(path)
        if r.get("split") == split
    ]
    refuse = [r for r in rows if r.get("refuse") or r.get("class")]
    answer = [r for r in rows if not (r.get("refuse") or r.get("class")) and r.get("expected")]
    gold = [GoldItem(**{k: v for k, v in r.items() if k in GoldItem.model_fields}) for r in answer]
    return gold, [RefusalItem.from_row(dict(r)) for r in refuse]


def build_store(store: Path, embedder: Embedder) -> Settings:
    """Index the guidance and the FAQ into ``store`` as `alqabi index` would (its
    ``index_backend``, e.g. the fast build `make index` uses); returns settings pointing at it."""
    settings = get_settings().model_copy(update={"store": StoreSettings(dir=store)})
    corpus = ROOT / "corpus"
    indexing = indexing_embedder(settings.embedder, embedder)
    Indexer(settings, indexing, progress=False).run([corpus / "guidance", corpus / "faq"])
    return settings


def ask_all(client: TestClient, items: Sequence[GoldItem | RefusalItem]) -> list[Outcome]:
    """Each question through /v1/ask (no session, no language hint), timed."""
    out = []
    for item in items:
        started = time.perf_counter()
        response = client.post("/v1/ask", json={"question": item.question})
        seconds = time.perf_counter() - started
        body = response.json()
        sources = body.get("sources") or []
        out.append(
            Outcome(
                id=item.id,
                lang=item.lang,
                question=item.question,
                status=response.status_code,
                kind=body.get("kind"),
                group=sources[0].get("group") if sources else None,
                answer=body.get("answer", body.get("detail", "")),
                answer_lang=body.get("lang"),
                refusal_reason=body.get("refusal_reason"),
                seconds=seconds,
                sources=sources,
                citations=body.get("citations") or [],
            )
        )
    return out


def lang_matches(item: GoldItem, outcome: Outcome) -> bool:
    """Answered in the asker's language: labelled so, and the text itself reads as it (in
    Cyrillic: a Kazakh answer may be in the Latin alphabet)."""
    return outcome.answer_lang == item.lang and Query.of(outcome.answer).lang == item.lang


# Numbers the FAQ writes as words: an as-typed fact "10" is met by "он" or "десять" as well
# (as-typed README: counts may be spelt out).
NUMBER_WORDS = {
    "2": "екі|два|двух|two", "3": "үш|три|трёх|трех|three", "6": "алты|алтау|шесть|six",
    "8": "сегіз|восемь|eight", "10": "он|десять|ten", "12": "он екі|двенадцать|twelve",
}  # fmt: skip
# A Kazakh stem ending in a voiceless consonant voices it before a vowel ("қауіпсіздік",
# "қауіпсіздігі"): the stem is matched without it.
_KK_FINAL = ("к", "қ", "п")


def _as_typed_fact(fact: str, lang: str) -> str:
    """An as-typed key fact as a pattern: alternatives ``a|b``, a number matched whole or as
    its word, each alternative also in the 2021 Latin alphabet (a Latin-script answer)."""
    alternatives: list[str] = []
    for alt in fact.split("|"):
        alt = alt.replace("ё", "е")
        if alt.isdigit():
            alternatives.append(rf"(?<!\d){alt}(?!\d)")
            words = NUMBER_WORDS.get(alt, "").split("|")
            alternatives += [rf"(?<!\w){re.escape(w)}(?!\w)" for w in words if w]
            continue
        if lang == "kk" and len(alt) > 4 and alt.endswith(_KK_FINAL):
            alt = alt[:-1]
        alternatives += [re.escape(alt), re.escape(kk_to_latin(alt))]
    return "|".join(dict.fromkeys(alternatives))


def fact_coverage(item: GoldItem, answer: str) -> float:
    """Share of the key facts (regular expressions) the answer contains. As-typed facts are
    stems in Cyrillic: a Latin-script answer is read in Cyrillic too, "ё" as "е"."""
    if item.split is None:
        patterns = item.key_facts
    else:
        patterns = [_as_typed_fact(f, item.lang) for f in item.key_facts]
        answer = f"{answer}\n{Query.of(answer).text}".replace("ё", "е").replace("Ё", "Е")
    found = [bool(re.search(fact, answer, re.IGNORECASE)) for fact in patterns]
    return sum(found) / len(found)


def _mean(values: Sequence[float]) -> float:
    return round(float(np.mean(values)), 4) if values else 0.0


def _latency(outcomes: Sequence[Outcome]) -> dict[str, float]:
    seconds = [o.seconds for o in outcomes]
    if not seconds:
        return {"p50_ms": 0.0, "p95_ms": 0.0}
    return {
        "p50_ms": round(float(np.percentile(seconds, 50)) * 1000, 1),
        "p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 1),
    }


def report(
    gold: Sequence[GoldItem],
    answered: Sequence[Outcome],
    refusals: Sequence[RefusalItem],
    refused: Sequence[Outcome],
) -> dict:
    """Metrics per language, per style and overall."""
    by_id = {i.id: i for i in gold}

    def answer_metrics(outcomes: Sequence[Outcome]) -> dict:
        pairs = [(by_id[o.id], o) for o in outcomes]
        return {
            "n": len(outcomes),
            "hit_at_1": _mean([float(o.group in i.expected) for i, o in pairs]),
            # Answered from the wrong entry with the right one nowhere among the sources (a
            # "see also" naming the right entry does not count): the harmful kind of miss.
            "wrong_unnamed": _mean(
                [
                    float(
                        o.kind != "refusal"
                        and not any(s.get("group") in i.expected for s in o.sources)
                    )
                    for i, o in pairs
                ]
            ),
            "faq_hit_at_1": _mean(
                [float(o.kind == "faq" and o.group == i.expected[0]) for i, o in pairs]
            ),
            "key_facts": _mean([fact_coverage(i, o.answer) for i, o in pairs]),
            "lang_match": _mean([float(lang_matches(i, o)) for i, o in pairs]),
            "kinds": {k: sum(o.kind == k for o in outcomes) for k in KINDS},
            **_latency(outcomes),
        }

    def refusal_metrics(should_answer: Sequence[Outcome], should_refuse: Sequence[Outcome]) -> dict:
        tp = sum(o.kind == "refusal" for o in should_refuse)
        fp = sum(o.kind == "refusal" for o in should_answer)
        fn = len(should_refuse) - tp
        classes = {r.id: r.refusal_class for r in refusals}
        right_class = sum(o.refusal_reason == classes[o.id] for o in should_refuse)
        return {
            "n": len(should_refuse),
            "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "class_accuracy": round(right_class / len(should_refuse), 4) if should_refuse else 0.0,
        }

    langs = sorted({i.lang for i in gold} | {r.lang for r in refusals})
    per_lang = {}
    for lang in langs:
        mine = [o for o in answered if o.lang == lang]
        theirs = [o for o in refused if o.lang == lang]
        per_lang[lang] = {
            "answers": answer_metrics(mine),
            "refusals": refusal_metrics(mine, theirs),
        }
    styles = sorted({i.style for i in gold})
    refusal_style = {r.id: r.style for r in refusals}
    per_half = {
        name: {
            "answers": answer_metrics([o for o in answered if _half(o.id) == half]),
            "refusals": refusal_metrics(
                [o for o in answered if _half(o.id) == half],
                [o for o in refused if _half(o.id) == half],
            ),
        }
        for name, half in HALVES.items()
    }
    return {
        "overall": {
            "answers": answer_metrics(answered),
            "refusals": refusal_metrics(answered, refused),
            "latency": _latency([*answered, *refused]),
        },
        "per_lang": per_lang,
        # The thresholds are calibrated on the dev half: the held-out half is the honest figure.
        "per_half": per_half,
        "per_lang_half": {
            f"{lang}/{name}": answer_metrics(
                [o for o in answered if o.lang == lang and _half(o.id) == half]
            )
            for lang in langs
            for name, half in HALVES.items()
        },
        "per_style": {
            s: answer_metrics([o for o in answered if by_id[o.id].style == s]) for s in styles
        },
        # Refusal precision and recall within each style (questions and prompts of the style).
        "per_style_refusals": {
            s: refusal_metrics(
                [o for o in answered if by_id[o.id].style == s],
                [o for o in refused if refusal_style[o.id] == s],
            )
            for s in sorted(set(styles) | set(refusal_style.values()))
        },
        "misses": [
            {"id": o.id, "question": o.question, "kind": o.kind, "group": o.group,
             "expected": by_id[o.id].expected}
            for o in answered
            if o.group not in by_id[o.id].expected
        ],
        "wrong_refusals": [
            {"id": o.id, "question": o.question, "kind": o.kind, "reason": o.refusal_reason}
            for o in refused
            if o.kind != "refusal"
        ],
    }  # fmt: skip


# --- calibration ---------------------------------------------------------------------------------

# Candidate thresholds on the FAQ matcher's probability.
SUPPORT_GRID = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3)
# Above the support threshold: where a jury question with a word no FAQ or guidance text uses
# is refused as unsupported.
FOREIGN_STEPS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2)
OFF_TOPIC_STEPS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4)
THRESHOLD_GRID = (0.02, 0.03, 0.04, *(round(float(t), 2) for t in np.arange(0.05, 0.96, 0.05)))
SEE_ALSO_GRID = (0.0, 0.05, 0.1, 0.2, 0.3)
# Refusal figures the thresholds must keep on the dev questions (the issue asks recall 1.0 and
# precision 0.95 on the held-out ones).
REFUSAL_PRECISION = 0.95
REFUSAL_RECALL = 0.95
# The share of the dev questions to answer the refusal thresholds may refuse, whatever prompts
# they catch (the old gold set must not drop for them).
GOLD_REFUSED_MAX = 0.01


class _Paths(BaseModel):
    """What each question gets on each path, the thresholds aside (numpy arrays per question)."""

    model_config = {"arbitrary_types_allowed": True}

    folded: list[str]
    foreign: np.ndarray  # the question has a word no FAQ or guidance text uses
    gold: np.ndarray  # a question to answer (else a prompt to refuse)
    refused: np.ndarray  # refused whatever the thresholds (wording, another legal matter)
    score: np.ndarray  # best FAQ probability
    margin: np.ndarray  # lead over a runner-up on the same topic (inf: none)
    hit: np.ndarray  # the best FAQ entry is right
    facts: np.ndarray  # key-fact coverage of the FAQ answer
    facts_named: np.ndarray  # ... with the runner-up named
    hit_extracted: np.ndarray  # the extractive answer's first source is right
    facts_extracted: np.ndarray

    @classmethod
    def of(
        cls,
        items: Sequence[GoldItem | RefusalItem],
        queries: Sequence[Query],
        plain: Sequence[Outcome],
        named: Sequence[Outcome],
        extracted: Sequence[Outcome],
    ) -> _Paths:
        def hits(outcomes: Sequence[Outcome]) -> np.ndarray:
            return np.asarray(
                [
                    isinstance(i, GoldItem) and o.group in i.expected
                    for i, o in zip(items, outcomes, strict=True)
                ]
            )

        def facts(outcomes: Sequence[Outcome]) -> np.ndarray:
            return np.asarray(
                [
                    fact_coverage(i, o.answer) if isinstance(i, GoldItem) else 0.0
                    for i, o in zip(items, outcomes, strict=True)
                ]
            )

        def margin(o: Outcome) -> float:
            scores = [s["score"] for s in o.sources]
            return scores[0] - scores[1] if len(scores) > 1 else float("inf")

        return cls(
            folded=[q.folded for q in queries],
            foreign=np.asarray([bool(q.foreign) for q in queries]),
            gold=np.asarray([isinstance(i, GoldItem) for i in items]),
            refused=np.asarray([o.kind == "refusal" for o in plain]),
            score=np.asarray([o.sources[0]["score"] if o.sources else 0.0 for o in plain]),
            margin=np.asarray([margin(o) for o in named]),
            hit=hits(plain),
            facts=facts(plain),
            facts_named=facts(named),
            hit_extracted=hits(extracted),
            facts_extracted=facts(extracted),
        )

    def best(self) -> tuple[float, faq.Calibration, dict[str, float]]:
        """The thresholds and see-also margin with the highest hit@1 + key-fact coverage whose
        refusals keep ``REFUSAL_PRECISION`` and ``REFUSAL_RECALL`` (or, when none do, the most
        dev items right, answers and refusals alike); also the refusal figures there."""
        found: list[tuple[float, tuple[float, float, float, float]]] = []
        gold = self.gold

        def refused_at(key: tuple[float, float, float, float]) -> np.ndarray:
            return self.refused | np.asarray(
                [
                    out_of_scope(q, s, f, *key) is not None
                    for q, s, f in zip(self.folded, self.score, self.foreign, strict=True)
                ]
            )

        Key = tuple[float, float, float, float]
        reach: dict[Key, tuple[float, float, float]] = {}
        refusing: dict[Key, np.ndarray] = {}
        steps = itertools.product(SUPPORT_GRID, OFF_TOPIC_STEPS, FOREIGN_STEPS, OFF_TOPIC_STEPS)
        for support, step, foreign_step, foreign_off_step in steps:
            off_topic = round(support + step, 4)
            key = (
                support,
                off_topic,
                round(support + foreign_step, 4),
                round(off_topic + foreign_off_step, 4),
            )
            refused = refused_at(key)
            # Thresholds refusing more than ``GOLD_REFUSED_MAX`` of the questions to
            # answer are out, whatever prompts they catch.
            if (refused & gold & ~self.refused).sum() > GOLD_REFUSED_MAX * gold.sum():
                continue
            tp, fp = int((refused & ~gold).sum()), int((refused & gold).sum())
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / max(int((~gold).sum()), 1)
            fit = min(1.0, precision / REFUSAL_PRECISION, recall / REFUSAL_RECALL)
            reach[key] = (fit, precision, recall)
            refusing[key] = refused
        # When no thresholds keep both refusal figures (jury questions nothing supports score
        # like badly worded answerable ones), every dev item counts alike (a question its
        # hit@1 + key facts, halved; a prompt 1 when refused).
        feasible = max(f for f, _, _ in reach.values()) >= 1.0
        for key, (fit, _, _) in reach.items():
            if feasible and fit < 1.0:
                continue
            refused = refusing[key]
            support = key[0]
            caught = int((refused & ~gold).sum())
            for threshold in THRESHOLD_GRID:
                if threshold < support:
                    continue
                use = gold & ~refused & (self.score >= threshold)
                extract = gold & ~refused & ~use
                for see_also in SEE_ALSO_GRID:
                    facts = np.where(self.margin < see_also, self.facts_named, self.facts)
                    gain = (
                        (self.hit & use).sum()
                        + (self.hit_extracted & extract).sum()
                        + (facts * use).sum()
                        + (self.facts_extracted * extract).sum()
                    ) / (2 * gold.sum())
                    if not feasible:
                        gain = (gain * gold.sum() + caught) / len(gold)
                    found.append((float(gain), (*key, threshold, see_also)))
        top = max(g for g, _ in found)
        tied = np.asarray([p for g, p in found if g >= top - 1e-9])
        # The most cautious refusal thresholds among the ties (below the dev questions the
        # plateau runs on unchecked), then the middle of the tied FAQ thresholds and margins.
        for column in (0, 1, 2, 3):
            tied = tied[tied[:, column] == tied[:, column].max()]
        middle = np.median(tied, axis=0)
        picked = [float(v) for v in tied[np.argmin(np.abs(tied - middle).sum(1))]]
        support, off_topic, foreign, foreign_off_topic, threshold, see_also = picked
        _, precision, recall = reach[(support, off_topic, foreign, foreign_off_topic)]
        chosen = faq.Calibration(
            threshold=threshold,
            support_min=support,
            off_topic_min=off_topic,
            foreign_min=foreign,
            foreign_off_topic_min=foreign_off_topic,
            see_also=see_also,
        )
        return top, chosen, {"refusal_precision": precision, "refusal_recall": recall}


def calibrate(
    services: Services,
    gold: Sequence[GoldItem] | None = None,
    refusals: Sequence[RefusalItem] | None = None,
) -> dict:
    """Choose the FAQ, support and off-topic thresholds on the matcher's probability and the
    see-also margin on the dev questions: the dev half of the gold questions and refusal
    prompts (split by id) and the dev split of the as-typed set (never its held-out split).

    Every dev question is asked three times, with the FAQ answer forced (with and without the
    runner-up named) and with the extractive answer forced, and ``_Paths.best`` picks the values
    with the best dev hit@1 + key facts at the refusal targets. Returns the chosen values,
    whether they are the ones in ``assistant/answer/faq_model.json``, and the answer eval
    (``report``) of the old gold set with them.
    """
    gold = list(gold if gold is not None else gold_items())
    refusals = list(refusals if refusals is not None else refusal_items())
    typed_gold, typed_refusals = as_typed_items("dev")
    loaded = services.require()
    dev = [
        *[i for i in gold if _half(i.id) == HALVES["dev"]],
        *typed_gold,
        *[i for i in refusals if _half(i.id) == HALVES["dev"]],
        *typed_refusals,
    ]
    engine = services.answers
    queries = [engine.query(loaded, i.question) for i in dev]
    # Probabilities never fall below 0 or reach 2: these force one path.
    forced = faq.Calibration(threshold=0.0, support_min=0.0, off_topic_min=0.0, see_also=0.0)
    with TestClient(create_app(services.settings, services)) as client:
        _wait_ready(client)
        runs = []
        for threshold, see_also in ((0.0, 0.0), (0.0, 1.0), (2.0, 0.0)):
            engine.calibration = forced.model_copy(
                update={"threshold": threshold, "see_also": see_also}
            )
            runs.append(ask_all(client, dev))
        paths = _Paths.of(dev, queries, *runs)
        gain, chosen, refusal_figures = paths.best()
        engine.calibration = chosen
        try:
            result = report(gold, ask_all(client, gold), refusals, ask_all(client, refusals))
        finally:
            engine.calibration = faq.CALIBRATION
    return {
        "calibration": chosen.model_dump(),
        "in_use": chosen == faq.CALIBRATION,
        "dev_gain": round(gain, 4),
        "dev_questions": len(dev),
        "dev_refusals": refusal_figures,
        "dev_scores": {
            "gold_refused_by_wording": int((paths.gold & paths.refused).sum()),
            "prompts_not_refused_by_wording": int((~paths.gold & ~paths.refused).sum()),
            "prompt_scores": sorted(
                round(float(v), 3) for v in paths.score[~paths.gold & ~paths.refused]
            ),
            "gold_score_quantiles": [
                round(float(np.quantile(paths.score[paths.gold], q)), 3)
                for q in (0.02, 0.05, 0.1, 0.25, 0.5)
            ],
        },
        "per_half": result["per_half"],
        "per_lang_half": result["per_lang_half"],
    }


# --- main ----------------------------------------------------------------------------------------


def _wait_ready(client: TestClient, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/ready").status_code != 200:
        if time.monotonic() > deadline:
            raise SystemExit("the store did not load")
        time.sleep(0.2)


def _print_table(result: dict) -> None:
    print(f"{'lang':<6}{'n':>4}{'hit@1':>8}{'faq@1':>8}{'facts':>8}{'lang':>8}"
          f"{'ref.P':>8}{'ref.R':>8}{'p50 ms':>9}{'p95 ms':>9}")  # fmt: skip
    rows = [*result["per_lang"].items(), ("all", result["overall"])]
    for lang, block in rows:
        a, r = block["answers"], block["refusals"]
        print(
            f"{lang:<6}{a['n']:>4}{a['hit_at_1']:>8.3f}{a['faq_hit_at_1']:>8.3f}"
            f"{a['key_facts']:>8.3f}{a['lang_match']:>8.3f}{r['precision']:>8.3f}"
            f"{r['recall']:>8.3f}{a['p50_ms']:>9.0f}{a['p95_ms']:>9.0f}"
        )
    for half, block in result["per_half"].items():
        a, r = block["answers"], block["refusals"]
        print(
            f"{half:<9}n={a['n']} hit@1={a['hit_at_1']:.3f} facts={a['key_facts']:.3f} "
            f"lang={a['lang_match']:.3f} ref.P={r['precision']:.3f} ref.R={r['recall']:.3f}"
        )
    for key, a in result["per_lang_half"].items():
        print(f"{key:<12}n={a['n']} hit@1={a['hit_at_1']:.3f} facts={a['key_facts']:.3f}")
    for style, a in result["per_style"].items():
        print(f"style {style}: n={a['n']} hit@1={a['hit_at_1']:.3f} facts={a['key_facts']:.3f}")
    for miss in result["misses"]:
        print(f"miss {miss['id']}: {miss['question']} -> {miss['kind']} {miss['group']}")
    for miss in result["wrong_refusals"]:
        print(f"not refused {miss['id']}: {miss['question']} -> {miss['kind']}")


def style_rows(result: dict) -> list[dict]:
    """One row per style (and "all"): answers and refusal figures of ``report``'s result."""
    rows = []
    blocks = {**result["per_style_refusals"], "all": result["overall"]["refusals"]}
    for style, refusals in blocks.items():
        answers = result["per_style"].get(style) or (
            result["overall"]["answers"] if style == "all" else None
        )
        rows.append(
            {
                "style": style,
                "n": answers["n"] if answers else 0,
                "hit_at_1": answers["hit_at_1"] if answers else None,
                "key_facts": answers["key_facts"] if answers else None,
                "lang_match": answers["lang_match"] if answers else None,
                "refusals": refusals["n"],
                "refusal_precision": refusals["precision"],
                "refusal_recall": refusals["recall"],
            }
        )
    return rows


def print_styles(result: dict, misses: bool) -> None:
    print(f"{'style':<15}{'n':>4}{'hit@1':>8}{'facts':>8}{'lang':>8}{'refus':>7}{'ref.P':>8}"
          f"{'ref.R':>8}")  # fmt: skip
    for row in style_rows(result):
        figures = [row[k] for k in ("hit_at_1", "key_facts", "lang_match")]
        shown = "".join(f"{v:>8.3f}" if v is not None else f"{'-':>8}" for v in figures)
        print(
            f"{row['style']:<15}{row['n']:>4}{shown}{row['refusals']:>7}"
            f"{row['refusal_precision']:>8.3f}{row['refusal_recall']:>8.3f}"
        )
    latency = result["overall"]["latency"]
    print(f"latency p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms")
    if misses:
        for miss in result["misses"]:
            print(f"miss {miss['id']}: {miss['question']} -> {miss['kind']} {miss['group']}"
                  f" (expected {miss['expected'][:2]})")  # fmt: skip
        for miss in result["wrong_refusals"]:
            print(f"not refused {miss['id']}: {miss['question']} -> {miss['kind']}")


def evaluate(
    services: Services,
    gold: Sequence[GoldItem] | None = None,
    refusals: Sequence[RefusalItem] | None = None,
) -> dict:
    """Every gold question and refusal prompt through ``POST /v1/ask`` of an in-process app on
    ``services`` (its store must hold the guidance and the FAQ); returns ``report``'s metrics."""
    gold = list(gold if gold is not None else gold_items())
    refusals = list(refusals if refusals is not None else refusal_items())
    with TestClient(create_app(services.settings, services)) as client:
        _wait_ready(client)
        # One warm-up call builds the FAQ index, so latency reflects steady state.
        client.post("/v1/ask", json={"question": "алқаби"})
        answered = ask_all(client, gold)
        refused = ask_all(client, refusals)
    return report(gold, answered, refusals, refused)


def eval_services(store: Path) -> Services:
    """Services over ``store``, indexed first (guidance and FAQ)."""
    embedder = make_embedder(query_settings(get_settings().embedder))
    return Services(build_store(store, embedder), embedder)


def loaded_eval_services(argv: Sequence[str] | None, description: str) -> Services:
    """Loaded ``eval_services`` over the store a command line names (``--store``), for the
    model trainers."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    services = eval_services(parser.parse_args(argv).store)
    services.load()
    return services


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--calibrate", action="store_true", help="choose the thresholds")
    parser.add_argument(
        "--write", action="store_true", help="with --calibrate: keep them in faq_model.json"
    )
    parser.add_argument(
        "--as-typed",
        choices=tuple(AS_TYPED_FILES),
        help="an as-typed split instead, per style (misses listed for dev only)",
    )
    args = parser.parse_args(argv)

    services = eval_services(args.store)
    if args.as_typed:
        typed_gold, typed_refusals = as_typed_items(args.as_typed)
        result = evaluate(services, typed_gold, typed_refusals)
        if args.json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        else:
            print_styles(result, misses=args.as_typed == "dev")
        return 0
    gold, refusals = gold_items(), refusal_items()
    if args.calibrate:
        services.load()
        result = calibrate(services, gold, refusals)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        if args.write:
            chosen = faq.Calibration(**result["calibration"])
            faq.save_model_file(faq.model_file().model_copy(update={"calibration": chosen}))
        return 0
    result = evaluate(services, gold, refusals)
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        _print_table(result)
    overall = result["overall"]
    ok = all(overall["answers"][k] >= v for k, v in TARGETS.items()) and all(
        overall["refusals"][k] >= REFUSAL_TARGET for k in ("precision", "recall")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
