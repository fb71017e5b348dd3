"""Serving published FAQ entries: the one place that hands them to the answer engine.

``serve`` is the narrow seam to the engine (``AnswerEngine.reload_faq``); ``sync`` is called
after a publish or revert and by the server's poller, so every process serves a new version
within seconds and the publishing one at once, without a restart."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.core.schemas import SourceDocument
from assistant.review import publish

if TYPE_CHECKING:
    from assistant.answer.engine import AnswerEngine
    from assistant.services import Services

log = logging.getLogger(__name__)
_served: weakref.WeakKeyDictionary[AnswerEngine, int] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
# The last failure logged: the poller retries every few seconds and logs each new one once.
_last_error: list[str] = [""]


def serve(engine: AnswerEngine, documents: Sequence[SourceDocument]) -> None:
    """Make the engine answer from these FAQ documents besides the store's."""
    engine.reload_faq(documents)


def sync(services: Services, engine: AnswerEngine | None = None) -> bool:
    """Serve the live published entries if they changed since last time; True when they did.
    A database failure is logged and the entries served so far stay."""
    engine = engine or services.answers
    try:
        db = services.db
        with _lock:
            state = publish.state(db)
            if _served.get(engine) == state:
                return False
            docs = [d for v in publish.live_versions(db) for d in publish.documents(v)]
            serve(engine, docs)
            _served[engine] = state
    except Exception as exc:  # citizens' answers must not depend on the staff database
        if str(exc) != _last_error[0]:
            _last_error[0] = str(exc)
            log.warning("published FAQ entries not reloaded: %s", exc)
        return False
    log.info("serving %d published FAQ documents (state %d)", len(docs), state)
    return True
