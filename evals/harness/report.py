"""The self-contained HTML report of a run (figures embedded as PNG), optionally compared with
a previous run."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from evals.harness import plots
from evals.harness.gate import TOLERANCE, Change, compare
from evals.harness.model import Run, SuiteResult

TEMPLATES = Path(__file__).parent / "templates"
TITLES = {
    "retrieval": "Retrieval",
    "answers": "Answers",
    "cases": "Similar-case search and deviation flags",
    "prediction": "Outcome prediction (advisory)",
    "echr": "Outcome prediction on real judgments (ECtHR)",
    "latency": "Latency",
    "feedback": "Feedback (👍/👎 from the bot and the API)",
    "extraction": "Field extraction from real court acts",
}
MAX_LIST_ROWS = 40
ORDER = {"worse": 0, "better": 1, "same": 2}


@dataclass
class Section:
    title: str
    result: SuiteResult
    images: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lists: list[tuple[str, list[dict]]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return len(self.result.metrics) <= 30

    def image(self, data: bytes | None) -> None:
        if data:
            self.images.append(base64.b64encode(data).decode("ascii"))

    def listing(self, title: str, rows: list[dict]) -> None:
        if rows:
            self.lists.append((title, rows[:MAX_LIST_ROWS]))


def _flat(row: dict[str, Any]) -> dict[str, str]:
    return {k: ", ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in row.items()}


def _retrieval(s: Section) -> None:
    for dataset in ("guidance", "kazqad"):
        metrics = [m for m in s.result.metrics if m.labels.get("dataset") == dataset]
        s.image(
            plots.grouped_bars(
                metrics,
                ("recall@1", "recall@5", "mrr", "ndcg@10"),
                "lang",
                "method",
                f"{dataset}: per language and method (peer: plain langchain FAISS)",
            )
        )
        detail = s.result.details.get(dataset)
        if isinstance(detail, dict):
            s.notes.append(
                f"{dataset}: "
                + "; ".join(f"{k} {v}" for k, v in detail.items() if not isinstance(v, list))
            )
            if detail.get("not_in_store"):
                s.notes.append(
                    f"{len(detail['not_in_store'])} gold questions skipped: their documents "
                    "are not in this store"
                )
        elif detail:
            s.notes.append(f"{dataset}: {detail}")


def _answers(s: Section) -> None:
    d = s.result.details
    metrics = s.result.metrics
    s.image(
        plots.grouped_bars(
            [m for m in metrics if m.name != "ask_p95_ms"],
            ("hit_at_1", "key_facts", "citation_correctness", "groundedness"),
            "lang",
            "suite",
            "Answers per language",
        )
    )
    s.image(
        plots.grouped_bars(
            metrics,
            ("lang_match", "refusal_precision", "refusal_recall"),
            "lang",
            "suite",
            "Language match and refusals per language",
        )
    )
    s.image(
        plots.histogram(d.get("groundedness", []), "Groundedness per answer", "supported share")
    )
    if d:
        s.notes.append(
            f"{d['questions']} questions, {d['refusal_prompts']} refusal prompts ({d['gold']}); "
            f"answer kinds {d['kinds']}"
        )
    s.listing("missed (wrong or no document at rank 1)", [_flat(r) for r in d.get("misses", [])])
    s.listing("not refused", [_flat(r) for r in d.get("wrong_refusals", [])])
    s.listing(
        "citation or groundedness failures",
        [
            _flat({k: r[k] for k in ("id", "kind", "groundedness", "unsupported")})
            | {
                "sources ok": f"{r['sources_correct']}/{r['sources_cited']}",
                "articles ok": f"{r['articles_correct']}/{r['articles_cited']}",
            }
            for r in d.get("grounding_failures", [])
        ],
    )


def _cases(s: Section) -> None:
    metrics = s.result.metrics
    s.image(
        plots.grouped_bars(
            [m for m in metrics if "kind" in m.labels],
            ("ndcg@10", "recall@10"),
            "kind",
            "method",
            "Case search per query kind and method",
        )
    )
    s.image(
        plots.grouped_bars(
            [m for m in metrics if m.name.startswith("deviation_")],
            ("deviation_precision", "deviation_recall", "deviation_f1"),
            "set",
            "set",
            "Deviation flags against planted deviations",
        )
    )


def _prediction(s: Section, run_dir: Path) -> None:
    png = s.result.details.get("reliability_png")
    if png and (run_dir / png).exists():
        s.image((run_dir / png).read_bytes())
    s.image(
        plots.grouped_bars(
            [m for m in s.result.metrics if m.name in ("accuracy", "macro_f1")]
            + [
                m.model_copy(update={"name": m.name.removeprefix("baseline_")}).model_copy(
                    update={"labels": {"model": "majority baseline"}}
                )
                for m in s.result.metrics
                if m.name.startswith("baseline_")
            ],
            ("accuracy", "macro_f1"),
            "set",
            "model",
            "Held-out figures against the majority-class baseline",
        )
    )
    d = s.result.details
    if d:
        s.notes.append(
            f"model {d.get('model_version')}, time split {d.get('split')}, "
            f"generator ceiling accuracy {d.get('generator_ceiling_accuracy')}"
            if "generator_ceiling_accuracy" in d
            else f"{d.get('judgments')} judgments, time split {d.get('split')}, "
            f"respondent probe {d.get('respondent_probe')}, published {d.get('published')}"
        )


def _latency(s: Section) -> None:
    s.image(plots.latency_boxes(s.result.details.get("samples_ms", {})))


def _feedback(s: Section) -> None:
    s.image(plots.votes_by_day(s.result.details.get("by_day", [])))
    s.listing("recent 👎 (masked)", s.result.details.get("recent_down", []))


def sections(run: Run, run_dir: Path) -> list[Section]:
    out = []
    for result in run.results:
        s = Section(title=TITLES.get(result.suite, result.suite), result=result)
        if not result.error:
            if result.suite in ("prediction", "echr"):
                _prediction(s, run_dir)
            else:
                builder = {
                    "retrieval": _retrieval,
                    "answers": _answers,
                    "cases": _cases,
                    "latency": _latency,
                    "feedback": _feedback,
                }.get(result.suite)
                if builder:
                    builder(s)
        out.append(s)
    return out


def render(run: Run, run_dir: Path, previous: Run | None = None, name: str = "") -> str:
    """The report as one HTML string."""
    changes: list[Change] = compare(previous, run) if previous else []
    comparison = None
    if previous is not None:
        chart = plots.changes(changes)
        comparison = {
            "name": name,
            "run": previous,
            "changes": sorted(changes, key=lambda c: ORDER[c.status]),
            "worse": sum(c.status == "worse" for c in changes),
            "better": sum(c.status == "better" for c in changes),
            "chart": base64.b64encode(chart).decode("ascii") if chart else None,
            "tolerance": f"{TOLERANCE:.1%} (25% for timings)",
        }
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("report.html").render(
        run=run,
        sections=sections(run, run_dir),
        comparison=comparison,
        changes={c.key: c for c in changes},
    )
