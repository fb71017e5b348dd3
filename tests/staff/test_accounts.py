"""Accounts, logins, lockouts and sessions on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from assistant.core.config import StaffSettings
from assistant.db import Database
from assistant.db.models import AuditEvent, LoginFailure, StaffSession, StaffUser
from assistant.staff.accounts import AccountError, Accounts, LoginOutcome

PASSWORD = "correct horse battery"


def _add(accounts: Accounts, name: str = "alice", role: str = "outreach") -> None:
    accounts.add(name, role, PASSWORD, "test")


def test_accounts_are_added_listed_and_hashed_with_argon2(accounts: Accounts, db: Database):
    _add(accounts, "Alice")
    _add(accounts, "bob", "admin")
    assert [(u.username, u.role, u.active) for u in accounts.list()] == [
        ("alice", "outreach", True),
        ("bob", "admin", True),
    ]
    with db.session() as session:
        hashes = session.scalars(select(StaffUser.password_hash)).all()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    assert len(set(hashes)) == 2  # salted


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("alice", "outreach", PASSWORD, "exists"),
        ("carol", "root", PASSWORD, "role"),
        ("dave", "judge", "short", "at least"),
        ("a b", "judge", PASSWORD, "username"),
        ("x" * 65, "judge", PASSWORD, "username"),
    ],
)
def test_bad_accounts_are_refused(accounts: Accounts, name, role, password, message):
    _add(accounts)
    with pytest.raises(AccountError, match=message):
        accounts.add(name, role, password, "test")


def test_login_makes_a_new_session_each_time(accounts: Accounts, db: Database):
    _add(accounts)
    first = accounts.login("alice", PASSWORD, "10.0.0.1")
    assert first.outcome is LoginOutcome.OK and first.token and first.principal
    assert accounts.principal(first.token) == first.principal
    second = accounts.login("ALICE", PASSWORD, "10.0.0.1", replaces=first.token)
    assert second.token != first.token
    # The cookie the browser had is no longer a session.
    assert accounts.principal(first.token) is None
    assert accounts.principal(second.token).role == "outreach"
    with db.session() as session:
        # Only hashes of the cookie values are stored.
        ids = session.scalars(select(StaffSession.id)).all()
    assert second.token not in ids and len(ids) == 1


def test_five_failures_lock_the_account_even_for_the_right_password(accounts: Accounts):
    _add(accounts)
    outcomes = [accounts.login("alice", f"wrong-{n}", f"10.0.0.{n}").outcome for n in range(5)]
    assert outcomes[:4] == [LoginOutcome.INVALID] * 4 and outcomes[4] is LoginOutcome.LOCKED
    assert accounts.login("alice", PASSWORD, "10.9.9.9").outcome is LoginOutcome.LOCKED


def test_five_failures_lock_the_client_for_every_account(accounts: Accounts):
    _add(accounts)
    for n in range(5):
        accounts.login(f"user{n}", "guess-password", "10.0.0.7")
    assert accounts.login("alice", PASSWORD, "10.0.0.7").outcome is LoginOutcome.LOCKED
    assert accounts.login("alice", PASSWORD, "10.0.0.8").outcome is LoginOutcome.OK


def test_a_lockout_ends_after_its_minutes(accounts: Accounts, db: Database):
    _add(accounts)
    for _ in range(5):
        accounts.login("alice", "wrong-password", "10.0.0.1")
    assert accounts.login("alice", PASSWORD, "10.0.0.1").outcome is LoginOutcome.LOCKED
    with db.session() as session:
        past = datetime.now(UTC) - timedelta(minutes=16)
        session.execute(update(LoginFailure).values(at=past))
    assert accounts.login("alice", PASSWORD, "10.0.0.1").outcome is LoginOutcome.OK


def test_sessions_expire_after_inactivity_and_at_their_maximum_age(db: Database):
    accounts = Accounts(db, StaffSettings(session_idle_minutes=30, session_max_hours=12))
    _add(accounts)
    token = accounts.login("alice", PASSWORD, "c").token
    with db.session() as session:
        session.execute(
            update(StaffSession).values(last_seen=datetime.now(UTC) - timedelta(minutes=31))
        )
    assert accounts.principal(token) is None
    token = accounts.login("alice", PASSWORD, "c").token
    with db.session() as session:
        session.execute(
            update(StaffSession).values(created_at=datetime.now(UTC) - timedelta(hours=13))
        )
    assert accounts.principal(token) is None


def test_disabling_or_a_new_password_ends_sessions(accounts: Accounts, db: Database):
    _add(accounts)
    token = accounts.login("alice", PASSWORD, "c").token
    accounts.set_active("alice", False, "admin")
    assert accounts.principal(token) is None
    assert accounts.login("alice", PASSWORD, "c").outcome is LoginOutcome.INVALID
    accounts.set_active("alice", True, "admin")
    token = accounts.login("alice", PASSWORD, "c").token
    accounts.reset_password("alice", "another long password", "admin")
    assert accounts.principal(token) is None
    assert accounts.login("alice", PASSWORD, "c").outcome is LoginOutcome.INVALID
    assert accounts.login("alice", "another long password", "c").outcome is LoginOutcome.OK
    with db.session() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "staff.add", "login", "staff.disable", "login.failed", "staff.enable", "login",
        "staff.reset_password", "login.failed", "login",
    ]  # fmt: skip


def test_unknown_names_are_not_written_to_the_audit_log(accounts: Accounts, db: Database):
    # A password typed into the username box must not end up in the log.
    accounts.login("MyS3cretPassw0rd!", "x", "c")
    with db.session() as session:
        rows = session.scalars(select(AuditEvent)).all()
    assert [(r.action, r.object_id) for r in rows] == [("login.failed", None)]
