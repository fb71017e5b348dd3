"""SIGKILL the worker process during a batch of 10,000 notices, restart two workers:
every notice delivered once (0 lost, 0 duplicates at the phone), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from staff.conftest import BACKENDS, new_database_url

from assistant.core.config import SummonsSettings
from assistant.db import Database
from assistant.summons.models import Notice, Pool
from assistant.summons.service import SummonsService
from summons.conftest import new_pool, people, to_csv
from summons.fakes import FakeSmsGateway

REPO = Path(__file__).resolve().parents[2]
ALQABI = REPO / ".venv" / "bin" / "alqabi"
N = 10_000


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    # The log goes to a file: a pipe nobody reads would block the worker once full.
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(ALQABI) if ALQABI.exists() else "alqabi", "summons", "worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _counts(db: Database) -> Counter[str]:
    with db.session() as s:
        rows = s.execute(
            select(Notice.state, func.count()).where(Notice.template == "notice")
            .group_by(Notice.state)
        ).all()  # fmt: skip
    return Counter(dict(rows))


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_mid_batch_loses_and_duplicates_nothing(backend, tmp_path, request):
    url = new_database_url(backend, tmp_path, request)
    db = Database(url)
    db.upgrade()
    now = datetime.now(UTC)
    # The test runs at any hour: no quiet hours, neither when the notices are scheduled nor
    # for the workers (scheduled in Almaty's night, every notice would fall due at 08:00).
    service = SummonsService(db, SummonsSettings(min_candidates=25, quiet_start_hour=0,
                                                 quiet_end_hour=0))  # fmt: skip
    pool = new_pool(service, size=N, hearing=now + timedelta(days=30))
    assert service.import_list(pool, to_csv(people(N)), "big.csv", "sec1").imported == N
    service.draw(pool, "sec1")
    assert service.notify(pool, "sec1") == 2 * N
    gateway = FakeSmsGateway().start()
    env = {
        **os.environ,
        "ALQABI_DATABASE_URL": url,
        "ALQABI_STORE_DIR": str(tmp_path / "store"),
        "ALQABI_SUMMONS_SMS_URL": gateway.url,
        "ALQABI_SUMMONS_CHANNELS": '["sms"]',
        "ALQABI_SUMMONS_LEASE_SECONDS": "5",
        "ALQABI_SUMMONS_BATCH_SIZE": "200",
        "ALQABI_SUMMONS_QUIET_START_HOUR": "0",
        "ALQABI_SUMMONS_QUIET_END_HOUR": "0",
        "ALQABI_BOT_TOKEN": "",
    }
    log = tmp_path / "workers.log"
    first = _worker(env, log)
    try:
        deadline = time.monotonic() + 240
        while len(gateway.delivered) < N // 3 and time.monotonic() < deadline:
            assert first.poll() is None, log.read_text()[-2000:]
            time.sleep(0.05)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        at_kill = _counts(db)
        assert 0 < at_kill["delivered"] < N, at_kill
        workers = [_worker(env, log), _worker(env, log)]
        deadline = time.monotonic() + 600
        while _counts(db)["delivered"] < N and time.monotonic() < deadline:
            for w in workers:
                assert w.poll() is None, log.read_text()[-2000:]
            time.sleep(0.2)
    finally:
        for w in (first, *locals().get("workers", [])):
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
                w.wait(20)
        gateway.stop()
    final = _counts(db)
    assert final == Counter({"delivered": N}), final
    # Each notice reached its phone once: one delivered message per (phone, notice key).
    phones = Counter(m["to"] for m in gateway.delivered.values())
    assert len(gateway.delivered) == N and set(phones.values()) == {1}
    resent = sum(1 for n in gateway.received.values() if n > 1)
    with db.session() as s:
        refs = set(s.scalars(select(Notice.provider_ref).where(Notice.template == "notice")))
        assert s.get(Pool, pool).state == "notified"
    assert len(refs) == N
    sys.stdout.write(
        f"\n[{backend}] delivered {N}; at kill {at_kill['delivered']} recorded; "
        f"{resent} sends cut short by the kill were repeated with the same key and dropped "
        f"by the gateway\n"
    )
    db.dispose()
