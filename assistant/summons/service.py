"""Pool operations: create, import, draw, notify, move, cancel, replies, dashboard, purge.

Every staff action is written to the audit log in the transaction that makes it (ids and
masked forms only); candidates' replies are audited as ``candidate:<id>``."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.core.config import SummonsSettings
from assistant.core.pii import mask_personal
from assistant.db import Database
from assistant.db.models import AppMeta
from assistant.staff.audit import record as audit
from assistant.summons import draw as lot
from assistant.summons import outbox
from assistant.summons.candidates import Checked, RowError, check_rows, read_table
from assistant.summons.clock import Clock, SystemClock
from assistant.summons.models import Attempt, Candidate, Notice, Pool, Served
from assistant.summons.schedule import Schedule, TooLate
from assistant.summons.texts import ground_ids

ACTIONS = ("confirm", "release", "cannot")
STATUS_OF = {"confirm": "confirmed", "release": "release_asked", "cannot": "cannot_attend"}
# Unambiguous letters and digits for the one-time code (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
MAX_REPLY_TEXT = 1000


class SummonsError(ValueError):
    """A refused operation, with a message for the secretary."""


class NotFound(SummonsError):
    pass


class PoolIn(BaseModel):
    case_number: str
    court: str
    court_phone: str
    place: str
    hearing_at: datetime
    size: int


@dataclass(frozen=True)
class ImportOutcome:
    imported: int
    errors: list[RowError]


@dataclass(frozen=True)
class DrawOutcome:
    seed: str
    digest: str
    drawn: int


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())[:32]


class SummonsService:
    def __init__(self, db: Database, settings: SummonsSettings, clock: Clock | None = None):
        self.db = db
        self.settings = settings
        self.clock = clock or SystemClock()
        self.schedule = Schedule.of(settings)

    # -- pools ------------------------------------------------------------------------

    def create_pool(self, data: PoolIn, actor: str, client: str | None = None) -> Pool:
        now = self.clock.now()
        if data.hearing_at.tzinfo is None:
            raise SummonsError("the hearing time needs a time zone")
        if data.size < self.settings.min_candidates:
            raise SummonsError(
                f"at least {self.settings.min_candidates} candidates are summoned (CPC art. 637)"
            )
        if data.hearing_at <= now:
            raise SummonsError("the hearing must be in the future")
        fields = {k: str(v).strip() for k, v in data.model_dump().items() if isinstance(v, str)}
        if not all(fields.values()):
            raise SummonsError("case number, court, court phone and place are required")
        with self.db.session() as session:
            pool = Pool(
                **fields,
                hearing_at=data.hearing_at,
                size=data.size,
                state="open",
                version=1,
                created_by=actor,
                created_at=now,
            )
            session.add(pool)
            session.flush()
            audit(session, actor, "summons.pool.create", "summons_pool", pool.id, client,
                  case_number=pool.case_number, size=pool.size,
                  hearing_at=pool.hearing_at.isoformat())  # fmt: skip
        return pool

    def pool(self, pool_id: int) -> Pool:
        with self.db.session() as session:
            pool = session.get(Pool, pool_id)
            if pool is None:
                raise NotFound(f"no pool {pool_id}")
            return pool

    def pools(self) -> list[Pool]:
        with self.db.session() as session:
            return list(session.scalars(select(Pool).order_by(Pool.hearing_at.desc())))

    # -- import -----------------------------------------------------------------------

    def _salt(self, session: Session) -> bytes:
        row = session.get(AppMeta, "summons_salt")
        if row is None:
            row = AppMeta(key="summons_salt", value=secrets.token_hex(32))
            session.add(row)
            session.flush()
        return bytes.fromhex(row.value)

    def digest(self, session: Session, iin: str) -> str:
        return hmac.new(self._salt(session), iin.encode(), hashlib.sha256).hexdigest()

    def check(self, pool: Pool, data: bytes, filename: str) -> Checked:
        """Validate a list against the pool's hearing (ListFormatError for an unreadable file)."""
        rows = read_table(data, filename)
        year = self.schedule.local(pool.hearing_at).year
        with self.db.session() as session:
            salt = self._salt(session)
            served = set(
                session.scalars(
                    select(Served.digest).where(Served.year == year, Served.pool_id != pool.id)
                )
            )

        def served_this_year(iin: str) -> bool:
            return hmac.new(salt, iin.encode(), hashlib.sha256).hexdigest() in served

        return check_rows(rows, self.schedule.local(pool.hearing_at).date(), served_this_year)

    def import_list(
        self, pool_id: int, data: bytes, filename: str, actor: str, client: str | None = None
    ) -> ImportOutcome:
        """All or nothing: every row valid replaces the pool's list; any error imports none."""
        pool = self.pool(pool_id)
        if pool.state != "open":
            raise SummonsError("the list cannot change after the draw")
        checked = self.check(pool, data, filename)
        with self.db.session() as session:
            if not checked.ok:
                audit(session, actor, "summons.import.refused", "summons_pool", pool_id, client,
                      rows=len(checked.rows) + len({e.row for e in checked.errors}),
                      errors=[f"{e.row}:{e.code}" for e in checked.errors[:200]])  # fmt: skip
                return ImportOutcome(0, checked.errors)
            session.execute(delete(Candidate).where(Candidate.pool_id == pool_id))
            for row in checked.rows:
                session.add(
                    Candidate(
                        pool_id=pool_id, row_no=row.row, iin=row.iin, full_name=row.full_name,
                        birth_date=row.birth_date, phone=row.phone, email=row.email,
                        address=row.address, lang=row.lang, dead_channels=[], opt_out=False,
                        status="listed", served=False,
                    )
                )  # fmt: skip
            audit(session, actor, "summons.import", "summons_pool", pool_id, client,
                  rows=len(checked.rows), file=filename.rsplit(".", 1)[-1].lower())  # fmt: skip
        return ImportOutcome(len(checked.rows), [])

    # -- draw -------------------------------------------------------------------------

    def draw(self, pool_id: int, actor: str, client: str | None = None) -> DrawOutcome:
        """Draw ``size`` candidates by lot; the seed goes to the audit log and the pool."""
        now = self.clock.now()
        seed = lot.new_seed()
        with self.db.session() as session:
            pool = _locked(session, pool_id)
            if pool.state != "open":
                raise SummonsError("this pool has already been drawn")
            candidates = {
                c.iin: c
                for c in session.scalars(select(Candidate).where(Candidate.pool_id == pool_id))
            }
            if len(candidates) < pool.size:
                raise SummonsError(
                    f"the list has {len(candidates)} candidates; {pool.size} are to be summoned"
                )
            digest = lot.list_digest(list(candidates))
            chosen = lot.draw(list(candidates), seed, pool.size)
            year = self.schedule.local(pool.hearing_at).year
            for order, iin in enumerate(chosen, 1):
                cand = candidates[iin]
                cand.draw_order = order
                cand.status = "drawn"
                cand.code = new_code()
                session.add(Served(digest=self.digest(session, iin), year=year, pool_id=pool_id))
            pool.seed, pool.list_digest, pool.drawn_at, pool.state = seed, digest, now, "drawn"
            audit(session, actor, "summons.draw", "summons_pool", pool_id, client,
                  seed=seed, list_digest=digest, listed=len(candidates), drawn=len(chosen),
                  algorithm="sha256-fisher-yates/v1")  # fmt: skip
        return DrawOutcome(seed, digest, len(chosen))

    def verify_draw(self, pool_id: int, iins: list[str] | None = None) -> tuple[bool, str]:
        """Repeat the draw from the pool's seed (and the given list, or the stored one)."""
        with self.db.session() as session:
            pool = session.get(Pool, pool_id)
            if pool is None or pool.seed is None:
                raise NotFound(f"pool {pool_id} has not been drawn")
            stored = list(
                session.scalars(
                    select(Candidate.iin)
                    .where(Candidate.pool_id == pool_id, Candidate.draw_order.is_not(None))
                    .order_by(Candidate.draw_order)
                )
            )
            listed = iins or list(
                session.scalars(select(Candidate.iin).where(Candidate.pool_id == pool_id))
            )
        digest = lot.list_digest(listed)
        again = lot.draw(listed, pool.seed, pool.size)
        return digest == pool.list_digest and again == stored, digest

    # -- notices ----------------------------------------------------------------------

    def _drawn(self, session: Session, pool_id: int) -> list[Candidate]:
        return list(
            session.scalars(
                select(Candidate)
                .where(Candidate.pool_id == pool_id, Candidate.draw_order.is_not(None))
                .order_by(Candidate.draw_order)
            )
        )

    def notify(self, pool_id: int, actor: str, client: str | None = None) -> int:
        """Queue the notice (now, outside quiet hours) and the reminder (the day before)."""
        now = self.clock.now()
        with self.db.session() as session:
            pool = _locked(session, pool_id)
            if pool.state not in ("drawn", "notified"):
                raise SummonsError("draw the candidates before sending notices")
            self.schedule.check_notice(now, pool.hearing_at)
            slot = f"v{pool.version}"
            due = self.schedule.next_allowed(now)
            reminder = max(self.schedule.reminder_at(pool.hearing_at), due)
            rows = []
            for cand in self._drawn(session, pool_id):
                rows.append((pool_id, cand.id, "notice", slot, due))
                rows.append((pool_id, cand.id, "reminder", slot, reminder))
            added = outbox.enqueue(session, self.db.dialect, rows, now)
            pool.state = "notified"
            audit(session, actor, "summons.notify", "summons_pool", pool_id, client,
                  queued=added, slot=slot)  # fmt: skip
        return added

    def _reached(self, session: Session, pool_id: int) -> set[int]:
        """Candidates a notice has gone to (or is going to right now)."""
        return set(
            session.scalars(
                select(Notice.candidate_id).where(
                    Notice.pool_id == pool_id,
                    Notice.template.in_(("notice", "moved")),
                    Notice.state.in_(("delivered", "sending")),
                )
            )
        )

    def move(
        self, pool_id: int, hearing_at: datetime, actor: str, client: str | None = None
    ) -> int:
        """A new hearing time: pending notices cancelled, those notified told, the rest get
        a notice for the new date, and a new reminder."""
        now = self.clock.now()
        if hearing_at.tzinfo is None or hearing_at <= now:
            raise SummonsError("the new hearing time must be in the future, with a time zone")
        with self.db.session() as session:
            pool = _locked(session, pool_id)
            if pool.state in ("cancelled", "purged"):
                raise SummonsError("this pool is closed")
            reached = self._reached(session, pool_id)
            drawn = self._drawn(session, pool_id)
            if any(c.id not in reached for c in drawn) and pool.state == "notified":
                self.schedule.check_notice(now, hearing_at)
            cancelled = outbox.cancel_pending(session, pool_id, now)
            old = pool.hearing_at
            pool.hearing_at, pool.version = hearing_at, pool.version + 1
            queued = 0
            if pool.state == "notified":
                slot = f"v{pool.version}"
                due = self.schedule.next_allowed(now)
                reminder = max(self.schedule.reminder_at(hearing_at), due)
                rows = []
                for cand in drawn:
                    template = "moved" if cand.id in reached else "notice"
                    rows.append((pool_id, cand.id, template, slot, due))
                    rows.append((pool_id, cand.id, "reminder", slot, reminder))
                queued = outbox.enqueue(session, self.db.dialect, rows, now)
            audit(session, actor, "summons.move", "summons_pool", pool_id, client,
                  old=old.isoformat(), new=hearing_at.isoformat(), cancelled=cancelled,
                  queued=queued)  # fmt: skip
        return cancelled

    def cancel(self, pool_id: int, actor: str, client: str | None = None) -> tuple[int, int]:
        """Call the hearing off: pending notices cancelled, those notified told.
        Returns (cancelled, call-offs queued)."""
        now = self.clock.now()
        with self.db.session() as session:
            pool = _locked(session, pool_id)
            if pool.state in ("cancelled", "purged"):
                raise SummonsError("this pool is already closed")
            reached = self._reached(session, pool_id)
            cancelled = outbox.cancel_pending(session, pool_id, now)
            slot = f"v{pool.version}"
            due = self.schedule.next_allowed(now)
            rows = [(pool_id, cid, "calloff", slot, due) for cid in sorted(reached)]
            queued = outbox.enqueue(session, self.db.dialect, rows, now)
            pool.state = "cancelled"
            audit(session, actor, "summons.cancel", "summons_pool", pool_id, client,
                  cancelled=cancelled, calloffs=queued)  # fmt: skip
        return cancelled, queued

    # -- candidates' side -------------------------------------------------------------

    def by_code(self, code: str) -> tuple[Candidate, Pool] | None:
        value = normal_code(code)
        if len(value) != CODE_LENGTH:
            return None
        with self.db.session() as session:
            cand = session.scalar(select(Candidate).where(Candidate.code == value))
            if cand is None:
                return None
            pool = session.get(Pool, cand.pool_id)
            assert pool is not None
            return cand, pool

    def link_telegram(self, code: str, chat_id: int) -> tuple[Candidate, Pool] | None:
        """Tie a Telegram chat to the candidate holding ``code``."""
        found = self.by_code(code)
        if found is None:
            return None
        with self.db.session() as session:
            cand = session.get(Candidate, found[0].id)
            assert cand is not None
            cand.tg_chat_id = chat_id
            cand.dead_channels = [c for c in cand.dead_channels if c != "telegram"]
            audit(session, f"candidate:{cand.id}", "summons.link", "summons_candidate", cand.id,
                  channel="telegram")  # fmt: skip
        found[0].tg_chat_id = chat_id
        return found

    def by_chat(self, candidate_id: int, chat_id: int) -> Candidate | None:
        with self.db.session() as session:
            cand = session.get(Candidate, candidate_id)
            return cand if cand is not None and cand.tg_chat_id == chat_id else None

    def reply(
        self,
        candidate_id: int,
        action: str,
        ground: str | None = None,
        reason: str | None = None,
        via: str = "page",
    ) -> Candidate:
        """Record a candidate's answer (the latest one counts; each one is audited)."""
        if action not in ACTIONS:
            raise SummonsError(f"unknown reply {action!r}")
        if action == "release" and ground not in ground_ids():
            raise SummonsError("choose a ground for release")
        now = self.clock.now()
        with self.db.session() as session:
            cand = session.get(Candidate, candidate_id)
            if cand is None or cand.draw_order is None:
                raise NotFound("no such candidate")
            pool = session.get(Pool, cand.pool_id)
            assert pool is not None
            if pool.state in ("cancelled", "purged"):
                raise SummonsError("cancelled")
            cand.status = STATUS_OF[action]
            cand.ground = ground if action == "release" else None
            cand.reply_text = (reason or "").strip()[:MAX_REPLY_TEXT] or None
            cand.replied_at = now
            audit(session, f"candidate:{cand.id}", f"summons.reply.{action}",
                  "summons_candidate", cand.id, via=via, pool=cand.pool_id, ground=cand.ground,
                  with_text=cand.reply_text is not None)  # fmt: skip
            return cand

    def opt_out(self, candidate_id: int, via: str = "page") -> None:
        with self.db.session() as session:
            cand = session.get(Candidate, candidate_id)
            if cand is None:
                raise NotFound("no such candidate")
            cand.opt_out = True
            audit(session, f"candidate:{cand.id}", "summons.opt_out", "summons_candidate",
                  cand.id, via=via)  # fmt: skip

    # -- dashboard, export, purge -----------------------------------------------------

    def dashboard(self, pool_id: int) -> dict:
        """Counts of one pool: notified per channel, delivered, replies, not reached, per day."""
        pool = self.pool(pool_id)
        if pool.summary is not None and pool.state == "purged":
            return pool.summary
        with self.db.session() as session:
            drawn = self._drawn(session, pool_id)
            notices = list(session.scalars(select(Notice).where(Notice.pool_id == pool_id)))
        by_cand: dict[int, list[Notice]] = defaultdict(list)
        for n in notices:
            by_cand[n.candidate_id].append(n)
        first = ("notice", "moved")
        channels: Counter[str] = Counter()
        states: Counter[str] = Counter(n.state for n in notices)
        notified = not_reached = pending = 0
        for cand in drawn:
            mine = [n for n in by_cand[cand.id] if n.template in first]
            done = [n for n in mine if n.state == "delivered"]
            if done:
                notified += 1
                channels.update({done[-1].channel or "?"})
            elif mine and all(n.state in ("failed", "cancelled") for n in mine):
                not_reached += 1
            elif mine:
                pending += 1
        statuses = Counter(c.status for c in drawn)
        daily: dict[str, Counter[str]] = defaultdict(Counter)
        for n in notices:
            if n.delivered_at is not None:
                daily[f"{self.schedule.local(n.delivered_at):%Y-%m-%d}"]["delivered"] += 1
        for c in drawn:
            if c.replied_at is not None:
                daily[f"{self.schedule.local(c.replied_at):%Y-%m-%d}"]["replied"] += 1
        return {
            "drawn": len(drawn),
            "notified": notified,
            "by_channel": dict(channels),
            "pending": pending,
            "not_reached": not_reached,
            "replied": sum(1 for c in drawn if c.replied_at is not None),
            "confirmed": statuses["confirmed"],
            "release_asked": statuses["release_asked"],
            "cannot_attend": statuses["cannot_attend"],
            "outbox": dict(states),
            "daily": {day: dict(v) for day, v in sorted(daily.items())},
        }

    def candidate_rows(self, pool_id: int) -> list[dict]:
        """The drawn candidates for the secretary: name, masked contacts, latest notice."""
        with self.db.session() as session:
            drawn = self._drawn(session, pool_id)
            notices = list(
                session.scalars(select(Notice).where(Notice.pool_id == pool_id).order_by(Notice.id))
            )
        latest: dict[int, Notice] = {}
        for n in notices:
            if n.template in ("notice", "moved", "calloff"):
                latest[n.candidate_id] = n
        rows = []
        for c in drawn:
            n = latest.get(c.id)
            rows.append({
                "order": c.draw_order, "id": c.id, "full_name": c.full_name,
                "iin": mask_personal(c.iin), "phone": mask_personal(c.phone or ""),
                "email": mask_personal(c.email or ""), "lang": c.lang, "status": c.status,
                "ground": c.ground or "", "reason": c.reply_text or "",
                "telegram": "yes" if c.tg_chat_id else "",
                "notice": n.state if n else "", "channel": (n.channel or "") if n else "",
                "opt_out": "yes" if c.opt_out else "",
            })  # fmt: skip
        return rows

    def export_csv(self, pool_id: int, actor: str, client: str | None = None) -> str:
        rows = self.candidate_rows(pool_id)
        out = io.StringIO()
        fields = ["order", "full_name", "iin", "phone", "email", "lang", "status", "ground",
                  "reason", "telegram", "notice", "channel", "opt_out"]  # fmt: skip
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        with self.db.session() as session:
            audit(session, actor, "summons.export", "summons_pool", pool_id, client,
                  rows=len(rows))  # fmt: skip
        return out.getvalue()

    def purge(self, actor: str = "system:purge", today: date | None = None) -> list[int]:
        """Delete the candidates of pools whose hearing is ``purge_after_days`` past."""
        now = self.clock.now()
        cutoff = now - timedelta(days=self.settings.purge_after_days)
        with self.db.session() as session:
            ids = list(
                session.scalars(
                    select(Pool.id).where(Pool.hearing_at < cutoff, Pool.state != "purged")
                )
            )
        purged = []
        for pool_id in ids:
            summary = self.dashboard(pool_id)
            with self.db.session() as session:
                pool = session.get(Pool, pool_id)
                assert pool is not None
                session.execute(delete(Candidate).where(Candidate.pool_id == pool_id))
                pool.summary, pool.state = summary, "purged"
                audit(session, actor, "summons.purge", "summons_pool", pool_id,
                      after_days=self.settings.purge_after_days)  # fmt: skip
            purged.append(pool_id)
        return purged

    def outbox_counts(self) -> dict[str, int]:
        with self.db.session() as session:
            query = select(Notice.state, func.count()).group_by(Notice.state)
            return {state: count for state, count in session.execute(query).all()}

    def attempts(self, pool_id: int) -> list[Attempt]:
        with self.db.session() as session:
            return list(
                session.scalars(
                    select(Attempt)
                    .join(Notice, Notice.id == Attempt.notice_id)
                    .where(Notice.pool_id == pool_id)
                    .order_by(Attempt.id)
                )
            )


def _locked(session: Session, pool_id: int) -> Pool:
    """The pool, locked for this transaction (PostgreSQL; SQLite locks on the first write)."""
    pool = session.get(Pool, pool_id, with_for_update=True)
    if pool is None:
        raise NotFound(f"no pool {pool_id}")
    return pool


__all__ = ["PoolIn", "SummonsError", "SummonsService", "TooLate"]
