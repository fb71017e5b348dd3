"""``alqabi eval``: the fast gated subset on the small answer store (the gate `make test` runs),
a deliberately degraded retriever that fails the gate and shows red in the comparison, an
evaluator's own gold set, the citation and groundedness checks, and the court-act suites."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core.config import Settings, StoreSettings
from evals.harness.context import EvalContext, store_view
from evals.harness.grounding import Checker
from evals.harness.model import Run
from evals.harness.suites import SUITES
from tests.test_answer_store import REPO, answer_services

# The case store of the court-act tests (120 generated acts), shared in this session.
pytest_plugins = ("test_case_search",)

ARTIFACTS = REPO / "tests" / "artifacts" / "eval"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FAST_SUITES = ("retrieval", "answers", "latency", "feedback")
# Lexical-only fusion. On the small guidance store dense alone is about as good as the
# shipped hybrid (MRR 0.86 vs 0.84), so the degradation to catch is losing dense.
DEGRADED = {"ALQABI_RETRIEVAL_DENSE_WEIGHT": "0"}


def alqabi_eval(cwd: Path, *args: str, env: dict[str, str] | None = None):
    """The real command in a fresh process, as an evaluator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "eval", *args],
        cwd=cwd,
        # Wide enough that rich does not wrap the messages the tests look for.
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "400", **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )


def screenshot(report: Path, name: str) -> Path | None:
    """The report in headless Chromium, saved as a test artifact (None without Chromium)."""
    if CHROMIUM is None:
        return None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            report.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return shot


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    return answer_services(tmp_path_factory.getbasetemp()).store_dir


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("eval")


@pytest.fixture(scope="module")
def votes(work: Path) -> dict[str, str]:
    """An application database with votes stored through the API's own store."""
    from assistant.db import Database
    from assistant.db.feedback import FeedbackRecord, FeedbackStore

    url = f"sqlite:///{work / 'alqabi.sqlite'}"
    db = Database(url)
    db.upgrade()
    feedback = FeedbackStore(db, salt="test")
    for n, vote in enumerate(("up", "up", "down")):
        feedback.add(
            FeedbackRecord(
                question=f"сколько платят? звоните +7 701 123 45 6{n}",
                answer="…",
                vote=vote,
                user=f"tg:{n}",
                lang="ru",
                kind="faq",
            )
        )
    db.dispose()
    return {"ALQABI_DATABASE_URL": url}


