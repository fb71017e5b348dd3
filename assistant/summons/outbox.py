"""The durable outbox: enqueue once (unique key), claim with a lease, record every result.

A notice is claimed by one conditional UPDATE (with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), so two workers never hold the same row; a worker that dies mid-send leaves a
lease that expires, and the row is claimed again. The channel in flight is written before
the send and cleared with the result, so a reclaimed row says where a send was cut short:
an idempotent provider gets the same key again (it drops the copy), a non-idempotent one
(Telegram) is not used again for that notice and the next channel carries it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assistant.db import Database
from assistant.summons.models import Attempt, Notice

PENDING = ("created", "sending")


def notice_key(pool_id: int, candidate_id: int, template: str, slot: str) -> str:
    return f"{pool_id}:{candidate_id}:{template}:{slot}"


def enqueue(
    session: Session,
    dialect: str,
    rows: list[tuple[int, int, str, str, datetime]],
    now: datetime,
) -> int:
    """Add (pool, candidate, template, slot, due) rows; a key already present is kept as it
    is. Returns how many were new."""
    if not rows:
        return 0
    values = [
        {
            "key": notice_key(pool, cand, template, slot),
            "pool_id": pool,
            "candidate_id": cand,
            "template": template,
            "slot": slot,
            "state": "created",
            "attempts": 0,
            "due_at": due,
            "idempotency_key": uuid.uuid4().hex,
            "skip_channels": [],
            "created_at": now,
            "updated_at": now,
        }
        for pool, cand, template, slot, due in rows
    ]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for start in range(0, len(values), 500):
        stmt = insert(Notice).values(values[start : start + 500])
        stmt = stmt.on_conflict_do_nothing(index_elements=["key"]).returning(Notice.id)
        added += len(session.execute(stmt).all())
    return added


@dataclass
class Claimed:
    id: int
    candidate_id: int
    pool_id: int
    template: str
    key: str
    attempts: int
    # The channel of a send cut short (the previous holder's lease expired), if any.
    interrupted: str | None
    skip: list[str] = field(default_factory=list)
    channel: str | None = None


def _claimable(now: datetime):
    return and_(
        Notice.due_at <= now,
        or_(
            Notice.state == "created",
            and_(Notice.state == "sending", Notice.lease_until < now),
        ),
    )


def claim(db: Database, owner: str, now: datetime, limit: int, lease: float) -> list[Claimed]:
    """Take up to ``limit`` due notices for ``lease`` seconds.

    PostgreSQL: the rows are picked with ``FOR UPDATE SKIP LOCKED`` and updated in the same
    transaction (a LIMIT subquery inside the UPDATE may be re-evaluated and overshoot).
    SQLite: one conditional UPDATE, which takes the database's write lock first."""
    pick = select(Notice.id).where(_claimable(now)).order_by(Notice.due_at, Notice.id).limit(limit)
    returning = (
        Notice.id,
        Notice.candidate_id,
        Notice.pool_id,
        Notice.template,
        Notice.idempotency_key,
        Notice.attempts,
        Notice.channel,
        Notice.skip_channels,
    )
    values = {
        "state": "sending",
        "lease_owner": owner,
        "lease_until": now + timedelta(seconds=lease),
        "attempts": Notice.attempts + 1,
        "updated_at": now,
    }
    with db.session() as session:
        if db.dialect == "postgresql":
            ids = list(session.scalars(pick.with_for_update(skip_locked=True)))
            target = Notice.id.in_(ids) if ids else None
        else:
            target = Notice.id.in_(pick.scalar_subquery())
        if target is None:
            return []
        stmt = (
            update(Notice)
            .where(target, _claimable(now))
            .values(**values)
            .returning(*returning)
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(stmt).all()
    return [
        Claimed(r.id, r.candidate_id, r.pool_id, r.template, r.idempotency_key, r.attempts,
                r.channel, list(r.skip_channels or []))
        for r in sorted(rows, key=lambda r: r.id)
    ]  # fmt: skip


def mark_in_flight(db: Database, owner: str, claimed: list[Claimed], now: datetime) -> None:
    """Write each notice's channel (and channels to skip) before anything is sent."""
    with db.session() as session:
        for c in claimed:
            session.execute(
                update(Notice)
                .where(Notice.id == c.id, Notice.lease_owner == owner)
                .values(channel=c.channel, skip_channels=c.skip, updated_at=now)
                .execution_options(synchronize_session=False)
            )


@dataclass
class Result:
    """What became of one claimed notice."""

    claimed: Claimed
    outcome: str  # delivered | retry | dead | failed | unreachable
    channel: str | None = None
    provider_ref: str | None = None
    error: str | None = None
    retry_after: float | None = None


def record(
    session: Session,
    owner: str,
    results: list[Result],
    now: datetime,
    delays: list[float],
    max_attempts: int,
) -> None:
    """Write the results of a batch (each only while this worker still holds its lease) and
    their attempt rows. Deliveries, the common case, go in one executemany."""
    table = Notice.__table__
    delivered = [r for r in results if r.outcome == "delivered"]
    if delivered:
        stmt = (
            update(table)
            .where(table.c.id == bindparam("nid"), table.c.lease_owner == owner,
                   table.c.state == "sending")
            .values(state="delivered", provider_ref=bindparam("ref"), delivered_at=now,
                    last_error=None, lease_owner=None, lease_until=None, updated_at=now)
        )  # fmt: skip
        session.execute(stmt, [{"nid": r.claimed.id, "ref": r.provider_ref} for r in delivered])
    for result, delay in zip(results, delays, strict=True):
        if result.outcome != "delivered":
            _record_other(session, owner, result, now, delay, max_attempts)
    session.add_all(
        Attempt(notice_id=r.claimed.id, channel=r.channel, at=now, outcome=r.outcome,
                provider_ref=r.provider_ref, error=r.error, worker=owner)
        for r in results
        if r.channel is not None
    )  # fmt: skip


def _record_other(
    session: Session, owner: str, result: Result, now: datetime, backoff: float, max_attempts: int
) -> None:
    c = result.claimed
    values: dict[str, object] = {"lease_owner": None, "lease_until": None, "updated_at": now}
    if result.outcome == "unreachable" or (
        result.outcome == "retry" and c.attempts >= max_attempts
    ):
        values |= {"state": "failed", "channel": None, "last_error": result.error}
    elif result.outcome == "retry":
        values |= {
            "state": "created",
            "channel": None,
            "due_at": now + timedelta(seconds=backoff),
            "last_error": result.error,
        }
    else:  # dead or failed on this channel: the next channel, at once
        values |= {
            "state": "created",
            "channel": None,
            "skip_channels": sorted({*c.skip, result.channel or ""} - {""}),
            "due_at": now,
            "last_error": result.error,
        }
    session.execute(
        update(Notice)
        .where(Notice.id == c.id, Notice.lease_owner == owner, Notice.state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def backoff_seconds(attempts: int, base: float, cap: float, asked: float | None) -> float:
    """base * 2^(attempts-1) up to cap; a provider's retry-after wins when it asks for more."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return max(delay, asked or 0.0)


def cancel_pending(session: Session, pool_id: int, now: datetime) -> int:
    """Cancel the pool's notices not yet sent (a send in flight finishes)."""
    return (
        session.execute(
            update(Notice)
            .where(Notice.pool_id == pool_id, Notice.state == "created")
            .values(state="cancelled", updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
