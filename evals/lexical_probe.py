"""Lexical probe: BM25 (SQLite FTS5) over `terms` variants; recall@1, recall@5 and MRR.

KazQAD: each question's gold passage is its own context. The unique contexts go into an
in-memory FTS5 table with a normalised and a folded column and every question is an OR query of
its terms. The questions are also run folded (no Kazakh letters, as typed on a Russian keyboard).
As a legal check, the article titles of the jury law and the Criminal Procedure Code section
(Kazakh and Russian) are run as queries against the article bodies.

    .venv/bin/python -m evals.lexical_probe
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.core.text import Stemming, fold, terms

SHARED = Path(__file__).resolve().parents[2] / "shared"
KAZQAD = SHARED / "data" / "kazqad" / "kazqad-reading-comprehension-v1.0-kk-validation.jsonl"
LAWS = SHARED / "data"
_ARTICLE = re.compile(r"^#{2,4} (?:\d+-бап|Статья \d+)\.\s*(.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Variant:
    """One way of making terms and weighting the folded column (0: normalised column only)."""

    name: str
    stemming: Stemming = Stemming.KAZAKH
    min_stem: int = 3
    max_stem: int | None = 6
    stopwords: bool = True
    folded_weight: float = 0.0

    @property
    def term_options(self) -> tuple[Stemming, int, int | None, bool]:
        return self.stemming, self.min_stem, self.max_stem, self.stopwords

    def make_terms(self, text: str, folded: bool = False) -> list[str]:
        return terms(
            text,
            folded=folded,
            stemming=self.stemming,
            min_stem=self.min_stem,
            max_stem=self.max_stem,
            stopwords=self.stopwords,
        )


@dataclass(frozen=True)
class Benchmark:
    """Passages, and queries each with the index of its gold passage."""

    passages: list[str]
    queries: list[tuple[str, int]]
    indexes: dict[tuple[Stemming, int, int | None, bool], sqlite3.Connection] = field(
        default_factory=dict, compare=False
    )


@dataclass(frozen=True)
class Scores:
    recall_at_1: float
    recall_at_5: float
    mrr: float


VARIANTS = [
    Variant("no stemming", Stemming.NONE),
    Variant("no stemming + folded", Stemming.NONE, folded_weight=1.0),
    Variant("snowball", Stemming.SNOWBALL),
    Variant("snowball + folded", Stemming.SNOWBALL, folded_weight=1.0),
    Variant("kazakh min 2", min_stem=2),
    Variant("kazakh min 3 (default)"),
    Variant("kazakh min 4", min_stem=4),
    Variant("kazakh min 3, no cap", max_stem=None),
    Variant("kazakh min 3, cap 7", max_stem=7),
    Variant("kazakh min 3, no stopwords", stopwords=False),
    Variant("kazakh min 3 + folded 0.5", folded_weight=0.5),
    Variant("kazakh min 3 + folded 1.0", folded_weight=1.0),
]


def load_kazqad(path: Path) -> Benchmark:
    contexts: dict[str, int] = {}
    questions: list[tuple[str, int]] = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            questions.append((row["question"], contexts.setdefault(row["context"], len(contexts))))
    return Benchmark(list(contexts), questions)


def load_articles(paths: list[Path]) -> Benchmark:
    """Article title -> article body, from markdown laws with "N-бап." / "Статья N." headings."""
    bodies: list[str] = []
    titles: list[tuple[str, int]] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        heads = list(_ARTICLE.finditer(text))
        for head, nxt in zip(heads, [*heads[1:], None], strict=True):
            body = text[head.end() : nxt.start() if nxt else len(text)].strip()
            titles.append((head.group(1), len(bodies)))
            bodies.append(body)
    return Benchmark(bodies, titles)


def index(bench: Benchmark, variant: Variant) -> sqlite3.Connection:
    """The benchmark's FTS5 table for the variant's term options, built once."""
    key = variant.term_options
    if key not in bench.indexes:
        db = sqlite3.connect(":memory:")
        db.execute(
            "CREATE VIRTUAL TABLE t USING fts5(norm, folded, "
            'tokenize="unicode61 remove_diacritics 0")'
        )
        db.executemany(
            "INSERT INTO t(rowid, norm, folded) VALUES (?, ?, ?)",
            (
                (i, " ".join(variant.make_terms(p)), " ".join(variant.make_terms(p, folded=True)))
                for i, p in enumerate(bench.passages)
            ),
        )
        bench.indexes[key] = db
    return bench.indexes[key]


def _any_of(column: str, words: list[str]) -> str:
    """FTS5 query matching any of the words in one column ("" for no words)."""
    if not words:
        return ""
    quoted = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
    return f"{column} : ({quoted})"


def ranked(db: sqlite3.Connection, query: str, variant: Variant) -> list[int]:
    """Passage indices matching the query, best first."""
    match = _any_of("norm", variant.make_terms(query))
    if variant.folded_weight:
        folded = _any_of("folded", variant.make_terms(query, folded=True))
        match = " OR ".join(filter(None, [match, folded]))
    if not match:
        return []
    rows = db.execute(
        "SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t, 1.0, ?)",
        (match, variant.folded_weight),
    )
    return [rowid for (rowid,) in rows]


def score(bench: Benchmark, variant: Variant, folded_queries: bool = False) -> Scores:
    db = index(bench, variant)
    hits1 = hits5 = 0
    reciprocal = 0.0
    for query, gold in bench.queries:
        ranking = ranked(db, fold(query) if folded_queries else query, variant)
        if gold in ranking:
            rank = ranking.index(gold) + 1
            hits1 += rank == 1
            hits5 += rank <= 5
            reciprocal += 1 / rank
    n = len(bench.queries)
    return Scores(hits1 / n, hits5 / n, reciprocal / n)


def _cells(s: Scores) -> str:
    return f"{s.recall_at_1:6.3f} {s.recall_at_5:6.3f} {s.mrr:6.3f}"


def main() -> int:
    if not KAZQAD.exists():
        print(f"{KAZQAD} is absent (../shared not here): nothing to measure.")
        return 0
    started = time.perf_counter()
    kazqad = load_kazqad(KAZQAD)
    law_kk = load_articles(sorted(LAWS.glob("*/*kaz*.md")))
    law_ru = load_articles(sorted(LAWS.glob("*/*rus*.md")))
    print(
        f"KazQAD: {len(kazqad.queries)} questions, {len(kazqad.passages)} passages; "
        f"law titles -> articles: {len(law_kk.queries)} kk, {len(law_ru.queries)} ru"
    )
    metrics = f"{'R@1':>6} {'R@5':>6} {'MRR':>6}"
    print(
        f"{'':30} {'KazQAD':^20}   {'KazQAD, folded questions':^20}   {'law kk':>6} {'law ru':>6}"
    )
    print(f"{'variant':30} {metrics}   {metrics}   {'MRR':>6} {'MRR':>6}")
    best = (-1.0, "")
    for variant in VARIANTS:
        plain = score(kazqad, variant)
        print(
            f"{variant.name:30} {_cells(plain)}   {_cells(score(kazqad, variant, True))}   "
            f"{score(law_kk, variant).mrr:6.3f} {score(law_ru, variant).mrr:6.3f}",
            flush=True,
        )
        best = max(best, (plain.mrr, variant.name))
    print(f"best KazQAD MRR: {best[1]} ({best[0]:.3f}); {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
