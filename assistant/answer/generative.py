"""Optional generative answers: a chat model writes from retrieved passages only, and an answer
whose sentences are not all supported by those passages is thrown away."""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from assistant.answer.sentences import cached_vectors, split_sentences
from assistant.core.config import LlmSettings
from assistant.core.embeddings import Embedder
from assistant.core.schemas import Lang
from assistant.core.text import terms

log = logging.getLogger(__name__)

NO_ANSWER = "NO_ANSWER"
_LANGUAGE = {"kk": "Kazakh", "ru": "Russian", "en": "English"}
_SYSTEM = (
    "You answer citizens' questions about jury duty in Kazakhstan. Use ONLY the numbered "
    "passages below; never add facts, numbers or articles that are not in them. Answer in "
    "{language}, in at most 80 words, and put the number of the supporting passage after each "
    "sentence, like [1] or [2]. Do not give advice about anyone's own case. If the passages do "
    "not answer the question, reply with exactly {no_answer}."
)
_MARKER = re.compile(r"\[(\d+)\]")
# Sentences this short ("Да.", "Иә [1].") say nothing that needs support.
_MIN_TERMS = 2


class LlmUnavailable(RuntimeError):
    """Generation is enabled but its provider package is not installed."""


def make_chat_model(settings: LlmSettings) -> BaseChatModel:
    """The configured chat model; its package is imported only when generation is enabled."""
    key = settings.api_key.get_secret_value() if settings.api_key else None
    package = "langchain-ollama" if settings.provider == "ollama" else "langchain-openai"
    try:
        if settings.provider == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(
                model=settings.model,
                base_url=settings.base_url,
                temperature=settings.temperature,
                num_predict=settings.max_tokens,
            )
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise LlmUnavailable(f"ALQABI_LLM_ENABLED needs {package}: pip install {package}") from exc
    return ChatOpenAI(
        model=settings.model,
        base_url=settings.base_url,
        api_key=key or "unused",
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        timeout=settings.timeout_seconds,
        max_retries=0,
    )


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


class Generator:
    """Asks the chat model and checks that every sentence of its answer is grounded."""

    def __init__(self, model: BaseChatModel, settings: LlmSettings, embedder: Embedder) -> None:
        self.model = model
        self.settings = settings
        self.embedder = embedder
        # Calls run in a worker so a hung endpoint costs at most the timeout.
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")

    def generate(self, question: str, passages: list[str], lang: Lang) -> str | None:
        """The model's answer, or None when it fails, times out or finds no answer."""
        system = _SYSTEM.format(language=_LANGUAGE[lang], no_answer=NO_ANSWER)
        numbered = "\n\n".join(f"[{n}] {p}" for n, p in enumerate(passages, 1))
        messages = [
            SystemMessage(system),
            HumanMessage(f"Passages:\n{numbered}\n\nQuestion: {question}"),
        ]
        future = self._pool.submit(self.model.invoke, messages)
        try:
            reply = future.result(timeout=self.settings.timeout_seconds)
        except FutureTimeout:
            log.warning("LLM timed out after %.1f s", self.settings.timeout_seconds)
            return None
        except Exception as exc:  # any provider error means: answer without the model
            log.warning("LLM failed: %s", exc)
            return None
        content = reply.content if isinstance(reply.content, str) else str(reply.content)
        content = content.strip()
        if not content or NO_ANSWER in content:
            return None
        return content

    def grounded(self, answer: str, passages: list[str], store_dir: Path) -> bool:
        """True when the answer cites only given passages and each sentence is supported.

        A sentence is supported when most of its terms occur in the passages, every number in
        it occurs there, and it is close in meaning to some passage sentence.
        """
        cited = {int(n) for n in _MARKER.findall(answer)}
        if not cited or not cited <= set(range(1, len(passages) + 1)):
            return False
        source_terms = {t for p in passages for t in terms(p, folded=True)}
        source_numbers = {n for p in passages for n in _numbers(p)}
        claims = [
            s for s in split_sentences(_MARKER.sub("", answer)) if len(terms(s)) >= _MIN_TERMS
        ]
        if not claims:
            return False
        for claim in claims:
            claim_terms = set(terms(claim, folded=True))
            overlap = len(claim_terms & source_terms) / len(claim_terms)
            if overlap < self.settings.min_term_overlap or not _numbers(claim) <= source_numbers:
                return False
        evidence = [s for p in passages for s in split_sentences(p)]
        claim_vecs = cached_vectors(self.embedder, store_dir, claims, "passage")
        evidence_vecs = cached_vectors(self.embedder, store_dir, evidence, "passage")
        best = (claim_vecs @ evidence_vecs.T).max(axis=1)
        return bool(np.all(best >= self.settings.min_similarity))
