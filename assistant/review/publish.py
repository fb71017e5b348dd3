"""Staff-written FAQ entries: drafts checked, versions published, reverted, served.

Every version is a new row (``FaqVersion``); the live version of a group is its latest one
unless that withdraws the entry. Nothing is published without an article citation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import func, select, update

from assistant.answer import citations
from assistant.answer.models import Answer
from assistant.core.pii import mask_personal
from assistant.core.schemas import Lang, SourceDocument
from assistant.db import Database
from assistant.db.models import FaqVersion, GoldQuestion, ReviewItem
from assistant.staff import audit

REQUIRED_LANGS: tuple[Lang, ...] = ("kk", "ru")
GROUP_PREFIX = "faq-staff-"
SOURCE = "staff-faq"


class PublishError(ValueError):
    """A draft that cannot be published or a revert that cannot be made."""


class Text(BaseModel):
    """An entry's question and answer in one language."""

    question: str = Field(min_length=3, max_length=300)
    answer: str = Field(min_length=10, max_length=4_000)

    @field_validator("question", "answer")
    @classmethod
    def _stripped(cls, value: str) -> str:
        return value.strip()


class Draft(BaseModel):
    """What a staff member writes for a cluster."""

    texts: dict[Lang, Text]
    # Citations as written in any language: "ст. 638 УПК", "ҚПК 638-бап", "CPC art. 638".
    citations_text: str = Field(default="", max_length=500)
    topic: str | None = Field(default=None, max_length=64)
    group: str | None = Field(default=None, max_length=80)  # set: a new version of that entry
    item_ids: list[int] = Field(default_factory=list, max_length=5_000)
    add_to_gold: bool = False

    @model_validator(mode="after")
    def _complete(self) -> Draft:
        missing = [lang for lang in REQUIRED_LANGS if lang not in self.texts]
        if missing:
            raise ValueError(f"the answer is needed in {', '.join(missing)}")
        if not self.cited:
            raise ValueError(
                "at least one article citation is needed, e.g. «ст. 638 УПК» or «ҚПК 638-бап»"
            )
        return self

    @property
    def cited(self) -> list[citations.Citation]:
        return citations.parse(self.citations_text)


def preview(draft: Draft, lang: Lang) -> Answer:
    """The answer a question in ``lang`` would get from the entry (as the engine builds FAQ
    answers: the text and its citations in that language)."""
    shown = draft.texts.get(lang) or draft.texts["ru"]
    return Answer(
        answer=shown.answer,
        lang=lang,
        kind="faq",
        citations=citations.labels(draft.cited, lang),
        confidence=1.0,
        topic=draft.topic,
    )


def _new_group(draft: Draft) -> str:
    digest = hashlib.sha256(draft.texts["ru"].question.encode()).hexdigest()[:8]
    return f"{GROUP_PREFIX}{datetime.now(UTC):%Y%m%d}-{digest}"


def publish(db: Database, draft: Draft, author: str, client: str | None = None) -> FaqVersion:
    """A new version (a new entry without ``draft.group``); the draft's review items are
    closed and, when asked, their questions become gold questions."""
    now = datetime.now(UTC)
    with db.session() as session:
        items = (
            session.scalars(select(ReviewItem).where(ReviewItem.id.in_(draft.item_ids))).all()
            if draft.item_ids
            else []
        )
        group = draft.group or _new_group(draft)
        last = session.scalar(
            select(func.max(FaqVersion.version)).where(FaqVersion.group_id == group)
        )
        if draft.group and last is None:
            raise PublishError(f"no entry {draft.group!r}")
        paraphrases: dict[str, list[str]] = {}
        for item in items:
            lang = item.lang or "ru"
            if item.question not in paraphrases.setdefault(lang, []):
                paraphrases[lang].append(item.question)
        version = FaqVersion(
            group_id=group,
            version=(last or 0) + 1,
            topic=draft.topic or None,
            texts={lang: t.model_dump() for lang, t in draft.texts.items()},
            citations=[c.model_dump() for c in draft.cited],
            paraphrases=paraphrases,
            withdrawn=False,
            author=author,
            created_at=now,
        )
        session.add(version)
        for item in items:
            item.status, item.faq_group = "published", group
            item.resolved_by, item.resolved_at = author, now
        if draft.add_to_gold:
            for lang, questions in paraphrases.items():
                for question in questions:
                    session.add(
                        GoldQuestion(
                            question=mask_personal(question),
                            lang=lang,
                            faq_group=group,
                            added_by=author,
                            added_at=now,
                        )
                    )
        session.flush()
        audit.record(
            session,
            author,
            "faq.publish",
            "faq",
            f"{group}@{version.version}",
            client,
            items=len(items),
            citations=[f"{c.act} {c.article}" for c in draft.cited],
            gold=draft.add_to_gold,
        )
    return version


