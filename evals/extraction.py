"""Field extraction from real court acts against the hand-written truth.

Every act of ``../shared/data/ru-court-acts`` is read the way ``alqabi index`` reads it
(``indexer.readers`` then ``indexer.cases.ingest.read_document``) and each field is compared
with ``evals/datasets/court_acts_truth.jsonl`` (written by reading the acts, see its README).

Comparison rules, the same for every act:
- court: case-folded, "г." read as "города", quotes and spaces tidied; otherwise exact.
- case_number: the truth's number or one of its listed aliases, spaces removed.
- date, uid, kind, instance, category, outcome, appeal result, first-instance link: exact
  (a field the truth leaves empty must be empty).
- articles: set precision and recall, micro-averaged over acts, at the truth's granularity:
  article level for non-criminal acts ("ч. 4 ст. 17 ЖК РФ" is "ст. 17 ЖК РФ"), part level for
  verdicts ("п. «а» ч. 2 ст. 163 УК РФ" is "ч. 2 ст. 163 УК РФ").
- outcome is scored on the acts whose truth has one; the appeal result on the case cards (a
  first-instance act cannot state its own appeal; moscow-civil's labels come from file names
  and are reported apart, not gated).
- punishment: type and final term of the first person sentenced.

The extractor was written by reading these same acts (before the truth existed), so the
figures are not held-out ones.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer.cases.fields import ActFields
from indexer.cases.ingest import read_document
from indexer.readers import ReaderError, iter_files, read_file

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ALQABI_SHARED_DIR") or REPO.parent / "shared")
ACTS = SHARED / "data" / "ru-court-acts"
TRUTH = REPO / "evals" / "datasets" / "court_acts_truth.jsonl"

GATED = ("kind", "court", "date", "case_number", "outcome", "appeal_result_cards")


def _norm_court(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.casefold().replace("ё", "е").replace("«", "").replace("»", "")
    text = re.sub(r"\bг\.\s*", "города ", text)
    return " ".join(text.split())


def _norm_number(value: str | None) -> str | None:
    return re.sub(r"\s", "", value) if value else None


def _norm_article(ref: str, criminal: bool) -> str:
    # Points («а», «в») are dropped; parts too outside criminal acts.
    ref = re.sub(r"п\.\s*(?:п\.\s*)?«[^»]*»(?:\s*,\s*«[^»]*»)*\s*", "", ref)
    if not criminal:
        ref = re.sub(r"^ч\.\s*\S+\s+", "", ref)
    return " ".join(ref.split())


@dataclass
class Tally:
    """Correct answers per field, overall and per collection."""

    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_collection: dict[str, dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
    )
    misses: list[dict[str, Any]] = field(default_factory=list)
    articles: list[int] = field(default_factory=lambda: [0, 0, 0])  # hits, predicted, true

    def score(self, name: str, collection: str, ok: bool, file: str, got: Any, want: Any) -> None:
        self.right[name] += ok
        self.total[name] += 1
        cell = self.by_collection[collection][name]
        cell[0] += ok
        cell[1] += 1
        if not ok:
            self.misses.append({"file": file, "field": name, "got": got, "want": want})

    def accuracy(self, name: str) -> float:
        return self.right[name] / self.total[name] if self.total[name] else float("nan")


def _documents(root: Path) -> dict[str, Any]:
    """Every document under ``root`` by its truth key (path, or path#id for JSONL records)."""
    found: dict[str, Any] = {}
    for path, top in iter_files([root]):
        rel = path.relative_to(root).as_posix()
        try:
            docs = read_file(path, top).documents
        except ReaderError as exc:
            found[rel] = exc
            continue
        for doc in docs:
            key = rel if path.suffix != ".jsonl" else f"{rel}#{doc.doc_id.rsplit('/', 1)[-1]}"
            found[key] = doc
    return found


def _value(fields: ActFields | None, name: str) -> Any:
    if fields is None:
        return None
    value = getattr(fields, name).value
    return value.isoformat() if hasattr(value, "isoformat") else value


def evaluate(truth_path: Path = TRUTH, root: Path = ACTS) -> dict[str, Any]:
    """Per-field accuracy (and article precision/recall) of the extractor against the truth."""
    truth = [json.loads(line) for line in truth_path.read_text("utf-8").splitlines() if line]
    docs = _documents(root)
    tally = Tally()
    unreadable = []
    for row in truth:
        file = row["file"]
        collection = file.split("/", 1)[0]
        doc = docs.get(file)
        if doc is None or isinstance(doc, ReaderError):
            unreadable.append({"file": file, "reason": str(doc) if doc else "not found"})
        read = read_document(doc) if doc is not None and not isinstance(doc, ReaderError) else None
        fields = read.fields if read else None
        _score_row(tally, row, fields, collection, file)
    return _summary(tally, len(truth), unreadable)


def _score_row(
    tally: Tally, row: dict[str, Any], fields: ActFields | None, collection: str, file: str
) -> None:
    def check(name: str, got: Any, want: Any, same: Callable[[Any, Any], bool]) -> None:
        tally.score(name, collection, same(got, want), file, got, want)

    def eq(a: Any, b: Any) -> bool:
        return a == b

    check("kind", _value(fields, "kind"), row["kind"], eq)
    check(
        "court",
        _value(fields, "court"),
        row["court"],
        lambda a, b: _norm_court(a) == _norm_court(b),
    )
    check("date", _value(fields, "date"), row["date"], eq)
    wanted = {_norm_number(n) for n in [row["case_number"], *row.get("case_number_aliases", [])]}
    check(
        "case_number",
        _value(fields, "case_number"),
        row["case_number"],
        lambda a, _: _norm_number(a) in wanted,
    )
    check("uid", _value(fields, "uid"), row["uid"], eq)
    check("instance", _value(fields, "instance"), row["instance"], eq)
    check("category", _value(fields, "category"), row["category"], eq)
    if row["outcome"] is not None:
        check("outcome", _value(fields, "outcome"), row["outcome"], eq)
    appeal = _value(fields, "appeal_result")
    if row["kind"] == "карточка дела":
        check("appeal_result_cards", appeal, row["appeal_result"], eq)
        link = _value(fields, "first_instance_link") or {}
        got = {"case_number": getattr(link, "case_number", None), "uid": getattr(link, "uid", None)}
        check("first_instance_link", got, row["first_instance_link"], eq)
    elif row["appeal_result"] is not None:
        check("appeal_result_acts", appeal, row["appeal_result"], eq)
    if row.get("punishment"):
        punishment = _value(fields, "punishment")
        got_p = (punishment.type, punishment.term_months) if punishment else None
        want_p = (row["punishment"]["type"], row["punishment"]["term_months"])
        check("punishment", got_p, want_p, eq)
    _score_articles(tally, fields, row["articles"], file, row["category"] == "criminal")


def _score_articles(
    tally: Tally, fields: ActFields | None, truth: Iterable[str], file: str, criminal: bool
) -> None:
    got = {_norm_article(a, criminal) for a in (_value(fields, "articles") or [])}
    want = {_norm_article(a, criminal) for a in truth}
    hits = len(got & want)
    tally.articles[0] += hits
    tally.articles[1] += len(got)
    tally.articles[2] += len(want)
    if got != want:
        tally.misses.append(
            {
                "file": file,
                "field": "articles",
                "extra": sorted(got - want),
                "missed": sorted(want - got),
            }
        )


def _summary(tally: Tally, n: int, unreadable: list[dict[str, Any]]) -> dict[str, Any]:
    hits, predicted, true = tally.articles
    precision = hits / predicted if predicted else float("nan")
    recall = hits / true if true else float("nan")
    return {
        "acts": n,
        "unreadable": unreadable,
        "accuracy": {name: tally.accuracy(name) for name in sorted(tally.total)},
        "n": dict(tally.total),
        "articles": {
            "precision": precision,
            "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if hits else 0.0,
        },
        "by_collection": {
            c: {name: {"right": r, "n": t} for name, (r, t) in sorted(cells.items())}
            for c, cells in sorted(tally.by_collection.items())
        },
        "misses": tally.misses,
    }


def main() -> None:
    """``python -m evals.extraction``: the figures and every miss as JSON."""
    if not ACTS.exists():
        raise SystemExit(f"{ACTS} not found (needs ../shared or ALQABI_SHARED_DIR)")
    print(json.dumps(evaluate(), ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
