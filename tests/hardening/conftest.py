"""Hardening fixtures: the shared answer store, a figures recorder for ``make hardening``."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.core.config import Settings, StoreSettings
from assistant.core.embeddings import Embedder
from assistant.services import Services
from demo.cases import generate_cases
from demo.cases.cli import write_corpus as write_acts
from evals.hardening import FIGURES_ENV
from indexer.pipeline import Indexer
from tests.test_answer_store import answer_services
from tests.test_api import wait_ready

REPO = Path(__file__).resolve().parents[2]
# The bot tests' fake Telegram server and harness, importable as they import each other.
sys.path.insert(0, str(REPO / "tests" / "bot"))
from harness import ApiThread, serve_api  # noqa: E402

Record = Callable[..., None]
# Enough decided first-instance acts to train the outcome model (30 needed).
FULL_ACTS = 80


def record_figures(suite: str, **figures: int | float) -> None:
    """Add one test's figures (e.g. inputs tried, server errors) to the hardening report."""
    path = os.environ.get(FIGURES_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"suite": suite, **figures}) + "\n")


def examples(n: int) -> int:
    """Hypothesis examples per property: ``n`` in ``make test``, four times as many in
    ``make hardening``."""
    return n * 4 if os.environ.get(FIGURES_ENV) else n


@pytest.fixture
def figures() -> Record:
    return record_figures


@pytest.fixture(scope="session")
def shared_services(tmp_path_factory: pytest.TempPathFactory) -> Services:
    """The answer tests' store (three topics of guidance and FAQ, kk and ru)."""
    return answer_services(tmp_path_factory.getbasetemp())


def app_settings(services: Services, **sections: dict[str, Any]) -> Settings:
    """The shared settings with some sections replaced (``api={"rate_burst": 2}``)."""
    update = {}
    for name, values in sections.items():
        section = getattr(services.settings, name)
        update[name] = type(section).model_validate({**section.model_dump(), **values})
    return services.settings.model_copy(update=update)


@contextlib.contextmanager
def client_for(services: Services, settings: Settings, **kwargs: Any) -> Iterator[TestClient]:
    """A ready test client of an app over the shared store with other settings."""
    app = create_app(settings, Services(settings, services.embedder))
    with TestClient(app, **kwargs) as client:
        wait_ready(client)
        yield client


@pytest.fixture(scope="session")
def full_services(shared_services: Services, tmp_path_factory: pytest.TempPathFactory) -> Services:
    """The shared guidance store plus generated court acts: every endpoint has data."""
    root = tmp_path_factory.mktemp("full")
    shutil.copytree(shared_services.store_dir, root / "store")
    write_acts(root / "src" / "cases" / "acts.jsonl", generate_cases(FULL_ACTS, 7))
    settings = shared_services.settings.model_copy(
        update={"store": StoreSettings(dir=root / "store")}
    )
    report = Indexer(settings, shared_services.embedder, progress=False).run(
        [root / "src" / "cases"]
    )
    assert not report.failed and report.added == FULL_ACTS
    services = Services(settings, shared_services.embedder)
    services.load()
    return services


@pytest.fixture
def api(shared_services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(shared_services.settings, shared_services)) as client:
        wait_ready(client)
        yield client


def serve(settings: Settings, embedder: Embedder, port: int | None = None) -> ApiThread:
    """The app over these settings on a real port, in a thread; returns once it is ready."""
    return serve_api(create_app(settings, Services(settings, embedder)), port)
