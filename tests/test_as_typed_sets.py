"""The shipped as-typed gold sets keep their schema, script rules and sizes."""

from __future__ import annotations

import pytest

from evals import as_typed_check
from evals.answers import AS_TYPED_FILES, UNSUPPORTED_DEV

GOLD_FILES = sorted({p for ps in AS_TYPED_FILES.values() for p in ps if p != UNSUPPORTED_DEV})


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.name)
def test_gold_set_is_valid(path):
    rows, errors = as_typed_check.load(path)
    assert rows
    assert errors + as_typed_check.requirements(rows) == []


def test_a_row_breaking_its_style_is_reported(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "x", "split": "fresh", "lang": "kk", "style": "kk_ascii", "refuse": false,'
        ' "question": "алқаби kim?", "topic": "t", "key_facts": ["25"], "expected": ["g"]}\n',
        encoding="utf-8",
    )
    rows, errors = as_typed_check.load(path)
    assert errors == [
        "x: Cyrillic letters in a Latin-script style",
        "x: non-ASCII letter in kk_ascii",
    ]
    assert "style cyrillic: 0 answerable (< 10)" in as_typed_check.requirements(rows)
