"""Fact patterns for synthetic court acts, written for this project in Kazakh and Russian.

A pattern is one typical situation (a murder in a domestic quarrel, a debt under a receipt, a
refused land plot): its article, fact templates, evidence and remedies. The patterns are data,
in ``patterns.yaml`` beside this module (its header says what each part holds); this module
gives them types and reads them once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).with_name("patterns.yaml")


@dataclass(frozen=True)
class Slot:
    """Alternatives for one detail of a story; each option gives every form in ``forms``."""

    forms: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        for option in self.options:
            if len(option) != len(self.forms):
                raise ValueError(f"slot option {option!r} does not give forms {self.forms!r}")


@dataclass(frozen=True)
class CrimeFamily:
    """Text shared by crimes of one kind: defence, victim, expertise, generic evidence."""

    denial: tuple[tuple[str, str], ...]
    victim_says: tuple[str, str]
    expert: tuple[str, str]  # genitive names of the expertise
    expert_support: tuple[str, str]
    expert_contra: tuple[str, str]
    evidence: tuple[tuple[str, str], ...]
    strong_evidence: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SecondCount:
    """A lesser extra charge that makes a partly-guilty verdict possible."""

    article: str
    cite: tuple[str, str]
    title: tuple[str, str]
    facts: tuple[str, str]


@dataclass(frozen=True)
class CrimePattern:
    """One criminal situation; ``cite`` is (Russian, Kazakh nominative) as acts cite it."""

    id: str
    category: str  # criminal_jury or criminal
    article: str
    cite: tuple[str, str]
    title: tuple[str, str]
    family: CrimeFamily
    facts: tuple[tuple[str, str], ...]
    evidence: tuple[tuple[str, str], ...]
    slots: dict[str, Slot]
    victim: str  # "alive", "dead" or "none"
    years: tuple[int, int]
    second: SecondCount
    numbers: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    life: bool = False
    reconcilable: bool = False
    min_date: date = date(2019, 1, 1)


@dataclass(frozen=True)
class ClaimPattern:
    """One civil or administrative dispute; text fields are (Russian, Kazakh) pairs.

    ``claim_facts`` continue "мотивируя тем, что …" / stand as a Kazakh sentence; ``subject`` is
    the claim after "о" / a Kazakh noun phrase; remedies are operative sentences.
    """

    id: str
    category: str  # civil or administrative
    article: str
    subject: tuple[str, str]
    claim_facts: tuple[str, str]
    claim_request: tuple[str, str]
    documents: tuple[tuple[str, str], ...]
    strong_documents: tuple[tuple[str, str], ...]
    respondent_denial: tuple[str, str]
    inflated: tuple[str, str]
    weak_point: tuple[str, str]
    norm: tuple[str, str, str, str]  # ru ref, ru rule, kk ref (dative), kk rule
    remedy_full: tuple[str, str]
    remedy_partial: tuple[str, str]
    plaintiff: str  # "person" or an ORGS key
    respondent: str  # "person", an ORGS key or "body"
    counterclaim: tuple[str, str] | None = None
    expert: tuple[tuple[str, str], tuple[str, str], tuple[str, str]] | None = None
    body: tuple[str, str] | None = None
    slots: dict[str, Slot] = field(default_factory=dict)
    numbers: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    min_date: date = date(2019, 1, 1)


def _tuples(value: Any) -> Any:
    """YAML lists as (nested) tuples: the patterns are immutable."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _slot(value: dict[str, Any]) -> Slot:
    return Slot(_tuples(value["forms"]), _tuples(value["options"]))


class PatternFile:
    """The YAML file read into typed records; patterns refer to slots, families and second
    counts by name."""

    def __init__(self, path: Path) -> None:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.path = path
        self.data = data
        self.slots = {name: _slot(value) for name, value in data["slots"].items()}
        self.families = {n: self.record(CrimeFamily, v) for n, v in data["families"].items()}
        self.seconds = {n: self.record(SecondCount, v) for n, v in data["second_counts"].items()}
        self.crime_patterns = tuple(self.pattern(CrimePattern, p) for p in data["crime_patterns"])
        self.claim_patterns = tuple(self.pattern(ClaimPattern, p) for p in data["claim_patterns"])

    def record(self, cls: type, raw: dict[str, Any], **typed: Any) -> Any:
        """A dataclass from its YAML mapping (``typed``: fields already built); a key the
        dataclass does not have is an error naming the record."""
        extra = set(raw) - {f.name for f in fields(cls)}
        if extra:
            name = f"{cls.__name__} {raw.get('id', '')}".strip()
            raise ValueError(f"{self.path}: {name} has unknown fields {sorted(extra)}")
        return cls(**({k: _tuples(v) for k, v in raw.items()} | typed))

    def pattern(self, cls: type, raw: dict[str, Any]) -> Any:
        """A pattern with its slots, family and second count looked up by name."""
        typed: dict[str, Any] = {
            "slots": {
                key: self.slots[ref] if isinstance(ref, str) else _slot(ref)
                for key, ref in raw.get("slots", {}).items()
            }
        }
        if "family" in raw:
            typed["family"] = self.families[raw["family"]]
        if "second" in raw:
            typed["second"] = self.seconds[raw["second"]]
        if "min_date" in raw:
            typed["min_date"] = date.fromisoformat(str(raw["min_date"]))
        return self.record(cls, raw, **typed)


_READ = PatternFile(DATA)
ALIBI: Slot = _READ.slots["alibi"]
PROCEDURAL_DEFECTS: tuple[tuple[str, str, str, str], ...] = _tuples(
    _READ.data["procedural_defects"]
)
MITIGATING_CONFESSION: tuple[tuple[str, str], ...] = _tuples(_READ.data["mitigating_confession"])
MITIGATING: tuple[tuple[str, str], ...] = _tuples(_READ.data["mitigating"])
AGGRAVATING: tuple[tuple[str, str], ...] = _tuples(_READ.data["aggravating"])
ORGS: dict[str, tuple[tuple[str, str], ...]] = _tuples(_READ.data["orgs"])
CRIME_PATTERNS: tuple[CrimePattern, ...] = _READ.crime_patterns
CLAIM_PATTERNS: tuple[ClaimPattern, ...] = _READ.claim_patterns
