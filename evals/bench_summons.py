"""Notices per second through the outbox with fake channels (``python -m evals.bench_summons``).

Fakes only at the provider edge: an in-process provider that accepts at once, and the
HTTP SMS gateway path (httpx to a local server). The database, claim, render and record
steps are the real ones. Prints a figure per setup; no pass/fail."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.core.config import Settings, StoreSettings, SummonsSettings
from assistant.db import Database
from assistant.summons.channels import Contact, Outgoing
from assistant.summons.clock import ManualClock
from assistant.summons.service import PoolIn, SummonsService
from assistant.summons.worker import Dispatcher

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


class AcceptingProvider:
    """A provider that accepts every message at once (measures our side only)."""

    name = "sms"
    idempotent = True

    def __init__(self) -> None:
        self.count = 0

    def reaches(self, contact: Contact) -> bool:
        return True

    async def send(self, out: Outgoing) -> str:
        self.count += 1
        return f"x{self.count}"

    async def close(self) -> None:
        return None


def prepare(url: str, n: int, clock: ManualClock, start: int = 0) -> SummonsService:
    """A drawn, notified pool of ``n``; ``start`` gives other people (a database reused
    across runs refuses those summoned this year)."""
    from summons.conftest import people, to_csv

    db = Database(url)
    db.upgrade()
    service = SummonsService(db, SummonsSettings(), clock)
    pool = service.create_pool(
        PoolIn(case_number="1-B", court="Court", court_phone="+7 727 000 00 00",
               place="Hall 1", hearing_at=clock.now() + timedelta(days=30), size=n),
        "bench",
    )  # fmt: skip
    imported = service.import_list(pool.id, to_csv(people(n, start)), "l.csv", "bench")
    assert imported.imported == n, imported.errors[:3]
    service.draw(pool.id, "bench")
    service.notify(pool.id, "bench")
    return service


def run(url: str, n: int, channel_factory, workers: int, batch: int, start: int) -> float:
    clock = ManualClock(datetime(2026, 12, 7, 6, 0, tzinfo=UTC))
    service = prepare(url, n, clock, start)
    settings = Settings(
        store=StoreSettings(dir=Path(tempfile.mkdtemp())),
        summons=SummonsSettings(batch_size=batch),
    )
    channels = [channel_factory() for _ in range(workers)]
    dispatchers = [
        Dispatcher(service.db, settings, [c], clock, owner=f"b{k}") for k, c in enumerate(channels)
    ]

    async def go() -> None:
        await asyncio.gather(*(d.drain() for d in dispatchers))
        for c in channels:
            await c.close()

    start = time.perf_counter()
    asyncio.run(go())
    elapsed = time.perf_counter() - start
    counts = service.outbox_counts()
    assert counts.get("delivered", 0) >= n, counts
    service.db.dispose()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--pg", help="a PostgreSQL URL to measure as well")
    args = parser.parse_args()
    from summons.fakes import FakeSmsGateway

    from assistant.summons.channels.sms import SmsChannel

    gateway = FakeSmsGateway().start()
    setups = [("in-process provider", AcceptingProvider),
              ("HTTP SMS gateway", lambda: SmsChannel(gateway.url, None, "SUD"))]  # fmt: skip
    urls = [("sqlite", None)] + ([("postgresql", args.pg)] if args.pg else [])
    runs = 0
    for backend, url in urls:
        for name, factory in setups:
            for workers in (1, 2):
                db_url = url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
                rate = run(db_url, args.n, factory, workers, args.batch, runs * args.n)
                runs += 1
                print(f"{backend:<10} {name:<20} workers={workers}  {rate:8.0f} notices/s")
    gateway.stop()


if __name__ == "__main__":
    main()
