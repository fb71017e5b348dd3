"""The append-only audit log: who did what, to which object, when and from where.

Details hold identifiers and masked forms only: every string passes ``mask_personal``."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.core.pii import mask_personal
from assistant.db import Database
from assistant.db.models import AuditEvent

EXPORT_LIMIT = 50_000


class AuditFilter(BaseModel):
    """What an admin narrows the log to; empty fields do not filter."""

    actor: str | None = None
    action: str | None = None
    object_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


class AuditRow(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    client: str | None
    details: dict[str, Any]


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal(value)
    if isinstance(value, dict):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | int | None = None,
    client: str | None = None,
    **details: Any,
) -> None:
    """Append one event in the caller's transaction (it is kept only if the change is)."""
    session.add(
        AuditEvent(
            at=datetime.now(UTC),
            actor=actor[:80],
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else mask_personal(str(object_id))[:128],
            client=(client or None) and client[:64],
            details=_masked(details),
        )
    )


def log_event(db: Database, actor: str, action: str, **kwargs: Any) -> None:
    """Append one event in its own transaction."""
    with db.session() as session:
        record(session, actor, action, **kwargs)


def query(db: Database, where: AuditFilter) -> list[AuditRow]:
    """Events matching the filter, newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(where.limit)
    if where.actor:
        stmt = stmt.where(AuditEvent.actor == where.actor)
    if where.action:
        stmt = stmt.where(AuditEvent.action.startswith(where.action, autoescape=True))
    if where.object_type:
        stmt = stmt.where(AuditEvent.object_type == where.object_type)
    if where.since:
        stmt = stmt.where(AuditEvent.at >= where.since)
    if where.until:
        stmt = stmt.where(AuditEvent.at < where.until)
    with db.session() as session:
        return [AuditRow.model_validate(e, from_attributes=True) for e in session.scalars(stmt)]


def to_csv(rows: list[AuditRow]) -> str:
    """The rows as CSV (details as JSON)."""
    out = io.StringIO()
    fields = list(AuditRow.model_fields)
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        values = row.model_dump(mode="json")
        values["details"] = row.model_dump_json(include={"details"})[len('{"details":') : -1]
        writer.writerow(values)
    return out.getvalue()
