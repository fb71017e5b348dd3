"""Hand-written truth for the real court acts: schema, labels, coverage, no personal names."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import SHARED

DATASETS = Path(__file__).resolve().parents[1] / "evals" / "datasets"
TRUTH = DATASETS / "court_acts_truth.jsonl"
SCHEMA = DATASETS / "court_acts_truth.schema.json"
ACTS = SHARED / "data" / "ru-court-acts"
# "Surname I.O." / "I.O. Surname": how Russian acts write a person; none may reach the truth file.
SURNAME, INITIALS = r"[А-ЯЁ][а-яё]{2,}", r"[А-ЯЁ]\.\s?[А-ЯЁ]\."
PERSON = re.compile(rf"{SURNAME}\s?{INITIALS}|{INITIALS}\s?{SURNAME}")


def load() -> list[dict]:
    return [json.loads(line) for line in TRUTH.read_text(encoding="utf-8").splitlines()]


def test_every_line_matches_the_schema() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    for number, record in enumerate(load(), 1):
        errors = [
            f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(record)
        ]
        assert not errors, f"line {number} ({record.get('file')}): {errors}"


def test_fields_agree_with_each_other() -> None:
    for record in load():
        collection = record["file"].split("/")[0]
        assert (record["punishment"] is not None) <= (record["kind"] == "приговор"), record["file"]
        if record["punishment"] is not None:
            assert record["punishments"][0] == record["punishment"], record["file"]
            assert record["outcome"] == "guilty", record["file"]
        assert (record["first_instance_link"] is not None) == (collection == "moscow-appeal-cards")
        assert (record["appeal_result"] is not None) == (
            collection in {"moscow-civil", "moscow-appeal-cards"}
        ), record["file"]
        if collection == "moscow-civil":
            reversed_ = "отменено" in record["file"]
            assert record["appeal_result"] == ("reversed" if reversed_ else "upheld")


def test_files_are_unique() -> None:
    files = [record["file"] for record in load()]
    assert [f for f, n in Counter(files).items() if n > 1] == []


def test_no_person_is_named() -> None:
    text = TRUTH.read_text(encoding="utf-8")
    assert PERSON.findall(text) == []


@pytest.mark.skipif(not ACTS.exists(), reason="../shared/data/ru-court-acts is not present")
def test_every_act_in_the_shared_collection_is_labelled() -> None:
    labelled = {record["file"] for record in load()}
    on_disk = {
        str(path.relative_to(ACTS))
        for folder in ("moscow-civil", "moscow-appeal-cards", "arbitrazh")
        for path in (ACTS / folder).iterdir()
    }
    verdicts = ACTS / "criminal-verdicts" / "verdicts.jsonl"
    on_disk |= {
        f"criminal-verdicts/verdicts.jsonl#{json.loads(line)['id']}"
        for line in verdicts.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert labelled == on_disk
