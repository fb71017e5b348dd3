"""A question as every stage of the answer engine reads it, computed once at the edge."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel

from assistant.core.numbers import as_digits
from assistant.core.schemas import Lang
from assistant.core.script import KAZAKH_ALPHABETS, Alphabet, Lexicon, kk_to_latin, to_cyrillic
from assistant.core.text import detect_lang, fold, normalize, second_lang, terms

Script = Literal["cyrillic", "latin", "mixed"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def question_sentence(text: str) -> str:
    """What a message asks: its sentences with a question mark, else its last one (a long
    message tells its context first and asks last)."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    if len(sentences) < 2:
        return text
    asked = [s for s in sentences if "?" in s]
    return " ".join(asked) if asked else sentences[-1]


class Query(BaseModel, frozen=True):
    """A question: as typed, in Cyrillic, folded, with its script, language and terms."""

    original: str
    # Normalised, Latin-script Kazakh and Russian words in Cyrillic (English words stay),
    # numbers written as words in digits.
    text: str
    # ``text`` lower-cased with Kazakh letters mapped to plain Cyrillic.
    folded: str
    # The sentence of ``text`` that asks (``question_sentence``), folded; ``folded`` when one.
    focus: str = ""
    script: Script
    # The Latin alphabet the question was typed in, when it was.
    alphabet: Alphabet | None = None
    # Detected from ``text``.
    lang: Lang
    # Folded, stemmed index terms of ``text`` (stopwords out).
    terms: tuple[str, ...]
    # The other language of a Kazakh-Russian code-switched question (``text.second_lang``).
    second_lang: Lang | None = None
    # Content words of the asking sentence, and those no text the service holds uses (a
    # store's lexicon tells; empty without one): what nothing in the FAQ or guidance speaks of.
    words: int = 0
    foreign: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        question: str,
        lexicon: Lexicon | None = None,
        default: Lang = "kk",
    ) -> Query:
        """The query of a question; ``default`` is its language when the words cannot tell."""
        converted = to_cyrillic(normalize(question), lexicon)
        text = normalize(converted.text)
        latin = converted.converted + converted.latin
        script: Script = "cyrillic" if not latin else "latin" if not converted.cyrillic else "mixed"
        detected = detect_lang(text, default=default)
        text = as_digits(text, detected)
        asking = question_sentence(text)
        # Words of the asking sentence only: a long message's context (an illness, a town) is
        # no subject the service lacks.
        coverage = lexicon.foreign(asking) if lexicon is not None else None
        return cls(
            original=question,
            text=text,
            folded=fold(text),
            focus=fold(asking),
            script=script,
            alphabet=converted.alphabet,
            lang=detected,
            terms=tuple(terms(text, detected, folded=True)),
            second_lang=second_lang(text, detected),
            words=coverage.words if coverage else 0,
            foreign=coverage.foreign if coverage else (),
        )

    def in_lang(self, lang: Lang) -> Query:
        """The question read as ``lang`` (its terms stemmed so): the other half of a
        code-switched one."""
        if lang == self.lang:
            return self
        stems = tuple(terms(self.text, lang, folded=True))
        return self.model_copy(update={"lang": lang, "terms": stems, "second_lang": self.lang})

    def with_text(self, text: str, lexicon: Lexicon | None = None) -> Query:
        """Another question (a resolved follow-up) asked the same way: same script and language."""
        other = Query.of(text, lexicon, default=self.lang)
        return other.model_copy(update={"script": self.script, "alphabet": self.alphabet})

    @property
    def latin_kazakh(self) -> bool:
        """Kazakh typed in a Latin alphabet: answered in the 2021 Latin alphabet."""
        return self.lang == "kk" and self.script == "latin" and self.alphabet in KAZAKH_ALPHABETS

    def in_asker_script(self, answer: str) -> str:
        """An answer text written the way the question was: Latin for Latin-script Kazakh."""
        return kk_to_latin(answer) if self.latin_kazakh else answer
