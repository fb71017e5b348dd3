"""Validate the "as typed" gold set and print its (lang x style x split) counts.

    python -m evals.as_typed_check                       # evals/datasets/as_typed.jsonl
    python -m evals.as_typed_check evals/datasets/as_typed_fresh.jsonl

Exits non-zero when a row breaks the schema, a style's script rule, or a size requirement of
issue 17 (>= 240 answerable, >= 20 per style, >= 30 English, >= 40 refusals, kk ~ ru; a fresh
set, all held out: >= 10 answerable and >= 2 refusals per style; a dev-only supplement: >= 5
answerable in each style it has).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError, model_validator

DEFAULT_PATH = Path(__file__).parent / "datasets" / "as_typed.jsonl"

Style = Literal[
    "cyrillic",
    "folded",
    "kk_latin_2021",
    "kk_latin_2018",
    "kk_ascii",
    "ru_translit",
    "code_switched",
    "voice",
    "short",
    "long",
    "english",
]
STYLES: tuple[str, ...] = Style.__args__  # type: ignore[attr-defined]

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
KAZAKH_LETTERS = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
DIGIT = re.compile(r"\d")
LATIN_2021 = re.compile(r"[äğñöşūüİÄĞÑÖŞŪÜ]")
LATIN_2018 = re.compile(r"[áǵńóúýÁǴŃÓÚÝ]")


class Row(BaseModel):
    """One gold question; answerable rows carry key facts, refusals a class."""

    id: str
    split: Literal["dev", "heldout", "fresh"]
    lang: Literal["kk", "ru", "en"]
    style: Style
    question: str
    refuse: bool
    topic: str | None = None
    key_facts: list[str] | None = None
    expected: list[str] | None = None
    gap: str | None = None
    fact_gap: bool | None = None
    fact_gap_note: str | None = None
    note: str | None = None
    class_: Literal["personal_advice", "off_topic", "injection"] | None = None

    model_config = {"populate_by_name": True, "extra": "forbid"}

    @model_validator(mode="before")
    @classmethod
    def _rename_class(cls, data: dict) -> dict:
        if isinstance(data, dict) and "class" in data:
            data = dict(data)
            data["class_"] = data.pop("class")
        return data

    def problems(self) -> list[str]:
        """Style and content rules; an empty list means the row is fine."""
        out: list[str] = []
        q = self.question
        if self.refuse:
            if self.class_ is None:
                out.append("refusal without class")
        else:
            if not self.topic or not self.key_facts or not 1 <= len(self.key_facts) <= 3:
                out.append("answerable row needs a topic and 1-3 key_facts")
            if self.expected == [] and not self.gap:
                out.append("empty expected without gap")
            if self.expected is not None and not 0 <= len(self.expected) <= 3:
                out.append("more than 3 expected entries")
            if self.fact_gap and not self.fact_gap_note:
                out.append("fact_gap without fact_gap_note")
        if self.style in ("kk_latin_2021", "kk_latin_2018", "kk_ascii") and self.lang != "kk":
            out.append("Kazakh Latin style on a non-kk row")
        if self.style == "ru_translit" and self.lang != "ru":
            out.append("ru_translit on a non-ru row")
        if (self.style == "english") != (self.lang == "en"):
            out.append("style english is exactly the en rows")
        latin = ("kk_latin_2021", "kk_latin_2018", "kk_ascii", "ru_translit")
        if self.style in latin and CYRILLIC.search(q):
            out.append("Cyrillic letters in a Latin-script style")
        if self.style == "kk_latin_2021" and LATIN_2018.search(q):
            out.append("2018-alphabet letter in a 2021-alphabet row")
        if self.style == "kk_latin_2018" and LATIN_2021.search(q):
            out.append("2021-alphabet letter in a 2018-alphabet row")
        if self.style == "kk_ascii" and not q.isascii():
            out.append("non-ASCII letter in kk_ascii")
        if self.style == "folded" and (KAZAKH_LETTERS.search(q) or q != q.lower()):
            out.append("folded text has Kazakh letters or capitals")
        if self.style == "voice" and (DIGIT.search(q) or re.search(r"[.,?!;:]", q)):
            out.append("voice text has digits or punctuation")
        if self.style == "short" and len(q.split()) > 2:
            out.append("short text longer than 2 words")
        return out


def load(path: Path) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    errors: list[str] = []
    ids: set[str] = set()
    texts: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = Row.model_validate_json(line)
        except ValidationError as exc:
            errors.append(f"line {n}: {exc.errors()[0]['msg']}")
            continue
        if row.id in ids:
            errors.append(f"line {n}: duplicate id {row.id}")
        if row.question.casefold() in texts:
            errors.append(f"line {n}: duplicate question {row.question!r}")
        ids.add(row.id)
        texts.add(row.question.casefold())
        errors.extend(f"{row.id}: {p}" for p in row.problems())
        rows.append(row)
    return rows, errors


def table(rows: list[Row]) -> str:
    """Answerable counts per (lang, style) as dev/heldout, refusals in a last column."""
    found = {r.split for r in rows}
    splits = tuple(found) if len(found) == 1 else ("dev", "heldout")
    ans = Counter((r.lang, r.style, r.split) for r in rows if not r.refuse)
    ref = Counter((r.lang, r.style, r.split) for r in rows if r.refuse)
    lines = [
        f"{'style':15}"
        + "".join(f"{lang:>12}" for lang in ("kk", "ru", "en"))
        + f"{'all':>10}{'refusals':>12}"
    ]
    for style in STYLES:
        cells = [
            "/".join(str(ans[(lang, style, split)]) for split in splits)
            for lang in ("kk", "ru", "en")
        ]
        total = sum(v for (_, s, _), v in ans.items() if s == style)
        refs = [sum(v for (_, s, sp), v in ref.items() if s == style and sp == split)
                for split in splits]  # fmt: skip
        lines.append(
            f"{style:15}"
            + "".join(f"{c:>12}" for c in cells)
            + f"{total:>10}{'/'.join(map(str, refs)):>12}"
        )
    by_lang = Counter(r.lang for r in rows if not r.refuse)
    by_split = Counter(r.split for r in rows)
    lines.append(
        f"cells are {'/'.join(splits)}. answerable: "
        + ", ".join(f"{k} {by_lang[k]}" for k in ("kk", "ru", "en"))
        + f"; refusals {sum(r.refuse for r in rows)}"
        + "; "
        + ", ".join(f"{split} {by_split[split]}" for split in splits)
    )
    return "\n".join(lines)


def requirements(rows: list[Row]) -> list[str]:
    splits = {r.split for r in rows}
    if splits == {"fresh"}:
        return fresh_requirements(rows)
    if splits == {"dev"}:
        return supplement_requirements(rows)
    ans = [r for r in rows if not r.refuse]
    out = []
    if len(ans) < 240:
        out.append(f"only {len(ans)} answerable questions (< 240)")
    per_style = Counter(r.style for r in ans)
    out += [f"style {s}: {per_style[s]} answerable (< 20)" for s in STYLES if per_style[s] < 20]
    langs = Counter(r.lang for r in ans)
    if langs["en"] < 30:
        out.append(f"only {langs['en']} English questions (< 30)")
    if abs(langs["kk"] - langs["ru"]) > 0.15 * max(langs["kk"], langs["ru"]):
        out.append(f"kk {langs['kk']} and ru {langs['ru']} are not about equal")
    refusals = [r for r in rows if r.refuse]
    if len(refusals) < 40:
        out.append(f"only {len(refusals)} refusals (< 40)")
    missing = set(STYLES) - {r.style for r in refusals}
    if missing:
        out.append(f"no refusals in styles {sorted(missing)}")
    cells = Counter((r.lang, r.style, r.refuse, r.split) for r in rows)
    for lang, style, refuse, _ in list(cells):
        dev, held = cells[(lang, style, refuse, "dev")], cells[(lang, style, refuse, "heldout")]
        if abs(dev - held) > 1:
            out.append(f"split of ({lang}, {style}, refuse={refuse}) unbalanced: {dev}/{held}")
    return sorted(set(out))


def fresh_requirements(rows: list[Row]) -> list[str]:
    """A fresh (all held-out) set: at least 10 answerable questions and 2 refusals per style."""
    answerable = Counter(r.style for r in rows if not r.refuse)
    refusals = Counter(r.style for r in rows if r.refuse)
    out = [f"style {s}: {answerable[s]} answerable (< 10)" for s in STYLES if answerable[s] < 10]
    return out + [f"style {s}: {refusals[s]} refusals (< 2)" for s in STYLES if refusals[s] < 2]


def supplement_requirements(rows: list[Row]) -> list[str]:
    """More dev questions in some styles: at least 5 answerable in each style it has."""
    answerable = Counter(r.style for r in rows if not r.refuse)
    return [f"style {s}: {n} answerable (< 5)" for s, n in answerable.items() if n < 5]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    args = parser.parse_args(argv)
    rows, errors = load(args.path)
    errors += requirements(rows)
    print(table(rows))
    for err in errors:
        print("ERROR", err, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
