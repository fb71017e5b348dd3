"""Gold sets: the shipped questions and refusal prompts, or an evaluator's own JSONL file.

One JSON object per line. A question that must be answered::

    {"id": "q1", "lang": "ru", "question": "Сколько платят присяжным?",
     "expected": ["faq-pay-amount", "guidance-pay-guarantees"], "key_facts": ["оклад"]}

``expected`` lists document groups (a document's ``group`` front-matter field, which defaults
to its id), best first; ``key_facts`` are regular expressions an answer must contain (optional:
questions without them are scored for retrieval and hit@1 only); ``style`` is an optional
label ("standard", "colloquial"). A prompt that must be refused has ``class`` instead of
``expected``: one of personal_advice, off_topic, injection, no_support.

The retrieval gold set is the answered questions: a ranked document is relevant when its
group (or id) is in ``expected``.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from evals.answers import GOLD, REFUSALS, GoldItem, RefusalItem, read_jsonl


class GoldError(ValueError):
    """A gold file that cannot be used, with the line that is wrong."""


class GoldSet(BaseModel):
    """Questions to answer and prompts to refuse."""

    source: str
    questions: list[GoldItem]
    refusals: list[RefusalItem]

    def present(self, groups: set[str]) -> tuple[list[GoldItem], list[GoldItem]]:
        """Questions with at least one expected group in the store, and the others (whose
        documents the evaluated store does not hold, so they cannot be scored against it)."""
        keep = [q for q in self.questions if groups.intersection(q.expected)]
        return keep, [q for q in self.questions if not groups.intersection(q.expected)]


def shipped() -> GoldSet:
    """``evals/datasets/answers_gold.jsonl`` and ``refusals.jsonl``."""
    return GoldSet(
        source=f"{GOLD.name} + {REFUSALS.name}",
        questions=[GoldItem(**row) for row in read_jsonl(GOLD)],
        refusals=[RefusalItem.from_row(row) for row in read_jsonl(REFUSALS)],
    )


def load(path: Path | None) -> GoldSet:
    """The evaluator's gold file, or the shipped one; GoldError names the bad line."""
    if path is None:
        return shipped()
    if not path.is_file():
        raise GoldError(f"gold file {path} does not exist")
    questions: list[GoldItem] = []
    refusals: list[RefusalItem] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("a line must be a JSON object")
            if "class" in row:
                refusals.append(RefusalItem.from_row(row))
            else:
                row.setdefault("key_facts", [])
                item = GoldItem(**row)
                if not item.expected:
                    raise ValueError("'expected' must list at least one document group")
                questions.append(item)
        except (ValueError, ValidationError, TypeError) as exc:
            raise GoldError(f"{path}:{number}: {exc}") from exc
    ids = [i.id for i in [*questions, *refusals]]
    if len(ids) != len(set(ids)):
        raise GoldError(f"{path}: ids must be unique")
    if not ids:
        raise GoldError(f"{path} holds no questions")
    return GoldSet(source=str(path), questions=questions, refusals=refusals)
