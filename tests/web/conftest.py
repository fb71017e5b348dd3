"""One small real store with guidance, FAQ and court acts behind every web test."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from assistant.answer.sentences import CACHE_FILE
from assistant.core.config import EmbedderSettings, Settings, StoreSettings
from assistant.core.embeddings import Embedder
from assistant.db.feedback import FeedbackStore
from assistant.services import Services
from indexer.cases import generate_cases
from indexer.cases.cli import write_corpus
from indexer.pipeline import Indexer
from tests.test_answer_store import WARM_STORE, _write_subset

# Enough first-instance acts to train the outcome model (30 at least) and see every category.
N_ACTS = 80
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
_lock = threading.Lock()


def build_services(root: Path, embedder: Embedder) -> Services:
    """Services over a new store under ``root``: the answer tests' guidance and FAQ plus
    generated court acts, with the outcome model trained (once, so that no page waits for it)."""
    store = root / "store"
    store.mkdir(parents=True)
    for name in ("embed_cache.sqlite", CACHE_FILE):
        if (WARM_STORE / name).exists():
            shutil.copy(WARM_STORE / name, store / name)
    paths = _write_subset(root / "corpus")
    acts = root / "corpus" / "cases"
    write_corpus(acts / "acts.jsonl", generate_cases(N_ACTS, 7))
    settings = Settings(store=StoreSettings(dir=store), embedder=EmbedderSettings(threads=1))
    report = Indexer(settings, embedder, progress=False).run([*paths, acts])
    assert not report.failed
    services = Services(settings, embedder)
    services.load()
    services.cases.predictor()
    return services


@pytest.fixture(scope="session")
def web_services(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Services:
    with _lock:
        return build_services(tmp_path_factory.mktemp("web"), embedder)


def feedback_rows(services: Services) -> list[dict]:
    """Every vote in the services' application database."""
    return FeedbackStore(services.db).rows()