@pytest.fixture(scope="module")
def good(store: Path, work: Path, votes: dict[str, str]) -> Path:
    before = sorted(p.name for p in store.iterdir())
    done = alqabi_eval(
        work,
        *FAST_SUITES,
        "--store",
        str(store),
        "--out",
        str(work / "good"),
        "--fast",
        "--gate",
        "--markdown",
        str(work / "good.md"),
        env=votes,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # Caches and models went to the view, not into the evaluated store.
    assert sorted(p.name for p in store.iterdir()) == before
    return work / "good"


def test_fast_gate_passes_and_writes_run_and_report(good: Path):
    run = Run.model_validate_json((good / "run.json").read_bytes())
    assert [r.suite for r in run.results] == list(FAST_SUITES)
    assert not run.failed and all(not r.skipped for r in run.results)
    info = run.info
    assert info.corpus_hash and len(info.corpus_hash) == 64
    assert info.embedder["family"] == "multilingual-e5-small"
    assert info.settings["retrieval"]["lexical_weight"] > 0
    assert info.commit is None or len(info.commit) == 40
    assert run.gate and all(c.passed for c in run.gate)
    metrics = run.metrics()
    for key in (
        "retrieval/guidance/hybrid/kk/recall@5",
        "retrieval/guidance/peer/all/ndcg@10",
        "answers/all/citation_correctness",
        "answers/ru/groundedness",
        "answers/all/refusal_recall",
        "latency/http/ask/p99_ms",
        "latency/in-process/search/p50_ms",
        "feedback/up_share",
    ):
        assert key in metrics, key
    assert metrics["feedback/up_share"].value == pytest.approx(2 / 3, abs=1e-3)
    html = (good / "report.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64,") >= 4
    assert "gate: passed" in html and "<script" not in html
    # Stored texts are masked, and so is what the report shows of them.
    assert "+7 701" not in html and "[phone]" in html
    table = (good.parent / "good.md").read_text(encoding="utf-8")
    assert "| hybrid |" in table and "citation_correctness" in table
    shot = screenshot(good / "report.html", "report.png")
    if shot is not None:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_degraded_retriever_fails_the_gate_and_shows_red(store: Path, work: Path, good: Path):
    done = alqabi_eval(
        work,
        "retrieval",
        "--store",
        str(store),
        "--out",
        str(work / "degraded"),
        "--fast",
        "--gate",
        "--compare",
        str(good),
        env=DEGRADED,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "thresholds missed" in done.stderr
    run = Run.model_validate_json((work / "degraded" / "run.json").read_bytes())
    assert run.info.settings["retrieval"]["dense_weight"] == 0
    failed = {c.key for c in run.gate if not c.passed}
    assert "retrieval/guidance/hybrid/all/mrr" in failed
    html = (work / "degraded" / "report.html").read_text(encoding="utf-8")
    assert "gate: FAILED" in html
    # The dropped metric is a red row of the comparison.
    assert '<tr class="worse"><td>retrieval/guidance/hybrid/all/mrr' in html
    # Methods that do not use the fusion weights did not move.
    assert '<tr class="same"><td>retrieval/guidance/dense/all/mrr' in html
    screenshot(work / "degraded" / "report.html", "report-degraded.png")


def test_a_finished_run_is_rendered_again_into_the_readme(work: Path, good: Path):
    readme = work / "README.md"
    readme.write_text(
        "# x\n<!-- eval-results:begin -->\nhand-typed\n<!-- eval-results:end -->\ntail\n",
        encoding="utf-8",
    )
    before = (good / "run.json").read_bytes()
    done = alqabi_eval(
        work,
        "--from-run",
        str(good / "run.json"),
        "--out",
        str(work / "rendered"),
        "--fast",
        "--gate",
        "--readme",
        str(readme),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = readme.read_text(encoding="utf-8")
    assert "hand-typed" not in text and "| hybrid |" in text and text.endswith("tail\n")
    assert "gate: passed" in (work / "rendered" / "report.html").read_text(encoding="utf-8")
    assert (good / "run.json").read_bytes() == before
    # The gate is applied again: stricter thresholds fail the same figures.
    strict = work / "strict.toml"
    strict.write_text(
        '[fast.min]\n"retrieval/guidance/hybrid/all/recall@5" = 1.01\n', encoding="utf-8"
    )
    done = alqabi_eval(
        work,
        "--from-run",
        str(good),
        "--out",
        str(work / "strict"),
        "--fast",
        "--gate",
        "--thresholds",
        str(strict),
    )
    assert done.returncode == 1 and "thresholds missed" in done.stderr


def test_own_gold_set_against_any_store(store: Path, work: Path):
    gold = work / "mine.jsonl"
    rows = [
        {
            "id": "pay",
            "lang": "ru",
            "question": "Какое вознаграждение получает присяжный?",
            "expected": ["faq-pay-amount", "guidance-pay-guarantees"],
            "key_facts": ["оклад"],
        },
        # No key facts: scored by retrieval only.
        {
            "id": "fine",
            "lang": "kk",
            "question": "алкаби келмесе айыппул",
            "expected": ["faq-fine-no-show"],
        },
        {
            "id": "other",
            "lang": "ru",
            "question": "Что такое вердикт?",
            "expected": ["no-such-group"],
        },
        {"id": "ref", "lang": "ru", "question": "Как приготовить плов?", "class": "off_topic"},
    ]
    gold.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    done = alqabi_eval(
        work, "retrieval", "answers", "--store", str(store), "--out", str(work / "mine"),
        "--gold", str(gold), "--fast",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    run = Run.model_validate_json((work / "mine" / "run.json").read_bytes())
    assert run.info.gold == str(gold)
    retrieval, answers = run.results
    assert retrieval.details["guidance"]["questions"] == 2
    assert retrieval.details["guidance"]["not_in_store"] == ["other"]
    assert answers.details["questions"] == 1 and answers.details["without_key_facts"] == ["fine"]
    assert run.metrics()["answers/all/refusal_recall"].n == 1

    bad = work / "bad.jsonl"
    bad.write_text(json.dumps(rows[0]) + '\n{"id": "x", "lang": "de"}\n', encoding="utf-8")
    done = alqabi_eval(work, "answers", "--store", str(store), "--gold", str(bad))
    assert done.returncode == 2
    assert f"{bad}:2" in done.stderr


def test_unknown_suite_and_broken_thresholds_are_clear_errors(store: Path, work: Path):
    done = alqabi_eval(work, "retrieval", "speed", "--store", str(store))
    assert done.returncode == 2 and "unknown suite speed" in done.stderr
    broken = work / "thresholds.toml"
    broken.write_text("[min]\n'answers/all/hit_at_1' = 'high'\n", encoding="utf-8")
    done = alqabi_eval(work, "--store", str(store), "--thresholds", str(broken))
    assert done.returncode == 2 and "must be numbers" in done.stderr


def test_grounding_flags_invented_sentences_and_wrong_articles(tmp_path_factory):
    services = answer_services(tmp_path_factory.getbasetemp())
    loaded = services.require()
    answer = services.answers.ask(loaded, "Сколько платят присяжным?")
    assert answer.kind == "faq" and answer.sources
    checker = Checker(loaded.store, loaded.retriever.embedder, services.store_dir, Settings().llm)
    sources = [s.model_dump() for s in answer.sources]
    honest = checker.check("a", "ru", answer.kind, answer.answer, sources, answer.citations)
    assert honest.citations_correct and honest.groundedness == 1.0
    invented = "Присяжному платят 5000 долларов наличными каждый вечер после заседания."
    forged = checker.check(
        "b", "ru", "faq", f"{answer.answer} {invented}", sources, [*answer.citations, "ст. 999 УПК"]
    )
    assert forged.unsupported == [invented]
    assert forged.groundedness < 1.0
    assert not forged.citations_correct and forged.articles_correct == len(answer.citations)
    # A "see also" line is a pointer, right only when it names a cited entry.
    pointer = "См. также: Как стать судьёй? (ст. 1 УПК)"
    pointed = checker.check(
        "d", "ru", "faq", f"{answer.answer}\n\n{pointer}", sources, answer.citations
    )
    assert pointed.unsupported == [pointer]
    tampered = [s | {"text": "Присяжным ничего не платят."} for s in sources]
    wrong_source = checker.check("c", "ru", "faq", answer.answer, tampered, answer.citations)
    assert wrong_source.sources_correct == 0 and not wrong_source.citations_correct


@pytest.mark.slow
def test_court_act_suites_on_generated_acts(case_services, tmp_path: Path):
    source = case_services.store_dir
    view = store_view(source, tmp_path / "views")
    ctx = EvalContext(
        settings=Settings(store=StoreSettings(dir=view)), store=source, out=tmp_path / "run"
    )
    cases = SUITES["cases"](ctx)
    assert not cases.skipped, cases.skipped
    keys = {m.key for m in cases.metrics}
    assert {"cases/by_case/hybrid/ndcg@10", "cases/by_text/dense/recall@10"} <= keys
    assert "cases/deviation_precision" in keys
    prediction = SUITES["prediction"](ctx)
    figures = {m.name: m.value for m in prediction.metrics}
    assert 0 <= figures["ece"] <= 1 and figures["accuracy"] > figures["baseline_accuracy"]
    assert (ctx.out / prediction.details["reliability_png"]).read_bytes()[:4] == b"\x89PNG"
    # The model was trained into the view, not into the evaluated store.
    assert any((view / "models").iterdir())
