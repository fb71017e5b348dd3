"""Numbers written as words, in digits ("шестьдесят семь" -> 67, "алпыс сегізде" -> 68-де,
"twenty five" -> 25): voice input spells every number, and the FAQ and the question cues read
digits.

Russian and English through ``number_parser`` (made for this, with Russian case forms:
"двадцати пяти" -> 25); it has no Kazakh, so Kazakh numbers are composed from the words in
``data/numbers.json``. A lone "one" (один, бір, one) stays a word: it is an article or a
pronoun more often than a count ("один из присяжных", "бір кісі")."""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

from number_parser import parse
from number_parser.parser import LanguageData

from assistant.core.schemas import Lang

_DATA = json.loads(Path(__file__).with_name("data").joinpath("numbers.json").read_text("utf-8"))
_KK = _DATA["kk"]
_NOT_NUMBERS: dict[str, set[str]] = {k: set(v) for k, v in _DATA["not_numbers"].items()}
_KK_VALUES: dict[str, int] = _KK["values"]
_KK_MULTIPLIERS: dict[str, int] = _KK["multipliers"]
_KK_ENDINGS = sorted(_KK["endings"], key=len, reverse=True)
_WORD = re.compile(r"[^\W\d_]+")
_ONE = {"один", "одна", "одно", "одного", "одной", "одному", "одним", "одном", "бір", "бир", "one"}


@lru_cache(maxsize=4096)
def _kk_word(word: str) -> tuple[int, bool, str] | None:
    """A Kazakh number word: its value, whether it multiplies, and the ending it carries."""
    for stem in (word, *(word[: -len(e)] for e in _KK_ENDINGS if word.endswith(e))):
        if stem in _KK_VALUES:
            return _KK_VALUES[stem], False, word[len(stem) :]
        if stem in _KK_MULTIPLIERS:
            return _KK_MULTIPLIERS[stem], True, word[len(stem) :]
    return None


@cache
def _vocabulary(lang: Lang) -> frozenset[str]:
    """The number words ``number_parser`` composes in ``lang`` (no ordinals: "second")."""
    return frozenset(LanguageData(lang).all_numbers)


def _is_number_word(word: str, lang: Lang) -> bool:
    if word in _NOT_NUMBERS.get(lang, ()):
        return False
    if lang == "kk":
        return _kk_word(word) is not None
    return word.replace("ё", "е") in _vocabulary(lang)


def _kk_value(words: list[str]) -> tuple[int, str]:
    """The value of a run of Kazakh number words, and the last word's ending."""
    total = current = 0
    ending = ""
    for word in words:
        value, multiplies, ending = _kk_word(word) or (0, False, "")
        if multiplies:
            total += (current or 1) * value
            current = 0
        else:
            current += value
    return total + current, ending


def as_digits(text: str, lang: Lang) -> str:
    """``text`` with its runs of number words (in ``lang``) in digits."""
    if lang not in ("kk", "ru", "en"):
        return text
    out: list[str] = []
    last = 0
    run: list[re.Match[str]] = []

    def flush() -> None:
        nonlocal last
        words = [m.group(0).lower() for m in run]
        if not words or (len(words) == 1 and words[0] in _ONE):
            return
        if lang == "kk":
            value, ending = _kk_value(words)
            if value == 1:  # "бірге" (together), "біреу" (someone)
                return
            number = f"{value}-{ending}" if ending else str(value)
        else:
            number = parse(" ".join(words), language=lang)
            if not number.isdigit():
                return
        out.append(text[last : run[0].start()] + number)
        last = run[-1].end()

    for match in _WORD.finditer(text):
        number = _is_number_word(match.group(0).lower(), lang)
        # Only spaces between the words of one number; an ending closes a Kazakh one.
        joined = not run or text[run[-1].end() : match.start()].isspace()
        closed = lang == "kk" and run and (_kk_word(run[-1].group(0).lower()) or (0, 0, ""))[2]
        if number and joined and not closed:
            run.append(match)
            continue
        flush()
        run = [match] if number else []
    flush()
    out.append(text[last:])
    return "".join(out)
