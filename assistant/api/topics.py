"""Curated guidance by topic for the bot: ``GET /v1/topics`` and ``GET /v1/topics/{topic}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel

from assistant.answer.topics import TopicDetail, TopicNotFound, TopicRef, list_topics, topic_detail
from assistant.api.ask import AnswersDep
from assistant.api.deps import LoadedDep, SettingsDep
from assistant.core.schemas import Lang

router = APIRouter(prefix="/v1", tags=["topics"])
LangQuery = Annotated[Lang | None, Query(description="Language; the service default if omitted.")]


class TopicList(BaseModel):
    """Topics in reading order."""

    lang: Lang
    topics: list[TopicRef]


@router.get("/topics", response_model=TopicList)
def topics(
    loaded: LoadedDep, answers: AnswersDep, settings: SettingsDep, lang: LangQuery = None
) -> TopicList:
    """Every guidance topic with its localised title."""
    lang = lang or settings.lang_default
    return TopicList(lang=lang, topics=list_topics(answers.knowledge(loaded), lang))


@router.get("/topics/{topic}", response_model=TopicDetail)
def topic(
    topic: Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9-]+$")],
    loaded: LoadedDep,
    answers: AnswersDep,
    settings: SettingsDep,
    lang: LangQuery = None,
) -> TopicDetail:
    """A topic's title, short summary, citations and suggested next topics."""
    lang = lang or settings.lang_default
    try:
        return topic_detail(answers.knowledge(loaded), topic, lang)
    except TopicNotFound as exc:
        raise HTTPException(404, str(exc)) from exc
