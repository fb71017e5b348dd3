"""``alqabi staff`` and ``alqabi db`` as an operator runs them: passwords on stdin only."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import typer
from typer.testing import CliRunner

from assistant.core.config import StaffSettings, get_settings
from assistant.db import Database
from assistant.staff.accounts import Accounts, LoginOutcome
from assistant.staff.cli import register

# The commands as `alqabi` registers them, run in-process (starting `alqabi` loads every
# plugin of the entry-point group: seconds per call on a busy machine).
APP = typer.Typer()
register(APP)


@pytest.fixture(autouse=True)
def fresh_settings():
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def alqabi(env: dict[str, str], *args: str, stdin: str = "") -> SimpleNamespace:
    result = CliRunner().invoke(APP, list(args), input=stdin, env=env)
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def test_staff_commands(db_url: str, tmp_path: Path):
    env = {"ALQABI_DATABASE_URL": db_url, "ALQABI_STORE_DIR": str(tmp_path / "store")}
    upgraded = alqabi(env, "db", "upgrade")
    assert upgraded.returncode == 0 and f"revision {Database.head()}" in upgraded.stdout
    added = alqabi(env, "staff", "add", "Aigerim", "--role", "outreach", stdin="first password 1\n")
    assert added.returncode == 0, added.stderr
    # No password argument exists: an extra argument is refused.
    assert alqabi(env, "staff", "add", "bob", "--role", "judge", "pw-as-arg").returncode != 0
    assert alqabi(env, "staff", "add", "bob", "--role", "wizard", stdin="x" * 12).returncode == 2
    short = alqabi(env, "staff", "add", "bob", "--role", "judge", stdin="short\n")
    assert short.returncode == 2 and "at least" in short.stderr
    listed = json.loads(alqabi(env, "staff", "list", "--json").stdout)
    assert [(u["username"], u["role"], u["active"]) for u in listed] == [
        ("aigerim", "outreach", True)
    ]
    reset = alqabi(env, "staff", "reset-password", "aigerim", stdin="second password 2\n")
    assert reset.returncode == 0
    db = Database(db_url)
    accounts = Accounts(db, StaffSettings())
    assert accounts.login("aigerim", "first password 1", "c").outcome is LoginOutcome.INVALID
    assert accounts.login("aigerim", "second password 2", "c").outcome is LoginOutcome.OK
    assert alqabi(env, "staff", "disable", "aigerim").returncode == 0
    assert accounts.login("aigerim", "second password 2", "d").outcome is LoginOutcome.INVALID
    assert alqabi(env, "staff", "disable", "nobody").returncode == 2
    for result in (added, reset):
        assert "password 1" not in result.stdout + result.stderr
    db.dispose()
