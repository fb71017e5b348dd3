"""Staff accounts: argon2 password hashes, lockouts, server-side sessions.

A session cookie holds 32 random bytes; the database keeps only their sha256, so a copy of
the database signs nobody in. Every login makes a new session (no fixation)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from assistant.core.config import StaffSettings
from assistant.core.roles import ROLES
from assistant.db import Database
from assistant.db.models import LoginFailure, StaffSession, StaffUser
from assistant.staff import audit

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
# A session's last_seen is written at most this often (not on every request).
TOUCH_EVERY = timedelta(seconds=30)
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A refused account change, with a message for the operator."""


class LoginOutcome(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    LOCKED = "locked"


@dataclass(frozen=True)
class Principal:
    """The staff member behind a request."""

    user_id: int
    username: str
    role: str
    session_id: str
    csrf: str


@dataclass(frozen=True)
class Login:
    outcome: LoginOutcome
    principal: Principal | None = None
    # The new cookie value (only on success).
    token: str | None = None


class UserView(BaseModel):
    """An account as listed (no hash)."""

    username: str
    role: str
    active: bool
    created_at: datetime
    password_changed_at: datetime


@cache
def _dummy_hash() -> str:
    # Verified against when the account does not exist, so timing does not tell.
    return _hasher.hash(secrets.token_hex(16))


def session_key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password may have at most {MAX_PASSWORD} characters")
    return password


def _norm(username: str) -> str:
    return username.strip().lower()[:64]


class Accounts:
    """Accounts, logins and sessions over the application database."""

    def __init__(self, db: Database, settings: StaffSettings) -> None:
        self.db = db
        self.settings = settings

    # -- accounts ----------------------------------------------------------------------

    def add(self, username: str, role: str, password: str, actor: str) -> UserView:
        name = username.strip().lower()
        if not USERNAME.match(name):
            raise AccountError(
                "a username is 2-64 characters: latin letters, digits, '.', '_' or '-'"
            )
        if role not in ROLES:
            raise AccountError(f"the role must be one of {', '.join(ROLES)}")
        now = datetime.now(UTC)
        with self.db.session() as session:
            if session.scalar(select(StaffUser).where(StaffUser.username == name)):
                raise AccountError(f"the account {name!r} exists already")
            user = StaffUser(
                username=name,
                role=role,
                password_hash=_hasher.hash(check_password(password)),
                active=True,
                created_at=now,
                password_changed_at=now,
            )
            session.add(user)
            audit.record(session, actor, "staff.add", "staff_user", name, role=role)
        return self._view(user)

    @staticmethod
    def _view(user: StaffUser) -> UserView:
        return UserView.model_validate(user, from_attributes=True)

    def list(self) -> list[UserView]:
        with self.db.session() as session:
            users = session.scalars(select(StaffUser).order_by(StaffUser.username))
            return [self._view(u) for u in users]

    def _user(self, session: Session, username: str) -> StaffUser:
        user = session.scalar(select(StaffUser).where(StaffUser.username == _norm(username)))
        if user is None:
            raise AccountError(f"no account {username!r}")
        return user

    def set_active(
        self, username: str, active: bool, actor: str, client: str | None = None
    ) -> None:
        """Disable (ending its sessions) or enable an account."""
        with self.db.session() as session:
            user = self._user(session, username)
            user.active = active
            if not active:
                session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
            action = "staff.enable" if active else "staff.disable"
            audit.record(session, actor, action, "staff_user", user.username, client)

    def reset_password(
        self, username: str, password: str, actor: str, client: str | None = None
    ) -> None:
        """A new password; the account's sessions end and its failed attempts are cleared."""
        check_password(password)
        with self.db.session() as session:
            user = self._user(session, username)
            user.password_hash = _hasher.hash(password)
            user.password_changed_at = datetime.now(UTC)
            session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
            session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))
            audit.record(
                session, actor, "staff.reset_password", "staff_user", user.username, client
            )

    # -- logins ------------------------------------------------------------------------

    def _locked(self, session: Session, username: str, client: str) -> bool:
        since = datetime.now(UTC) - timedelta(minutes=self.settings.lockout_minutes)
        limit = self.settings.lockout_attempts
        for column, value in ((LoginFailure.username, username), (LoginFailure.client, client)):
            count = session.scalar(
                select(func.count())
                .select_from(LoginFailure)
                .where(column == value, LoginFailure.at >= since)
            )
            if count >= limit:
                return True
        return False

    def login(
        self, username: str, password: str, client: str, replaces: str | None = None
    ) -> Login:
        """Check a password; on success a new session (``replaces``, the browser's old
        cookie, is ended). Locked accounts and clients are refused whatever the password."""
        name = _norm(username)
        client = client[:64]
        with self.db.session() as session:
            if self._locked(session, name, client):
                audit.record(session, "anonymous", "login.locked", "staff_user", None, client)
                return Login(LoginOutcome.LOCKED)
            user = session.scalar(select(StaffUser).where(StaffUser.username == name))
            ok = False
            try:
                ok = _hasher.verify(user.password_hash if user else _dummy_hash(), password)
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok or user is None or not user.active:
                session.add(LoginFailure(username=name, client=client, at=datetime.now(UTC)))
                # An unknown name is not recorded: it may be a password typed in the wrong box.
                known = user.username if user else None
                audit.record(session, "anonymous", "login.failed", "staff_user", known, client)
                locked = self._locked(session, name, client)
                return Login(LoginOutcome.LOCKED if locked else LoginOutcome.INVALID)
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            if replaces:
                # The cookie the browser had before (perhaps planted): that session ends.
                old = session_key(replaces)
                session.execute(delete(StaffSession).where(StaffSession.id == old))
            session.execute(delete(LoginFailure).where(LoginFailure.username == name))
            token = secrets.token_urlsafe(32)
            now = datetime.now(UTC)
            row = StaffSession(
                id=session_key(token),
                user_id=user.id,
                csrf=secrets.token_urlsafe(32),
                created_at=now,
                last_seen=now,
                client=client,
            )
            session.add(row)
            audit.record(session, user.username, "login", "staff_user", user.username, client)
            principal = Principal(user.id, user.username, user.role, row.id, row.csrf)
        return Login(LoginOutcome.OK, principal, token)

    def principal(self, token: str | None) -> Principal | None:
        """The staff member a cookie value signs in, or None (unknown, expired, disabled)."""
        if not token or len(token) > 128:
            return None
        key = session_key(token)
        now = datetime.now(UTC)
        with self.db.session() as session:
            row = session.get(StaffSession, key)
            if row is None:
                return None
            user = session.get(StaffUser, row.user_id)
            idle = now - row.last_seen > timedelta(minutes=self.settings.session_idle_minutes)
            old = now - row.created_at > timedelta(hours=self.settings.session_max_hours)
            if user is None or not user.active or idle or old:
                session.delete(row)
                return None
            if now - row.last_seen > TOUCH_EVERY:
                row.last_seen = now
            return Principal(user.id, user.username, user.role, row.id, row.csrf)

    def logout(self, principal: Principal, client: str | None = None) -> None:
        with self.db.session() as session:
            session.execute(delete(StaffSession).where(StaffSession.id == principal.session_id))
            audit.record(
                session, principal.username, "logout", "staff_user", principal.username, client
            )
