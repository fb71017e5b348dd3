"""Requests and responses of case search and prediction (API and CLI)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.core.cases import DOC_TYPE, CaseCategory
from assistant.core.collections import all_labels
from assistant.core.schemas import FilterValues, Lang, SearchFilters


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _known(kind: str) -> Any:
    """A validator: every value must be a label of some collection (collections.json)."""

    def check(value: list[str] | None) -> list[str] | None:
        labels = all_labels(kind)
        unknown = [v for v in value or [] if v not in labels]
        if unknown:
            raise ValueError(f"unknown {kind} {unknown}; expected some of {sorted(labels)}")
        return value

    return check


class PredictFilters(BaseModel):
    """What a prediction may be narrowed by. Court, region and judge are deliberately absent:
    they must never influence an outcome estimate. Estimates are of first-instance outcomes."""

    model_config = ConfigDict(extra="forbid")

    # Labels are those of the acts' collections (assistant/core/data/collections.json).
    category: list[str] | None = None
    article: FilterValues | None = None

    _lists = field_validator("category", "article", mode="before")(_one_or_many)
    _categories = field_validator("category")(_known("categories"))


class CaseFilters(PredictFilters):
    """Search filters; every given field must match, a list matches any of its values."""

    instance: list[str] | None = None
    court: FilterValues | None = None
    region: FilterValues | None = None
    # Where acts come from: "demo" (generated), "ru-court-acts", a court's own archive ...
    collection: FilterValues | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    _more_lists = field_validator("instance", "court", "region", "collection", mode="before")(
        _one_or_many
    )
    _instances = field_validator("instance")(_known("instances"))

    def search_filters(self, articles: list[str] | None = None) -> SearchFilters:
        """Store filters over court acts; ``articles`` replaces the article list when given."""
        metadata = {
            key: values
            for key, values in (
                ("articles", articles if articles is not None else self.article),
                ("court", self.court),
                ("region", self.region),
                ("instance", self.instance),
                ("collection", self.collection),
            )
            if values
        }
        return SearchFilters(
            doc_type=[DOC_TYPE],
            category=self.category,
            date_from=self.date_from,
            date_to=self.date_to,
            metadata=metadata or None,
        )


class CaseQuery(BaseModel):
    """A situation in free text, or the case number of an indexed act: exactly one of them."""

    query: str | None = Field(default=None, max_length=20_000)
    case_id: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _exactly_one(self) -> CaseQuery:
        if (self.query is None) == (self.case_id is None):
            raise ValueError("give either query (a description) or case_id, not both or neither")
        return self


class CaseSearchRequest(CaseQuery):
    """``POST /v1/cases/search``."""

    k: int = Field(default=10, ge=1, le=50)
    filters: CaseFilters = Field(default_factory=CaseFilters)


class PredictRequest(CaseQuery):
    """``POST /v1/cases/predict``; ``lang`` of the reason and disclaimer (default: the query's)."""

    filters: PredictFilters = Field(default_factory=PredictFilters)
    lang: Lang | None = None


class Neighbour(BaseModel):
    """A similar act and how it ended."""

    case_id: str
    outcome: str | None
    similarity: float


class Deviation(BaseModel):
    """An act whose outcome differs from what a strong majority of its closest peers decided."""

    majority_outcome: str
    share: float
    neighbours: list[Neighbour]


class CaseHit(BaseModel):
    """One similar act."""

    case_id: str
    title: str
    court: str | None
    collection: str
    category: str | None
    instance: str
    date: dt.date | None
    outcome: str | None
    appeal_outcome: str
    cassation_outcome: str
    score: float
    snippet: str
    deviation: Deviation | None = None
    synthetic: bool = Field(default=False, description="A generated demo act, not a real one.")


class Masking(BaseModel):
    """What a description was reduced to before it was used: the de-identified text (names as
    Ф.И.О.1 ..., gender, ethnicity and religion words as placeholders) and how many spans of
    each kind were masked. The masked values themselves are never returned, logged or kept."""

    query: str | None = Field(default=None, description="The description as used, de-identified.")
    masked: dict[str, int] = Field(default_factory=dict, description="Masked spans per kind.")


class CaseSearchResponse(Masking):
    """Similar acts, best first, and how they ended."""

    results: list[CaseHit]
    outcome_summary: dict[str, int]
    synthetic: bool = Field(default=False, description="Some of these acts are generated.")


class Baseline(BaseModel):
    """Always answering the most frequent outcome, measured on the same held-out acts."""

    # A collection's own outcome label (the ECtHR benchmark's "violation"), not only ours.
    label: str
    accuracy: float
    macro_f1: float


class ModelMetrics(BaseModel):
    """The model's held-out figures from its last evaluation."""

    n_test: int
    # Of the labels the response shows (the model's label rule on its probabilities).
    accuracy: float
    macro_f1: float
    # Of the plain arg-max of the same probabilities, for comparison.
    accuracy_argmax: float | None = None
    macro_f1_argmax: float | None = None
    brier: float
    ece: float
    coverage: float
    accuracy_answered: float
    evaluated_at: str


class PredictionResponse(Masking):
    """An advisory outcome estimate (or an abstention) and everything behind it."""

    category: CaseCategory | None = Field(
        default=None, description="The category whose outcomes are offered."
    )
    category_source: Literal["given", "detected", "act"] | None = None
    synthetic: bool = Field(
        default=False, description="Built on generated demo acts, not on court practice."
    )
    abstained: bool
    reason: str | None
    label: str | None
    label_rule: str = Field(
        default="", description="How the label is chosen from the probabilities."
    )
    label_weights: dict[str, float] = Field(
        default_factory=dict,
        description="The label is the outcome of the largest probability × weight.",
    )
    probabilities: dict[str, float]
    precedents: list[Neighbour]
    baseline: Baseline
    metrics: ModelMetrics
    model_version: str
    disclaimer: str
