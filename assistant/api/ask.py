"""Question answering: ``POST /v1/ask``."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.engine import AnswerEngine
from assistant.answer.models import Answer
from assistant.api.deps import LoadedDep, ServicesDep
from assistant.core.schemas import Lang
from assistant.review.queue import note_answer, review_source
from assistant.services import Loaded, Services

router = APIRouter(prefix="/v1", tags=["answers"])
log = logging.getLogger(__name__)


def get_answers(services: ServicesDep) -> AnswerEngine:
    return services.answers


AnswersDep = Annotated[AnswerEngine, Depends(get_answers)]
SESSION_ID = Field(
    default=None,
    min_length=1,
    max_length=128,
    pattern=r"^[\w.:@-]+$",
    description="Opaque conversation id; follow-up questions in one session share context.",
)


class AskRequest(BaseModel):
    """A citizen's question in Kazakh, Russian or English."""

    question: str = Field(min_length=1, max_length=2_000, examples=["алқабиге қанша төленеді?"])
    lang: Lang | None = Field(
        default=None, description="Answer language; detected from the question when omitted."
    )
    session_id: str | None = SESSION_ID

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"question": "сколько платят присяжным?", "session_id": "tg-42"},
                {"question": "алкаби болу ушин неше жас керек", "lang": "kk"},
            ]
        },
    )


class AskResponse(Answer):
    """The answer with the passages it rests on."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "answer": "Присяжному заседателю выплачивается вознаграждение за счёт бюджета…",
                    "lang": "ru",
                    "kind": "faq",
                    "sources": [
                        {
                            "doc_id": "faq-pay-amount-ru",
                            "chunk_id": "faq-pay-amount-ru#0",
                            "title": "Сколько платят присяжному заседателю?",
                            "text": "Присяжному заседателю выплачивается вознаграждение…",
                            "score": 0.91,
                            "source": "faq/ru.jsonl",
                            "lang": "ru",
                            "group": "faq-pay-amount",
                        }
                    ],
                    "citations": ["ст. 16 Закона о присяжных заседателях"],
                    "confidence": 0.87,
                    "topic": "pay-guarantees",
                }
            ]
        },
    )


def answer_and_queue(
    services: Services, loaded: Loaded, question: str, lang: Lang | None, session_id: str | None
) -> Answer:
    """The answer; refused-as-unsupported and low-confidence ones are queued for review."""
    answer = services.answers.ask(loaded, question, lang, session_id)
    if review_source(answer, services.settings.review) is None:
        return answer
    try:
        db = services.db
    except Exception:  # an unreachable staff database must not cost the asker the answer
        log.exception("application database unavailable: question not queued for review")
        return answer
    note_answer(db, services.settings.review, question, answer)
    return answer


@router.post("/ask", response_model=AskResponse)
def ask(body: AskRequest, loaded: LoadedDep, services: ServicesDep) -> Answer:
    """Answer from the FAQ or the guidance, with sources; refuses what it must not answer."""
    return answer_and_queue(services, loaded, body.question, body.lang, body.session_id)
