"""Guidance and document search: ``POST /v1/search``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from assistant.api.deps import LoadedDep, SettingsDep
from assistant.core.schemas import SearchFilters, SearchHit, SearchResponse
from assistant.retrieval import QueryError

router = APIRouter(prefix="/v1", tags=["search"])


class SearchRequest(BaseModel):
    """A search over the indexed documents."""

    query: str = Field(min_length=1, max_length=20_000, examples=["алқабиге кім бола алады"])
    k: int = Field(default=10, ge=1, le=100)
    filters: SearchFilters | None = None

    model_config = {
        "json_schema_extra": {
            "examples": [{"query": "сколько платят присяжным", "k": 5, "filters": {"lang": ["ru"]}}]
        }
    }


@router.post("/search", response_model=SearchResponse)
def search(body: SearchRequest, loaded: LoadedDep, settings: SettingsDep) -> SearchResponse:
    """Hybrid search (dense + BM25 + fuzzy) with optional metadata filters."""
    if body.k > settings.api.max_k:
        raise QueryError(f"k is {body.k}; the limit is {settings.api.max_k}")
    hits = loaded.retriever.search(body.query, body.k, body.filters)
    return SearchResponse(results=[SearchHit.from_scored(h) for h in hits])