def revert(db: Database, group: str, author: str, client: str | None = None) -> FaqVersion:
    """A new version restoring the one before the live one, or withdrawing the entry."""
    with db.session() as session:
        versions = session.scalars(
            select(FaqVersion).where(FaqVersion.group_id == group).order_by(FaqVersion.version)
        ).all()
        if not versions or versions[-1].withdrawn:
            raise PublishError(f"no live entry {group!r}")
        live = versions[-1]
        stack = _published_stack(versions)[:-1]
        previous = stack[-1] if stack else None
        row = FaqVersion(
            group_id=group,
            version=live.version + 1,
            topic=previous.topic if previous else live.topic,
            texts=previous.texts if previous else {},
            citations=previous.citations if previous else [],
            paraphrases=previous.paraphrases if previous else live.paraphrases,
            withdrawn=previous is None,
            reverts=live.version,
            author=author,
            created_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            author,
            "faq.revert",
            "faq",
            f"{group}@{row.version}",
            client,
            reverted=live.version,
            withdrawn=row.withdrawn,
        )
        if row.withdrawn:
            session.execute(
                update(ReviewItem)
                .where(ReviewItem.faq_group == group)
                .values(status="open", faq_group=None, resolved_by=None, resolved_at=None)
            )
    return row


def _published_stack(versions: list[FaqVersion]) -> list[FaqVersion]:
    """Replays the history: a publish pushes its content, a revert pops the live one."""
    stack: list[FaqVersion] = []
    for version in versions:
        if version.reverts is None:
            stack.append(version)
        elif stack:
            stack.pop()
    return stack


def live_versions(db: Database) -> list[FaqVersion]:
    """The served version of every entry that is not withdrawn."""
    latest = (
        select(FaqVersion.group_id, func.max(FaqVersion.version).label("version"))
        .group_by(FaqVersion.group_id)
        .subquery()
    )
    stmt = (
        select(FaqVersion)
        .join(
            latest,
            (FaqVersion.group_id == latest.c.group_id) & (FaqVersion.version == latest.c.version),
        )
        .where(FaqVersion.withdrawn.is_(False))
        .order_by(FaqVersion.group_id)
    )
    with db.session() as session:
        return list(session.scalars(stmt))


def history(db: Database, group: str | None = None) -> list[FaqVersion]:
    """Versions, newest first."""
    stmt = select(FaqVersion).order_by(FaqVersion.id.desc())
    if group:
        stmt = stmt.where(FaqVersion.group_id == group)
    with db.session() as session:
        return list(session.scalars(stmt))


def state(db: Database) -> int:
    """Changes whenever a version is added (what a server polls)."""
    with db.session() as session:
        return int(session.scalar(select(func.max(FaqVersion.id))) or 0)


def documents(version: FaqVersion) -> list[SourceDocument]:
    """The entry as FAQ documents, one per language, shaped like the indexed FAQ's."""
    out = []
    for lang, text in sorted(version.texts.items()):
        doc_id = f"{version.group_id}-{lang}"
        out.append(
            SourceDocument(
                doc_id=doc_id,
                source=f"{SOURCE}:{version.group_id}@{version.version}",
                title=text["question"],
                text=text["answer"],
                lang=lang,
                doc_type="faq",
                content_hash=hashlib.sha256(f"{doc_id}@{version.version}".encode()).hexdigest(),
                metadata={
                    "group": version.group_id,
                    "topic": version.topic,
                    "paraphrases": version.paraphrases.get(lang, []),
                    "sources": version.citations,
                    "version": version.version,
                    "author": version.author,
                },
            )
        )
    return out
