"""Shared pieces of the ``alqabi`` subcommands: common options, settings, errors, JSON."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.core.config import Settings, get_settings

err = Console(stderr=True)

StoreOpt = Annotated[
    Path | None,
    typer.Option("--store", help="Store directory (default: ALQABI_STORE_DIR or var/store)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def settings_for(store: Path | None) -> Settings:
    """Settings with the ``--store`` override applied."""
    settings = get_settings()
    if store is not None:
        settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"dir": store})}
        )
    return settings


def cli_actor() -> str:
    """Who runs a command, as the audit log names them."""
    return f"cli:{os.environ.get('USER') or getpass.getuser()}"


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error and return the exit to raise."""
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


@contextlib.contextmanager
def refused(*errors: type[Exception]) -> Iterator[None]:
    """An operation refused with one of ``errors`` ends as one clear error (exit 2)."""
    try:
        yield
    except errors as exc:
        raise fail(str(exc), 2) from exc


def dump_json(value: object) -> None:
    """Write JSON to stdout (UTF-8, not ASCII-escaped)."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")
