"""Summons fixtures: a migrated database on SQLite and PostgreSQL (the staff tests' cluster),
candidate lists with valid IINs, a manual clock, fake channels at the provider edge."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from staff.conftest import BACKENDS, PostgresCluster, new_database_url, pg_cluster  # noqa: F401

from assistant.core.config import Settings, StoreSettings, SummonsSettings
from assistant.db import Database
from assistant.summons.clock import ManualClock
from assistant.summons.service import PoolIn, SummonsService

# The fake Telegram server of the bot tests (a fake only at Telegram's edge).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bot"))

_IIN_WEIGHTS = (tuple(range(1, 12)), (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))
# 2026-12-07 10:00 in Almaty is 05:00 UTC.
START = datetime(2026, 12, 7, 5, 0, tzinfo=UTC)
HEARING = datetime(2026, 12, 21, 5, 0, tzinfo=UTC)  # 21 Dec, 10:00 local


def make_iin(birth: date, serial: int, female: bool = False) -> str:
    """A valid IIN for a birth date (the check digit computed as the state does)."""
    century = {1800: 1, 1900: 3, 2000: 5}[birth.year // 100 * 100] + (1 if female else 0)
    for n in range(serial, serial + 50):
        body = f"{birth:%y%m%d}{century}{n % 10000:04d}"
        values = [int(c) for c in body]
        for weights in _IIN_WEIGHTS:
            check = sum(v * w for v, w in zip(values, weights, strict=False)) % 11
            if check != 10:
                return body + str(check)
    raise AssertionError("no valid IIN")


def people(count: int, start: int = 0) -> list[dict[str, str]]:
    """``count`` valid candidates, each with a phone and an e-mail."""
    rows = []
    for n in range(start, start + count):
        birth = date(1960 + n % 35, 1 + n % 12, 1 + n % 28)
        rows.append({
            "iin": make_iin(birth, 1000 + n * 7, female=n % 2 == 1),
            "full_name": f"Candidate Number{n} Testov",
            "birth_date": birth.isoformat(),
            "phone": f"+7701{n:07d}",
            "email": f"c{n}@example.kz",
            "address": f"Street {n}",
            "lang": "ru" if n % 3 == 0 else "kk",
        })  # fmt: skip
    return rows


def to_csv(rows: list[dict[str, str]], sep: str = ",") -> bytes:
    header = ["iin", "full_name", "birth_date", "phone", "email", "address", "lang"]
    extra = sorted({k for r in rows for k in r} - set(header))
    lines = [sep.join(header + extra)]
    lines += [sep.join(r.get(k, "") for k in header + extra) for r in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database = Database(new_database_url(request.param, tmp_path, request))
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def summons_settings(**overrides: object) -> SummonsSettings:
    values: dict[str, object] = {"backoff_base_seconds": 10.0, "lease_seconds": 30.0}
    return SummonsSettings(**{**values, **overrides})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=StoreSettings(dir=tmp_path / "store"), summons=summons_settings())


@pytest.fixture
def service(db: Database, settings: Settings, clock: ManualClock) -> SummonsService:
    return SummonsService(db, settings.summons, clock)


def new_pool(service: SummonsService, size: int = 25, hearing: datetime = HEARING) -> int:
    pool = service.create_pool(
        PoolIn(
            case_number="1-2026-00123",
            court="Алматы облыстық соты",
            court_phone="+7 727 000 00 00",
            place="Алматы, Абай даңғылы 1, 5-зал",
            hearing_at=hearing,
            size=size,
        ),
        actor="sec1",
    )
    return pool.id
