"""The ECtHR suite on a slice of the real judgments (skipped without ../shared), and proof that
the respondent state cannot move an estimate: swapping it in the facts leaves the probabilities
exactly as they were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.cases.catalog import Catalog
from assistant.cases.model import AbstentionRule
from assistant.cases.predict import eligible, estimate
from assistant.cases.train import Trainer
from assistant.core.cases import neutral_text
from assistant.core.config import CaseSettings, Settings, StoreSettings
from assistant.core.embeddings import Embedder
from assistant.core.states import STATE_TOKEN, mentions, states
from evals import echr
from evals.harness import markdown
from evals.harness.context import EvalContext
from evals.harness.model import Run, RunInfo
from evals.harness.suites import SUITES
from evals.harness.suites.echr import FAST_PER_LABEL

requires_echr = pytest.mark.skipif(
    not (echr.DATA / echr.FILES[0]).exists(), reason=f"{echr.DATA} is not present"
)


def swap_state(text: str, source: str, target: str) -> str:
    """``text`` with every term of state ``source`` replaced by the matching term of ``target``
    (same field, same position, else its first term)."""
    a, b = states()[source], states()[target]
    for field in ("names", "adjectives", "places", "currency"):
        theirs = getattr(b, field) or b.names
        for i, term in enumerate(sorted(getattr(a, field), key=len, reverse=True)):
            text = text.replace(term, theirs[min(i, len(theirs) - 1)])
    return text


def test_the_passage_hides_the_state_and_titled_names():
    facts = (
        "THE CIRCUMSTANCES OF THE CASE5. Mr Jan Kowalski_ a Polish national_ was arrested in "
        "Gdańsk.6. On 3 May 2001 the Warsaw Regional Court ordered Ms A.B. Nowak to pay "
        "2_000 zlotys (PLN)."
    )
    text = echr.passage(facts)
    assert mentions(text) == [] and "Kowalski" not in text and "Nowak" not in text
    assert f"a {STATE_TOKEN} national, was arrested in {STATE_TOKEN}." in text
    assert f"2,000 {STATE_TOKEN} ({STATE_TOKEN})" in text
    assert echr.passage(swap_state(facts, "POL", "TUR")) == text
    # Without the masking the swap reaches the text.
    assert neutral_text(swap_state(facts, "POL", "TUR"), "en") != neutral_text(facts, "en")


def test_windows_cover_the_opening_of_the_facts_at_word_boundaries():
    text = " ".join(f"word{i}" for i in range(2000))
    parts = echr.windows(text, size=100, count=3)
    assert len(parts) == 3 and all(len(p) <= 100 for p in parts)
    assert " ".join(parts) == text[: len(" ".join(parts))]
    assert echr.windows("short facts") == ["short facts"]


def test_the_served_trainer_learns_a_collections_own_labels():
    """Acts with labels and a category the project does not know (as the ECtHR collection
    brings them) train and evaluate through the served path: two separable clusters of vectors."""
    rng = np.random.default_rng(7)
    centres = {"violation": rng.normal(size=16), "no_violation": rng.normal(size=16)}
    labels = ["violation", "no_violation"] * 40
    judgments = [
        echr.Judgment(
            item_id=f"001-{i:05d}", year=2000 + i // 4, respondent="X", outcome=label, facts=""
        )
        for i, label in enumerate(labels)
    ]
    vectors = np.stack([centres[label] + rng.normal(scale=0.8, size=16) for label in labels])
    catalog = echr.catalog(judgments, vectors, echr.collection().category)
    assert [r.year for r in judgments] == sorted(r.date.year for r in catalog.records)
    s = CaseSettings()
    rule = AbstentionRule(floor=-1.0, min_precedents=1, min_confidence=0.0)
    model = Trainer(catalog, s.precedents, rule).fit("synthetic", "none")
    assert sorted(model.classes) == ["no_violation", "violation"]
    assert model.metrics.n_test == 32 and model.metrics.coverage == 1.0
    assert model.metrics.macro_f1 > model.baseline.macro_f1 + 0.3


def _imbalanced(flip_from: int | None = None) -> Catalog:
    """100 judgments in year order, 80 % violations, the two labels' vectors overlapping; the
    labels from position ``flip_from`` on are flipped (the newest block only, when it is 90)."""
    rng = np.random.default_rng(11)
    labels = np.where(rng.random(100) < 0.2, "no_violation", "violation")
    centres = {"violation": rng.normal(size=16), "no_violation": rng.normal(size=16)}
    vectors = np.stack([centres[label] + rng.normal(scale=3.0, size=16) for label in labels])
    if flip_from is not None:
        labels[flip_from:] = np.where(
            labels[flip_from:] == "violation", "no_violation", "violation"
        )
    judgments = [
        echr.Judgment(
            item_id=f"001-{i:05d}", year=2000 + i // 4, respondent="X", outcome=label, facts=""
        )
        for i, label in enumerate(labels)
    ]
    return echr.catalog(judgments, vectors, "echr")


def test_the_label_rule_is_chosen_on_training_judgments_only():
    """Each rolling origin's label rule comes from the judgments before it: flipping every label
    of the newest block (what the last origin predicts) changes the figures measured on it, not
    one weight of any origin's rule; the rule puts the minority label forward and raises
    macro-F1 over the plain arg-max of the same probabilities."""
    rule = AbstentionRule(floor=-1.0, min_precedents=1, min_confidence=0.0)
    k = CaseSettings().precedents
    models = [Trainer(_imbalanced(flip), k, rule).fit("synthetic", "none") for flip in (None, 90)]
    same, flipped = (m.split.folds for m in models)
    assert [f.decision for f in same] == [f.decision for f in flipped]
    assert (same[-1].accuracy, same[-1].macro_f1) != (flipped[-1].accuracy, flipped[-1].macro_f1)
    assert models[0].decision != models[1].decision  # the served model sees every label
    model = models[0]
    weights = dict(zip(model.classes, model.decision.log_weights, strict=True))
    assert weights["violation"] == 0.0 and weights["no_violation"] > 0.0
    assert model.metrics.macro_f1_argmax is not None
    assert model.metrics.macro_f1 > model.metrics.macro_f1_argmax


@pytest.fixture(scope="module")
def sliced() -> list[echr.Judgment]:
    return echr.read(echr.DATA, echr.collection().labels, FAST_PER_LABEL)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the suite keeps its embedding cache (var/eval/echr/...), shared by the tests of this
    module so that the slice is embedded once."""
    return tmp_path_factory.mktemp("echr")


