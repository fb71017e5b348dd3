"""The answer engine: refusal rules, FAQ match, then an extractive (or grounded generative)
answer from the guidance, in the language of the question."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel

from assistant.answer import citations, extractive, faq
from assistant.answer.cues import about_jury, out_of_scope
from assistant.answer.followup import resolve
from assistant.answer.generative import Generator, make_chat_model
from assistant.answer.knowledge import GUIDANCE, DocInfo, Knowledge
from assistant.answer.memory import ConversationMemory, Turn
from assistant.answer.models import Answer, AnswerSource, RefusalReason, language_note
from assistant.answer.refusal import classify
from assistant.answer.refusal_model import refusal_model
from assistant.core.config import AnswerSettings, LlmSettings, Settings
from assistant.core.query import Query
from assistant.core.schemas import Chunk, Lang, ScoredChunk, SearchFilters
from assistant.locales import text
from assistant.retrieval import check_query
from assistant.services import Loaded

RETRIEVE_K = 8


# An answer to a question with a word no FAQ or guidance text uses is right less often: on the
# dev questions 26 of 45 such FAQ answers were (0.58, against about 0.92 for the rest).
UNCOVERED_CONFIDENCE = 0.6


def _scale(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def _source(chunk: Chunk, doc: DocInfo, score: float) -> AnswerSource:
    return AnswerSource.of(ScoredChunk(chunk=chunk, score=score), doc.group)


class AnswerEngine:
    """Answers questions over the loaded store; keeps per-session history and per-snapshot data."""

    def __init__(
        self,
        settings: Settings,
        answer_settings: AnswerSettings | None = None,
        llm_settings: LlmSettings | None = None,
        chat_model: BaseChatModel | None = None,
    ) -> None:
        self.settings = settings
        self.answer_settings = answer_settings or settings.answer
        self.llm_settings = llm_settings or settings.llm
        s = self.answer_settings
        self.memory = ConversationMemory(s.session_ttl_seconds, s.max_sessions, s.max_turns)
        if chat_model is None and self.llm_settings.enabled:
            chat_model = make_chat_model(self.llm_settings)
        self._chat_model = chat_model
        self._generator: Generator | None = None
        self._knowledge: Knowledge | None = None
        # FAQ entries published since the snapshot (by staff: assistant.review), served besides
        # the snapshot's own and again on every snapshot loaded later.
        self._published: list[faq.FaqEntry] = []
        self._lock = threading.Lock()
        # The evals set other values to calibrate them.
        self.calibration = faq.CALIBRATION

    # -- per-snapshot data -----------------------------------------------------------------

    def knowledge(self, loaded: Loaded) -> Knowledge:
        """Documents and FAQ vectors of the loaded snapshot, built once per snapshot."""
        with self._lock:
            current = self._knowledge
            if current is None or current.store is not loaded.store:
                current = Knowledge(loaded.store, loaded.retriever.embedder)
                if self._published:
                    current.replace_faq(with_published(current.snapshot_faq, self._published))
                self._knowledge = current
                if self._chat_model is not None:
                    self._generator = Generator(
                        self._chat_model, self.llm_settings, loaded.retriever.embedder
                    )
            return current

    def reload_faq(self, published: Sequence[faq.FaqEntry]) -> None:
        """Answer from the snapshot's FAQ and these published entries (an entry with a stored
        entry's id replaces it) from the next question on, without a restart. The matcher's model
        scores entries it was not trained on, so nothing is refitted: the new wording is
        embedded (cached) and the index rebuilt, well under a second for the shipped FAQ."""
        with self._lock:
            self._published = list(published)
            current = self._knowledge
        if current is not None:
            current.replace_faq(with_published(current.snapshot_faq, self._published))

    # -- answering -------------------------------------------------------------------------

    def query(self, loaded: Loaded, question: str, default: Lang | None = None) -> Query:
        """The typed query of a question (scripts converted, language detected); raises
        QueryError for an empty or oversized one."""
        question = check_query(question, self.settings.api.max_query_chars)
        lexicon = self.knowledge(loaded).lexicon
        return Query.of(question, lexicon, default or self.settings.lang_default)

    def ask(
        self,
        loaded: Loaded,
        question: str | Query,
        lang: Lang | None = None,
        session_id: str | None = None,
    ) -> Answer:
        """Answer one question; raises QueryError for an empty or oversized one."""
        previous = self.memory.last(session_id) if session_id else None
        if isinstance(question, str):
            # A follow-up too short to tell its language ("а кандидатам?") keeps the
            # conversation's.
            question = self.query(loaded, question, previous.lang if previous else None)
        lang = lang or question.lang
        answer = self._answer(loaded, question, previous, lang)
        # Kazakh typed in Latin letters is answered in the 2021 Latin alphabet.
        if answer.lang == "kk" and answer.content_lang is None and question.latin_kazakh:
            answer.answer = question.in_asker_script(answer.answer)
            answer.citations = [question.in_asker_script(c) for c in answer.citations]
            if answer.note:
                answer.note = question.in_asker_script(answer.note)
        if session_id and answer.kind != "refusal":
            turn = Turn(
                question=question.original,
                resolved=answer.resolved_question or question.text,
                lang=lang,
            )
            self.memory.add(session_id, turn)
        return answer

    def _answer(self, loaded: Loaded, query: Query, previous: Turn | None, lang: Lang) -> Answer:
        reason = classify(query)
        if reason is not None:
            return self._refusal(reason, lang, 0.9)
        knowledge = self.knowledge(loaded)
        resolved_text = resolve(query, previous, lang)
        resolved = (
            query
            if resolved_text == query.text
            else query.with_text(resolved_text, knowledge.lexicon)
        )
        vector = loaded.retriever.embedder.embed_queries([resolved.text])[0]
        # FAQ entries compete in the language the question is written in (an English question
        # may ask for a Russian answer).
        cal = self.calibration
        match = knowledge.faq.best(resolved, vector)
        score = match.score if match else 0.0
        reason = out_of_scope(
            resolved.folded,
            score,
            bool(resolved.foreign),
            cal.support_min,
            cal.off_topic_min,
            cal.foreign_min,
            cal.foreign_off_topic_min,
        )
        if reason is None:
            # Personal advice or off topic worded past the rules: the learned second opinion.
            reason = refusal_model().decide(vector, score)
            if reason is RefusalReason.OFF_TOPIC and about_jury(resolved.folded):
                # About jurors, but nothing here speaks of it (their music, their lunch).
                reason = RefusalReason.NO_SUPPORT
        if match is None or reason is not None:
            answer = self._refusal(
                reason or RefusalReason.NO_SUPPORT,
                lang,
                1.0 - 0.5 * _scale(score, 0.8, cal.support_min),
            )
        elif score >= cal.threshold:
            answer = self._faq_answer(knowledge, match, lang)
        else:
            confidence = 0.3 + 0.3 * _scale(score, cal.support_min, cal.threshold)
            answer = self._guidance_answer(
                loaded, knowledge, resolved, vector, lang, match, confidence
            )
        answer.resolved_question = resolved.text if resolved is not query else None
        if answer.kind != "refusal" and resolved.foreign:
            answer.uncovered = list(resolved.foreign)
            answer.confidence = round(answer.confidence * UNCOVERED_CONFIDENCE, 4)
            words = ", ".join(f"«{w}»" for w in answer.uncovered)
            uncovered = text(lang, "note.uncovered", words=words)
            answer.note = f"{answer.note} {uncovered}" if answer.note else uncovered
        return answer

    def _refusal(self, reason: RefusalReason, lang: Lang, confidence: float) -> Answer:
        return Answer(
            answer=text(lang, f"refusal.{reason.value}"),
            lang=lang,
            kind="refusal",
            confidence=round(confidence, 4),
            refusal_reason=reason,
        )

    def _language_note(self, answer: Answer, content_lang: Lang | None) -> Answer:
        answer.note = language_note(answer.lang, content_lang)
        if answer.note is not None:
            answer.content_lang = content_lang
        return answer

    def _faq_answer(self, knowledge: Knowledge, match: faq.FaqMatch, lang: Lang) -> Answer:
        threshold = self.calibration.threshold
        doc = knowledge.best_version(match.group, lang)
        confidence = 0.6 + 0.4 * _scale(match.score, threshold, threshold + 0.1)
        if match.margin < faq.CLOSE_MARGIN:
            # A near tie with another entry: on the gold set such answers are right ~3 times in 4.
            confidence *= 0.75
        body = doc.text
        named = [(doc, match.score)]
        other = self._see_also(knowledge, match, doc)
        if other is not None:
            # Two entries on one subject the question sits between (the oath's words and when it
            # is taken): the better one answers, the other is named so the asker can find it.
            cited = citations.labels(citations.from_metadata(other.sources), lang)
            line = text(lang, "see_also", question=other.title, citations=", ".join(cited))
            body = f"{body}\n\n{line}"
            named.append((other, match.runner_up_score))
        answer = Answer(
            answer=body,
            lang=lang,
            kind="faq",
            sources=[
                _source(c, d, score) for d, score in named for c in [knowledge.lead_chunk(d.doc_id)]
            ],
            citations=citations.labels(
                [c for d, _ in named for c in citations.from_metadata(d.sources)], lang
            ),
            confidence=round(confidence, 4),
            topic=doc.topic,
        )
        return self._language_note(answer, doc.lang)

    def _see_also(self, knowledge: Knowledge, match: faq.FaqMatch, doc: DocInfo) -> DocInfo | None:
        """The runner-up entry, in the answer's language, when it is on the match's topic and
        nearly as close."""
        runner_up = match.runner_up
        if (
            runner_up is None
            or doc.lang is None
            or match.margin >= self.calibration.see_also
            or knowledge.faq.topics.get(runner_up) != match.topic
        ):
            return None
        other = knowledge.best_version(runner_up, doc.lang)
        return other if other.lang == doc.lang else None

    def _guidance_answer(
        self,
        loaded: Loaded,
        knowledge: Knowledge,
        query: Query,
        vector: np.ndarray,
        lang: Lang,
        match: faq.FaqMatch,
        confidence: float,
    ) -> Answer:
        """From the guidance on the best FAQ match's topic, else the best retrieved guidance."""
        group = f"guidance-{match.topic}"
        if group not in knowledge.groups:
            hits = loaded.retriever.search(
                query.text, RETRIEVE_K, SearchFilters(doc_type=[GUIDANCE])
            )
            hits = [h for h in hits if h.chunk.doc_id in knowledge.docs]
            if not hits:
                return self._refusal(RefusalReason.NO_SUPPORT, lang, 0.5)
            group = knowledge.docs[hits[0].chunk.doc_id].group
        doc = knowledge.best_version(group, lang)
        docs = [doc]
        if doc.lang != lang:
            # No guidance in the asker's language (English): the answers of the two FAQ entries
            # the question fell between are, the better match first.
            near = (match.group, match.runner_up)
            versions = [knowledge.groups.get(g or "", {}).get(lang) for g in near]
            docs = [knowledge.docs[d] for d in versions if d] or docs
        answer = self._generated(loaded, knowledge, query.text, docs[0], lang, confidence)
        if answer is None:
            answer = self._extracted(knowledge, docs, query, vector, lang, confidence)
        return self._language_note(answer, docs[0].lang)

    def _extracted(
        self,
        knowledge: Knowledge,
        docs: list[DocInfo],
        query: Query,
        vector: np.ndarray,
        lang: Lang,
        confidence: float,
    ) -> Answer:
        sentences = knowledge.sentences([d.doc_id for d in docs], vector)
        picked = extractive.select(query, vector, sentences)
        body = extractive.compose(sentences, picked)
        relevance = extractive.relevance(query, vector, sentences)
        sources: dict[str, AnswerSource] = {}
        rank = {d.doc_id: n for n, d in enumerate(docs)}
        for i in sorted(picked, key=lambda i: (rank[sentences.chunks[i].doc_id], -relevance[i])):
            chunk = sentences.chunks[i]
            doc = knowledge.docs[chunk.doc_id]
            sources.setdefault(chunk.chunk_id, _source(chunk, doc, float(relevance[i])))
        cited = citations.parse(body) or [
            c for s in sources.values() for c in citations.parse(s.text)
        ]
        listed = [c for d in docs for c in citations.from_metadata(d.sources)]
        return Answer(
            answer=body,
            lang=lang,
            kind="extractive",
            sources=list(sources.values()),
            citations=citations.labels(cited or listed, lang),
            confidence=round(confidence, 4),
            topic=docs[0].topic,
        )

    def _generated(
        self,
        loaded: Loaded,
        knowledge: Knowledge,
        question: str,
        doc: DocInfo,
        lang: Lang,
        confidence: float,
    ) -> Answer | None:
        generator = self._generator
        if generator is None or doc.lang is None:
            return None
        hits: list[ScoredChunk] = loaded.retriever.search(
            question,
            generator.settings.passages,
            SearchFilters(doc_type=[doc.doc_type], lang=[doc.lang]),
        )
        passages = [h.chunk.text for h in hits]
        reply = generator.generate(question, passages, lang)
        if reply is None or not generator.grounded(reply, passages, knowledge.store_dir):
            return None
        numbers = {int(n) for n in re.findall(r"\[(\d+)\]", reply)}
        cited = [c for n in sorted(numbers) for c in citations.parse(passages[n - 1])]
        return Answer(
            answer=reply,
            lang=lang,
            kind="generative",
            sources=[_source(h.chunk, knowledge.docs[h.chunk.doc_id], h.score) for h in hits],
            citations=citations.labels(cited, lang),
            confidence=round(confidence, 4),
            topic=doc.topic,
        )


def with_published(
    snapshot: Sequence[faq.FaqEntry], published: Sequence[faq.FaqEntry]
) -> list[faq.FaqEntry]:
    """The whole FAQ: the snapshot's entries that no published entry replaces, then those."""
    replaced = {e.doc_id for e in published}
    return [*(e for e in snapshot if e.doc_id not in replaced), *published]
