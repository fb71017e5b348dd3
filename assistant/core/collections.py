"""Label sets of court-act collections, read from ``data/collections.json``.

A collection is where acts come from: the generated demo acts, a court's own archive, the
ECtHR benchmark. Each brings its own categories, instances, outcomes and appeal results (and
their names in kk, ru, en); code checks an act's labels against its collection's set instead of
a closed enum, so a new archive with new labels needs a data entry, not a code change.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

__all__ = ["DEMO", "LabelSet", "all_labels", "collection_names", "label_set"]

DATA = Path(__file__).with_name("data") / "collections.json"
DEMO = "demo"
Names = dict[str, dict[str, str]]


class LabelSet(BaseModel):
    """What acts of a collection may be labelled with, each label with its kk/ru/en names."""

    title: dict[str, str]
    categories: Names
    instances: Names
    outcomes: Names
    appeal_results: Names
    kinds: Names = Field(default_factory=dict)


class _Collections(BaseModel):
    default: str
    collections: dict[str, str]
    label_sets: dict[str, LabelSet]


@cache
def _load() -> _Collections:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    raw.pop("_comment", None)
    loaded = _Collections.model_validate(raw)
    missing = {s for s in [loaded.default, *loaded.collections.values()]} - set(loaded.label_sets)
    if missing:
        raise ValueError(f"{DATA}: collections refer to unknown label sets {sorted(missing)}")
    return loaded


def label_set(collection: str) -> LabelSet:
    """The labels of a collection (a collection without an entry uses the default set)."""
    data = _load()
    return data.label_sets[data.collections.get(collection, data.default)]


def collection_names() -> dict[str, dict[str, str]]:
    """Display names of the collections with an entry, by collection."""
    data = _load()
    return {name: data.label_sets[key].title for name, key in data.collections.items()}


@cache
def all_labels(kind: str) -> Names:
    """Names of every label of one kind ("outcomes", "categories", ...) across all label sets;
    a label in several sets keeps its first (demo) names."""
    merged: Names = {}
    for labels in _load().label_sets.values():
        for key, names in getattr(labels, kind).items():
            merged.setdefault(key, names)
    return merged