@requires_echr
def test_swapping_the_respondent_state_leaves_the_probabilities_unchanged(
    sliced: list[echr.Judgment], embedder: Embedder, workdir: Path
):
    coll = echr.collection()
    cache = workdir / echr.CACHE
    vectors = echr.embed([echr.passage(j.facts) for j in sliced], embedder, cache)
    catalog = echr.catalog(sliced, vectors, coll.category)
    s = CaseSettings()
    rule = AbstentionRule(
        floor=s.precedent_floor, min_precedents=s.min_precedents, min_confidence=s.min_confidence
    )
    model = Trainer(catalog, s.precedents, rule).fit("echr", embedder.info.compat_id)
    named = [j for j in sliced if j.respondent in ("POL", "ROU", "RUS") and mentions(j.facts)]
    assert named, "the slice holds judgments that name their respondent state"
    for j in named[:2]:
        position = catalog.position(j.item_id)
        pool = eligible(catalog) & catalog.others(position)
        swapped = swap_state(j.facts, j.respondent, "TUR")
        assert swapped != j.facts
        probs = []
        for facts in (j.facts, swapped):
            vector = echr.embed([echr.passage(facts)], embedder, cache)[0]
            vector = vector / np.linalg.norm(vector)
            probs.append(estimate(model, catalog, vector, coll.category, [], pool).probabilities)
        assert np.array_equal(probs[0], probs[1])
        assert abs(probs[0].sum() - 1) < 1e-9


@requires_echr
def test_the_suite_reports_figures_next_to_the_baseline_and_published_ones(
    workdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(workdir)  # the suite's embedding cache goes under var/ here
    ctx = EvalContext(
        settings=Settings(store=StoreSettings(dir=tmp_path / "store")),
        store=tmp_path / "store",
        out=tmp_path / "run",
        fast=True,
    )
    result = SUITES["echr"](ctx)
    assert result.skipped is None and result.error is None
    figures = {m.name: m for m in result.metrics}
    n = figures["macro_f1"].n
    # Four rolling origins over the newest 40 % of the slice, in year order.
    assert n == sum(f["test"] for f in result.details["split"]["folds"]) > 0
    assert 0 <= figures["ece"].value <= 1 and 0 <= figures["brier"].value <= 2
    assert 0 <= figures["coverage"].value <= 1
    # One label for every judgment (the older judgments' majority): half the macro-F1 at most.
    assert 0 < figures["baseline_accuracy"].value < 1
    assert figures["baseline_macro_f1"].value <= 0.5
    assert figures["macro_f1_argmax"].n == n
    assert 0 < figures["respondent_probe_accuracy"].n <= result.details["judgments"]
    assert (ctx.out / result.details["reliability_png"]).read_bytes()[:4] == b"\x89PNG"
    assert result.details["published"][0]["source"].startswith("Aletras")
    assert result.details["judgments"] == 2 * FAST_PER_LABEL
    assert (workdir / echr.CACHE).exists()
    # Twice: the same figures (deterministic, the vectors now all from the cache).
    again = SUITES["echr"](ctx)
    assert [m.value for m in again.metrics] == [m.value for m in result.metrics]
    info = RunInfo(
        started="now",
        commit=None,
        dirty=False,
        store="s",
        snapshot=None,
        corpus_hash=None,
        documents=None,
        chunks=None,
        embedder={},
        settings={},
        suites=["echr"],
    )
    text = markdown.render(Run(info=info, results=[result]))
    assert "| Alqabi predictor |" in text and "| majority |" in text
    assert "Aletras et al. 2016" in text and "Respondent state told" in text
