"""The long-lived objects a running service needs: embedder, store, retriever."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.cases.service import CaseService
from assistant.core.cli import fail, settings_for
from assistant.core.config import Settings
from assistant.core.embeddings import Embedder, make_embedder, query_settings
from assistant.core.store import Store, StoreError, live_snapshot
from assistant.db import Database, open_database
from assistant.retrieval import HybridRetriever

if TYPE_CHECKING:
    from assistant.answer.engine import AnswerEngine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """One consistent generation: a store and the retriever over it."""

    store: Store
    retriever: HybridRetriever


class Services:
    """Loads the store lazily and swaps in new snapshots without blocking readers."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._loaded: Loaded | None = None
        self._answers: AnswerEngine | None = None
        self._lock = threading.Lock()
        self._cases: CaseService | None = None
        # Its own lock: building the case catalog must not hold up the embedder or answers.
        self._cases_lock = threading.Lock()
        self.last_error: str | None = None
        # A snapshot that failed to open is not retried on every poll (checksums cost time).
        self._refused: str | None = None
        self._load_lock = threading.Lock()
        self._db: Database | None = None
        self._db_lock = threading.Lock()

    @property
    def store_dir(self) -> Path:
        return Path(self.settings.store.dir)

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = make_embedder(query_settings(self.settings.embedder))
            return self._embedder

    @property
    def answers(self) -> AnswerEngine:
        """The answer engine, created on first use (it imports this module, hence lazily),
        serving the FAQ entries staff published."""
        created = False
        with self._lock:
            if self._answers is None:
                from assistant.answer.engine import AnswerEngine

                self._answers = AnswerEngine(self.settings)
                created = True
            engine = self._answers
        if created:
            from assistant.review import serving

            serving.sync(self, engine)
        return engine

    @property
    def db(self) -> Database:
        """The application database (staff, audit, feedback, review), migrated on first use."""
        with self._db_lock:
            if self._db is None:
                self._db = open_database(self.settings)
            return self._db

    @property
    def cases(self) -> CaseService:
        """Case search and prediction over the loaded snapshot; rebuilt when a new one is
        loaded. StoreError while no store is loaded."""
        loaded = self.require()
        with self._cases_lock:
            if self._cases is None or self._cases.store is not loaded.store:
                self._cases = CaseService(loaded.retriever, self.settings.cases, self.store_dir)
            return self._cases

    @property
    def loaded(self) -> Loaded | None:
        return self._loaded

    def load(self) -> Loaded:
        """Open the live snapshot (if it is not the one already loaded) and swap it in."""
        current = self._loaded
        live = live_snapshot(self.store_dir)
        if (
            current is not None
            and live is not None
            and live.name == current.store.manifest.snapshot
        ):
            self.last_error = None  # CURRENT names the served snapshot: nothing is refused
            return current
        store = Store.open(self.store_dir, ef_search=self.settings.store.hnsw_ef_search)
        if current is not None and current.store.manifest.snapshot == store.manifest.snapshot:
            store.close()
            return current
        retriever = HybridRetriever(
            store,
            self.embedder,
            self.settings.retrieval,
            max_query_chars=self.settings.api.max_query_chars,
        )
        self._loaded = Loaded(store=store, retriever=retriever)
        self.last_error = None
        log.info("store snapshot %s loaded", store.manifest.snapshot)
        return self._loaded

    def try_load(self) -> bool:
        """Load if possible; keep the previous snapshot and remember the error otherwise.

        Polled: a new snapshot is swapped in while requests keep using the one they started
        with; a snapshot that fails its checks is refused once and not retried."""
        live = None
        with self._load_lock:
            try:
                live = live_snapshot(self.store_dir)
                if live is not None and live.name == self._refused:
                    return False
                self.load()
            except StoreError as exc:
                self._refused = live.name if live is not None else None
                self.last_error = str(exc)
                log.warning("store not loaded: %s", exc)
                return False
            return True

    def require(self) -> Loaded:
        """The loaded generation, or StoreError when none is loaded yet."""
        loaded = self._loaded
        if loaded is None:
            raise StoreError(self.last_error or "the store is still loading")
        return loaded


def loaded_services(store: Path | None) -> Services:
    """Services for a CLI command with the store loaded, or a clean exit with the reason."""
    services = Services(settings_for(store))
    try:
        services.load()
    except StoreError as exc:
        raise fail(str(exc)) from exc
    return services
