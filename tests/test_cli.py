"""The ``alqabi`` command end to end, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED, requires_shared

ALQABI = [sys.executable, "-m", "assistant.cli"]


def alqabi(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ALQABI, *args, "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


def test_index_search_and_reindex(corpus, tmp_path):
    store = tmp_path / "store"
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(300))
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)

    first = alqabi("index", str(corpus), "--json", store=store)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["added"] == 4
    failed = {Path(f["source"]).name: f["reason"] for f in report["failed"]}
    assert set(failed) == {"broken.pdf", "binary.txt"}
    assert all(reason for reason in failed.values())

    again = json.loads(alqabi("index", str(corpus), "--json", store=store).stdout)
    assert (again["added"], again["changed"], again["chunks"]) == (0, 0, 0)

    found = alqabi("search", "присяжный штраф", "--k", "2", "--json", store=store)
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["results"]
    assert results[0]["doc_id"] == "fines-ru"
    assert set(results[0]) >= {"doc_id", "chunk_id", "title", "text", "score", "source", "lang"}

    empty = alqabi("search", "  ", store=store)
    assert empty.returncode == 2
    assert "empty" in empty.stderr


def test_clear_errors_for_missing_things(tmp_path):
    missing = alqabi("index", str(tmp_path / "nope"), store=tmp_path / "store")
    assert missing.returncode != 0
    assert "nope" in missing.stderr
    no_store = alqabi("search", "алқаби", store=tmp_path / "empty")
    assert no_store.returncode == 1
    assert "alqabi index" in no_store.stderr


@requires_shared
@pytest.mark.slow
def test_shared_legal_texts_index_and_reindex_to_zero_changes(tmp_path):
    paths = [SHARED / "data" / "kz-jury-law", SHARED / "data" / "kz-cpc-jury-section"]
    store = tmp_path / "store"
    first = alqabi("index", *map(str, paths), "--json", store=store)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["added"] >= 4 and not report["failed"]
    again = json.loads(alqabi("index", *map(str, paths), "--json", store=store).stdout)
    assert (again["added"], again["changed"], again["unchanged"]) == (0, 0, report["added"])
    hit = json.loads(alqabi("search", "присяжные заседатели отвод", "--json", store=store).stdout)
    assert hit["results"]


# Libraries a light command must not load: each costs from 0.1 s to seconds of start-up.
HEAVY = (
    "alembic", "aiogram", "faiss", "fastapi", "numpy", "onnxruntime", "pandas", "pymorphy3",
    "scipy", "sentence_transformers", "sklearn", "sqlalchemy", "torch", "uvicorn",
)  # fmt: skip
STARTUP_PROBE = """
import sys
import typer
from assistant.cli import _register_plugins, app

_register_plugins()
command = typer.main.get_command(app)
paths = []

def walk(cmd, path):
    paths.append(path)
    if hasattr(cmd, "commands"):  # a group (typer ships its own click)
        for name, sub in cmd.commands.items():
            walk(sub, [*path, name])

walk(command, [])
for path in paths:
    try:
        command.main([*path, "--help"], prog_name="alqabi", standalone_mode=False)
    except SystemExit:
        pass
print("COMMANDS", len(paths))
print("LOADED", *sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:])))
"""


def test_help_of_every_command_loads_no_heavy_library():
    """`alqabi --help` and every subcommand's --help start without the libraries that make a
    start-up slow (the README's start-up figure rests on this)."""
    done = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE, *HEAVY],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) if " " in line else (line, "") for line in
                 done.stdout.splitlines() if line.startswith(("COMMANDS", "LOADED")))  # fmt: skip
    assert int(lines["COMMANDS"]) > 30
    assert lines["LOADED"] == "", f"--help imported {lines['LOADED']}"
