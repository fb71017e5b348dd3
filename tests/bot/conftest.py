"""Bot test fixtures: one small store and one real API server for the whole session."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from harness import serve_api

from assistant.api.app import create_app
from assistant.core.config import Settings, StoreSettings
from assistant.core.embeddings import Embedder
from assistant.services import Services
from indexer.pipeline import Indexer

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts" / "bot"
# Only what the bot tests open or ask about: embedding runs at a few passages a second.
TOPICS = ("notification", "pay-guarantees", "rights-duties")
FAQ_TOPICS = ("notification", "pay-guarantees", "rights-duties")


def small_corpus(root: Path) -> list[Path]:
    """The guidance of a few topics and the FAQ entries on them, both languages."""
    faq = root / "faq"
    faq.mkdir(parents=True)
    for source in sorted((REPO / "corpus" / "faq").glob("*.jsonl")):
        lines = source.read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line and json.loads(line).get("topic") in FAQ_TOPICS]
        (faq / source.name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    guidance = root / "guidance"
    for lang in ("kk", "ru"):
        (guidance / lang).mkdir(parents=True)
        for topic in TOPICS:
            shutil.copy(REPO / "corpus" / "guidance" / lang / f"{topic}.md", guidance / lang)
    return [faq, guidance]


@dataclass
class ApiServer:
    """A running API: its URL and the FastAPI app (for its feedback storage)."""

    url: str
    app: FastAPI

    def feedback_rows(self) -> list[dict]:
        store = getattr(self.app.state, "feedback", None)
        return store.rows() if store is not None else []


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[ApiServer]:
    root = tmp_path_factory.mktemp("bot-api")
    settings = Settings(store=StoreSettings(dir=root / "store"))
    report = Indexer(settings, embedder, progress=False).run(small_corpus(root / "corpus"))
    assert not report.failed, report.failed
    api = serve_api(create_app(settings, Services(settings, embedder)))
    yield ApiServer(api.url, api.app)
    api.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
