"""Court practice: ``POST /v1/cases/search``, ``POST /v1/cases/predict``, ``GET /v1/cases/{id}``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from assistant.api.deps import ServicesDep, SettingsDep
from assistant.cases.catalog import CaseNotFound
from assistant.cases.schemas import (
    CaseSearchRequest,
    CaseSearchResponse,
    PredictionResponse,
    PredictRequest,
)
from assistant.cases.service import CaseService
from assistant.cases.train import NotEnoughActs
from assistant.core.cases import CourtAct

router = APIRouter(prefix="/v1/cases", tags=["cases"])


def get_cases(services: ServicesDep) -> CaseService:
    return services.cases


CasesDep = Annotated[CaseService, Depends(get_cases)]


@contextmanager
def known_case() -> Iterator[None]:
    try:
        yield
    except CaseNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except NotEnoughActs as exc:
        raise HTTPException(503, str(exc)) from exc


@router.post("/search", response_model=CaseSearchResponse)
def search(body: CaseSearchRequest, cases: CasesDep) -> CaseSearchResponse:
    """Acts most like a described situation or like an indexed act (``case_id``), with their
    outcomes on every instance, the matching passage and deviation flags."""
    with known_case():
        return cases.search.search(body)


@router.post("/predict", response_model=PredictionResponse)
def predict(body: PredictRequest, cases: CasesDep, settings: SettingsDep) -> PredictionResponse:
    """An advisory outcome estimate with the precedents behind it, or an abstention with the
    reason. Trains the model on first use when the store has none yet."""
    with known_case():
        return cases.predictor().predict(body, settings.lang_default)


@router.get("/{case_id:path}", response_model=CourtAct)
def show(case_id: str, cases: CasesDep) -> CourtAct:
    """The full act as indexed."""
    with known_case():
        return cases.catalog.act(case_id)
