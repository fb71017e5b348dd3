"""Case search and prediction over one store snapshot; the model is trained on first use."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from assistant.cases.catalog import Catalog
from assistant.cases.model import AbstentionRule, PredictorModel
from assistant.cases.predict import Predictor, eligible
from assistant.cases.search import CaseSearch
from assistant.cases.train import Trainer
from assistant.core.config import CaseSettings
from assistant.core.store import Store
from assistant.retrieval import HybridRetriever

log = logging.getLogger(__name__)


class CaseService:
    """The catalog, search and the predictor of one snapshot."""

    def __init__(self, retriever: HybridRetriever, settings: CaseSettings, store_dir: Path) -> None:
        self.store: Store = retriever.store
        self.settings = settings
        self.catalog = Catalog(self.store)
        self.search = CaseSearch(retriever, self.catalog, settings)
        self.embedder = retriever.embedder
        self.max_query_chars = retriever.max_query_chars
        self.model_dir = settings.model_dir or Path(store_dir) / "models"
        self.data_hash = self.catalog.data_hash(np.flatnonzero(eligible(self.catalog)))
        self._predictor: Predictor | None = None
        self._lock = threading.Lock()

    @property
    def model_path(self) -> Path:
        """Where the model for exactly these acts is kept."""
        return self.model_dir / f"predictor-{self.data_hash[:16]}.json"

    def train(self) -> PredictorModel:
        """Train, evaluate and save a model for the current acts; ValueError if too few."""
        s = self.settings
        rule = AbstentionRule(
            floor=s.precedent_floor,
            min_precedents=s.min_precedents,
            min_confidence=s.min_confidence,
        )
        model = Trainer(self.catalog, s.precedents, rule).fit(
            self.store.manifest.snapshot, self.store.manifest.embedder.compat_id
        )
        model.save(self.model_path)
        return model

    def _load(self) -> PredictorModel | None:
        path = self.model_path
        if not path.exists():
            return None
        try:
            model = PredictorModel.load(path)
        except (OSError, ValueError) as exc:
            log.warning("case outcome model %s is unreadable (%s); retraining", path, exc)
            return None
        if (model.data_hash, model.embedder) != (
            self.data_hash,
            self.store.manifest.embedder.compat_id,
        ):
            log.warning("case outcome model %s was built from other acts; retraining", path)
            return None
        return model

    def reload(self) -> Predictor:
        """Drop the model in memory and load the saved one again (training when none fits),
        e.g. after `alqabi cases train` wrote a new one."""
        with self._lock:
            self._predictor = None
        return self.predictor()

    def predictor(self) -> Predictor:
        """The predictor, loading the saved model or, when there is none, training one (once)."""
        with self._lock:
            if self._predictor is None:
                model = self._load()
                if model is None:
                    log.info("no case outcome model at %s: training one now", self.model_path)
                    model = self.train()
                    log.info("case outcome model %s trained and saved", model.version)
                self._predictor = Predictor(
                    model, self.catalog, self.embedder, self.max_query_chars
                )
            return self._predictor
