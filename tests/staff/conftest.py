"""Database fixtures: every staff test runs on SQLite (WAL) and on a throwaway PostgreSQL
cluster started here (Debian's postgresql package; skipped with the reason when absent)."""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response

from assistant.api.app import create_app
from assistant.core.config import DatabaseSettings, Settings, StaffSettings, StoreSettings
from assistant.core.embeddings import Embedder
from assistant.db import Database
from assistant.services import Services
from assistant.staff import accounts as accounts_module
from assistant.staff.accounts import Accounts

PG_BIN = Path(os.environ.get("ALQABI_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id with small time and memory costs: the tests hash hundreds of passwords
    on a shared two-core machine."""
    monkeypatch.setattr(accounts_module, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl in a temporary directory, on a free loopback port, trust auth."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="alqabi-pg-"))
        self.port = _free_port()
        # The server refuses to run as root: run it as the `postgres` system user then.
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.prefix, *args], check=True, capture_output=True, text=True, timeout=120
        )

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options,
            "-l", str(self.root / "server.log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _pg_unavailable() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN} (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a `postgres` system user to run the server"
    return None


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    reason = _pg_unavailable()
    if reason:
        pytest.skip(reason)
    cluster = PostgresCluster()
    try:
        cluster.start()
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(cluster.root, ignore_errors=True)
        pytest.skip(f"PostgreSQL did not start: {exc.stderr or exc.stdout}")
    yield cluster
    cluster.stop()


def new_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """An empty database of ``backend``."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'alqabi.sqlite'}"
    return request.getfixturevalue("pg_cluster").new_database()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL on each backend."""
    return new_database_url(request.param, tmp_path, request)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    """A migrated database on each backend."""
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def accounts(db: Database) -> Accounts:
    return Accounts(db, StaffSettings())


# -- an app with staff accounts, driven through HTTP ------------------------------------------

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
STAFF_PASSWORD = "staff password 123"
ROLE_USERS = {"admin": "root1", "secretary": "sec1", "judge": "judge1", "outreach": "out1"}


def staff_settings(store: Path, url: str, **staff: Any) -> Settings:
    return Settings(
        store=StoreSettings(dir=store),
        database=DatabaseSettings(url=url),
        staff=StaffSettings(**staff),
    )


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = STAFF_PASSWORD) -> Response:
    """The sign-in form filled in as a browser does (its CSRF cookie and field)."""
    form = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
        follow_redirects=False,
    )


@contextlib.contextmanager
def staff_app(settings: Settings, embedder: Embedder | None = None) -> Iterator[TestClient]:
    """An app over ``settings`` with one account per role (password ``STAFF_PASSWORD``)."""
    services = Services(settings, embedder)
    accounts = Accounts(services.db, settings.staff)
    for role, name in ROLE_USERS.items():
        accounts.add(name, role, STAFF_PASSWORD, "test")
    with TestClient(create_app(settings, services)) as client:
        yield client
    services.db.dispose()


@pytest.fixture
def staff_client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with staff_app(staff_settings(tmp_path / "store", db_url)) as client:
        yield client
