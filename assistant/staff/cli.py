"""``alqabi staff ...`` (accounts) and ``alqabi db ...`` (migrations).

Passwords are read from a prompt, or from stdin when it is not a terminal; never from an
argument (it would be in the shell history and the process list)."""

from __future__ import annotations

import contextlib
import getpass
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.core.cli import JsonOpt, StoreOpt, cli_actor, fail, refused, settings_for
from assistant.core.roles import ROLES

if TYPE_CHECKING:
    from assistant.staff.accounts import Accounts

# Accounts (argon2), migrations (Alembic) and the review queue (scikit-learn) are imported by
# the commands that use them: `alqabi --help` stays light.

staff_app = typer.Typer(no_args_is_help=True, help="Staff accounts: add, list, disable.")
db_app = typer.Typer(no_args_is_help=True, help="The application database and its migrations.")
console = Console()


def _accounts(store: Path | None) -> Accounts:
    from assistant.db import Database, database_url
    from assistant.staff.accounts import Accounts

    settings = settings_for(store)
    db = Database(database_url(settings))
    db.upgrade()
    return Accounts(db, settings.staff)


def _refused() -> contextlib.AbstractContextManager[None]:
    """An account operation refused (taken name, unknown user, weak password) as a clear error."""
    from assistant.staff.accounts import AccountError

    return refused(AccountError)


def read_password(confirm: bool = True) -> str:
    """A password from a prompt (twice), or the first line of stdin when piped."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise fail("no password on stdin", 2)
        return line
    first = getpass.getpass("password: ")
    if confirm and getpass.getpass("again: ") != first:
        raise fail("the passwords differ", 2)
    return first


@staff_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Latin letters, digits, '.', '_', '-'.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    store: StoreOpt = None,
) -> None:
    """Add an account; the password is read from the prompt or stdin."""
    if role not in ROLES:
        raise fail(f"--role must be one of {', '.join(ROLES)}", 2)
    accounts = _accounts(store)
    with _refused():
        user = accounts.add(username, role, read_password(), cli_actor())
    console.print(f"added {user.username} ({user.role})")


@staff_app.command("list")
def list_accounts(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Every account with its role and state."""
    users = _accounts(store).list()
    if as_json:
        sys.stdout.write(json.dumps([u.model_dump(mode="json") for u in users], indent=2) + "\n")
        return
    table = Table()
    for column in ("username", "role", "active", "created", "password changed"):
        table.add_column(column)
    for u in users:
        table.add_row(
            u.username,
            u.role,
            "yes" if u.active else "no",
            f"{u.created_at:%Y-%m-%d %H:%M}",
            f"{u.password_changed_at:%Y-%m-%d %H:%M}",
        )
    console.print(table if users else "no accounts")


def _set_active(username: str, active: bool, store: Path | None) -> None:
    with _refused():
        _accounts(store).set_active(username, active, cli_actor())
    console.print(f"{'enabled' if active else 'disabled'} {username}")


@staff_app.command("disable")
def disable(username: str, store: StoreOpt = None) -> None:
    """Disable an account and end its sessions."""
    _set_active(username, False, store)


@staff_app.command("enable")
def enable(username: str, store: StoreOpt = None) -> None:
    """Enable a disabled account."""
    _set_active(username, True, store)


@staff_app.command("reset-password")
def reset_password(username: str, store: StoreOpt = None) -> None:
    """Set a new password (prompt or stdin); the account's sessions end."""
    accounts = _accounts(store)
    with _refused():
        accounts.reset_password(username, read_password(), cli_actor())
    console.print(f"password of {username} changed")


@db_app.command("upgrade")
def upgrade(store: StoreOpt = None) -> None:
    """Apply pending migrations (and import a former feedback.sqlite once)."""
    from assistant.db import Database, database_url, import_legacy_feedback, legacy_feedback_path
    from assistant.review.queue import queue_down_votes

    settings = settings_for(store)
    db = Database(database_url(settings))
    before = db.revision()
    after = db.upgrade()
    imported = import_legacy_feedback(db, legacy_feedback_path(settings))
    queued = queue_down_votes(db)
    console.print(f"database at revision {after} (was {before or 'empty'})")
    if imported:
        console.print(f"imported {imported} votes from {legacy_feedback_path(settings)}")
    if queued:
        console.print(f"queued {queued} 👎 votes for review")


@db_app.command("current")
def current(store: StoreOpt = None) -> None:
    """The revision the database is at, and the newest one."""
    from assistant.db import Database, database_url

    db = Database(database_url(settings_for(store)))
    console.print(f"current: {db.revision() or 'empty'} · head: {Database.head()}")


def register(app: typer.Typer) -> None:
    app.add_typer(staff_app, name="staff")
    app.add_typer(db_app, name="db")
