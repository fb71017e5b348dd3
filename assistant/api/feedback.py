"""Votes on answers: ``POST /v1/feedback``."""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.models import Kind
from assistant.api.ask import SESSION_ID
from assistant.api.deps import ServicesDep
from assistant.core.schemas import Lang
from assistant.db.feedback import FeedbackRecord, FeedbackStore

router = APIRouter(prefix="/v1", tags=["answers"])
ChunkId = Annotated[str, Field(max_length=200)]
_lock = threading.Lock()


class FeedbackRequest(BaseModel):
    """A thumbs up or down on one answer."""

    question: str = Field(min_length=1, max_length=2_000)
    answer: str = Field(min_length=1, max_length=8_000)
    vote: Literal["up", "down"]
    user: str = Field(
        min_length=1, max_length=128, description="Opaque user id; stored only as a salted hash."
    )
    lang: Lang | None = None
    session_id: str | None = SESSION_ID
    kind: Kind | None = None
    sources: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=20
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "question": "сколько платят присяжным?",
                    "answer": "Присяжному заседателю выплачивается вознаграждение…",
                    "vote": "up",
                    "user": "tg:123456789",
                    "lang": "ru",
                    "kind": "faq",
                    "sources": ["faq-pay-amount-ru#0"],
                }
            ]
        },
    )


class FeedbackResponse(BaseModel):
    """Where the vote went."""

    id: int
    status: Literal["stored"] = "stored"


def feedback_store(request: Request, services: ServicesDep) -> FeedbackStore:
    """The app's feedback table (in the application database), opened on first use."""
    with _lock:
        store = getattr(request.app.state, "feedback", None)
        if store is None:
            salt = services.settings.answer.feedback_salt
            store = FeedbackStore(services.db, salt.get_secret_value() if salt else None)
            request.app.state.feedback = store
        return store


@router.post("/feedback", response_model=FeedbackResponse, status_code=201)
def feedback(body: FeedbackRequest, request: Request, services: ServicesDep) -> FeedbackResponse:
    """Store a vote; personal data in the texts is masked and the user id hashed."""
    store = feedback_store(request, services)
    return FeedbackResponse(id=store.add(FeedbackRecord(**body.model_dump())))
