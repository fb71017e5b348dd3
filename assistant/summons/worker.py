"""The dispatch worker: claims due notices, picks a channel, sends, records the receipts.

Runs inside ``alqabi serve`` and as ``alqabi summons worker`` (any number of them)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import select

from assistant.core.config import Settings
from assistant.db import Database
from assistant.summons import outbox
from assistant.summons.channels import (
    Channel,
    ChannelDead,
    Contact,
    Outgoing,
    RetryLater,
    SendFailed,
)
from assistant.summons.clock import Clock, SystemClock
from assistant.summons.models import Candidate, Pool
from assistant.summons.schedule import Schedule
from assistant.summons.texts import render

log = logging.getLogger(__name__)
# Channels a candidate may switch off; a call-off still uses them (the hearing is off).
OPTIONAL = frozenset({"sms", "email"})


def message_values(pool: Pool, candidate: Candidate, schedule: Schedule, url: str) -> dict:
    when = schedule.local(pool.hearing_at)
    return {
        "court": pool.court,
        "case": pool.case_number,
        "date": f"{when:%d.%m.%Y}",
        "time": f"{when:%H:%M}",
        "place": pool.place,
        "phone": pool.court_phone,
        "code": candidate.code or "",
        "url": url,
    }


class Dispatcher:
    """One worker. ``run_once`` handles a batch; ``run`` loops until stopped."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        channels: Sequence[Channel],
        clock: Clock | None = None,
        owner: str | None = None,
        concurrency: int = 32,
    ) -> None:
        self.db = db
        self.settings = settings.summons
        self.channels = list(channels)
        self.by_name = {c.name: c for c in self.channels}
        self.clock = clock or SystemClock()
        self.schedule = Schedule.of(self.settings)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._limit = asyncio.Semaphore(concurrency)
        self.reply_url = f"{self.settings.public_url.rstrip('/')}/summons/reply"

    async def run_once(self) -> int:
        """Claim and send one batch; returns how many notices were handled."""
        now = self.clock.now()
        if self.schedule.quiet(now):
            return 0
        s = self.settings
        claimed = await asyncio.to_thread(
            outbox.claim, self.db, self.owner, now, s.batch_size, s.lease_seconds
        )
        if not claimed:
            return 0
        contacts, outgoing = await asyncio.to_thread(self._prepare, claimed)
        await asyncio.to_thread(outbox.mark_in_flight, self.db, self.owner, claimed, now)
        results = await asyncio.gather(*(self._send(c, outgoing.get(c.id)) for c in claimed))
        await asyncio.to_thread(self._record, results, contacts)
        return len(claimed)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Loop until ``stop`` is set; a database hiccup is logged and retried."""
        stop = stop or asyncio.Event()
        log.info("summons worker %s: channels %s", self.owner, [c.name for c in self.channels])
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("summons worker: batch failed")
                handled = 0
            if not handled:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.poll_seconds)

    async def drain(self, max_batches: int = 10_000) -> int:
        """Run batches until nothing is due (tests, the CLI's --once)."""
        total = 0
        for _ in range(max_batches):
            handled = await self.run_once()
            if not handled:
                break
            total += handled
        return total

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()

    # -- steps --------------------------------------------------------------------------

    def _prepare(
        self, claimed: list[outbox.Claimed]
    ) -> tuple[dict[int, Contact], dict[int, Outgoing]]:
        cand_ids = {c.candidate_id for c in claimed}
        pool_ids = {c.pool_id for c in claimed}
        with self.db.session() as session:
            query = select(Candidate).where(Candidate.id.in_(cand_ids))
            candidates = {c.id: c for c in session.scalars(query)}
            pools = {p.id: p for p in session.scalars(select(Pool).where(Pool.id.in_(pool_ids)))}
        contacts: dict[int, Contact] = {}
        outgoing: dict[int, Outgoing] = {}
        for c in claimed:
            cand = candidates[c.candidate_id]
            contact = Contact(cand.id, cand.lang, cand.tg_chat_id, cand.phone, cand.email)
            contacts[cand.id] = contact
            c.channel = self._choose(c, cand, contact)
            if c.channel is None:
                continue
            values = message_values(pools[c.pool_id], cand, self.schedule, self.reply_url)
            bot = self.settings.bot_username
            message = render(c.template, cand.lang, values, bot)
            outgoing[c.id] = Outgoing(c.key, c.template, contact, message)
        return contacts, outgoing

    def _choose(self, c: outbox.Claimed, cand: Candidate, contact: Contact) -> str | None:
        dead = set(cand.dead_channels or [])
        if c.interrupted is not None:
            channel = self.by_name.get(c.interrupted)
            if channel is not None and channel.idempotent and c.interrupted not in dead:
                return c.interrupted  # the provider drops the copy if the first one got out
            c.skip = sorted({*c.skip, c.interrupted})
        for channel in self.channels:
            if channel.name in dead or channel.name in c.skip:
                continue
            if cand.opt_out and channel.name in OPTIONAL and c.template != "calloff":
                continue
            if channel.reaches(contact):
                return channel.name
        return None

    async def _send(self, c: outbox.Claimed, out: Outgoing | None) -> outbox.Result:
        if out is None or c.channel is None:
            return outbox.Result(c, "unreachable", error="no channel reaches the candidate")
        channel = self.by_name[c.channel]
        async with self._limit:
            try:
                ref = await channel.send(out)
            except RetryLater as exc:
                return outbox.Result(c, "retry", c.channel, error=str(exc), retry_after=exc.after)
            except ChannelDead as exc:
                return outbox.Result(c, "dead", c.channel, error=str(exc))
            except SendFailed as exc:
                return outbox.Result(c, "failed", c.channel, error=str(exc))
            except Exception as exc:  # a bug in a channel must not stop the others
                log.exception("channel %s failed", c.channel)
                return outbox.Result(c, "retry", c.channel, error=type(exc).__name__)
        return outbox.Result(c, "delivered", c.channel, provider_ref=ref[:120])

    def _record(self, results: list[outbox.Result], contacts: dict[int, Contact]) -> None:
        s = self.settings
        now = self.clock.now()
        delays = []
        for result in results:
            delays.append(outbox.backoff_seconds(
                result.claimed.attempts, s.backoff_base_seconds, s.backoff_max_seconds,
                result.retry_after,
            ))  # fmt: skip
            if result.error:
                result.error = result.error[:300]
        with self.db.session() as session:
            outbox.record(session, self.owner, results, now, delays, s.max_attempts)
            for result in results:
                if result.outcome == "dead" and result.channel:
                    cand = session.get(Candidate, result.claimed.candidate_id)
                    if cand is not None and result.channel not in cand.dead_channels:
                        cand.dead_channels = [*cand.dead_channels, result.channel]


def serve_worker(
    db: Callable[[], Database], settings: Settings, clock: Clock | None = None
) -> Dispatcher | None:
    """The worker ``alqabi serve`` runs beside the API: None when switched off
    (``summons.worker_in_serve``) or when no channel is configured (the database is
    opened only when a worker runs)."""
    from assistant.summons.channels import make_channels

    if not settings.summons.worker_in_serve:
        return None
    channels = make_channels(settings)
    return Dispatcher(db(), settings, channels, clock) if channels else None
