"""What every suite gets: settings, a writable view of the store, services, the gold set."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from assistant.core.config import Settings
from assistant.core.embeddings import Embedder, make_embedder, query_settings
from assistant.core.store import StoreError, live_snapshot
from assistant.db import database_url
from assistant.services import Services
from evals.harness.gold import GoldSet
from evals.harness.gold import load as load_gold

# Files a running service writes next to its snapshots (answer sentence vectors, the trained
# outcome model); copied into the view so a warm store stays warm.
_CACHES = ("answer_cache.sqlite", "embed_cache.sqlite")
_MODELS = "models"


def store_view(store: Path, views: Path) -> Path:
    """A directory that reads as ``store`` (its live snapshot, symlinked) but takes the caches
    and models the services write, so evaluating a store never writes into it."""
    snapshot = live_snapshot(store)
    if snapshot is None:
        raise StoreError(f"no store at {store}: build one with `alqabi index --store {store}`")
    view = views / hashlib.sha1(str(store.resolve()).encode()).hexdigest()[:12]
    (view / "snapshots").mkdir(parents=True, exist_ok=True)
    link = view / "snapshots" / snapshot.name
    if not link.exists():
        link.symlink_to(snapshot.resolve(), target_is_directory=True)
    for name in _CACHES:
        if (store / name).exists() and not (view / name).exists():
            shutil.copy2(store / name, view / name)
    if (store / _MODELS).is_dir() and not (view / _MODELS).exists():
        shutil.copytree(store / _MODELS, view / _MODELS)
    (view / "CURRENT").write_text(snapshot.name + "\n", encoding="utf-8")
    return view


@dataclass
class EvalContext:
    """Shared by the suites of one run; the store is loaded once, on first use."""

    settings: Settings
    store: Path
    out: Path
    gold: Path | None = None
    fast: bool = False
    _services: Services | None = field(default=None, repr=False)
    _gold_set: GoldSet | None = field(default=None, repr=False)

    @property
    def gold_set(self) -> GoldSet:
        """``--gold FILE`` or the shipped gold set, read once."""
        if self._gold_set is None:
            self._gold_set = load_gold(self.gold)
        return self._gold_set

    @property
    def embedder(self) -> Embedder:
        return self.services.embedder

    @property
    def services(self) -> Services:
        if self._services is None:
            embedder = make_embedder(query_settings(self.settings.embedder))
            self._services = Services(self.settings, embedder)
            self._services.load()
        return self._services

    @property
    def database_url(self) -> str:
        """The application database where the API (and through it the bot) keeps votes for
        the evaluated store."""
        return database_url(self.settings)
