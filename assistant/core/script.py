"""Scripts of a question: Latin-script Kazakh (2021, 2018, 2017 and ASCII alphabets) and Russian
translit converted to Cyrillic; Cyrillic Kazakh written in the 2021 Latin alphabet.

The tables are data (``scripts.toml``). Which table a Latin word takes is decided per word by a
`Lexicon` (the words the service knows, per language): a word known in one language only is
that language's; the others follow the message's majority, so Russian words inside a Kazakh
message ("alqabi bolu ushin skolko let") convert as Russian. Words known only as English stay
as they are.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from assistant.core.schemas import Lang
from assistant.core.text import EN_STOPWORDS, KK_MARKERS, RU_MARKERS, fold, is_stopword, terms

Alphabet = Literal["kk2021", "kk2018", "kk2017", "kk_ascii", "ru_translit"]
KAZAKH_ALPHABETS: tuple[Alphabet, ...] = ("kk2021", "kk2018", "kk2017", "kk_ascii")

_DATA = tomllib.loads((Path(__file__).with_name("scripts.toml")).read_text(encoding="utf-8"))
_MARKERS = _DATA["markers"]
_APOSTROPHES = str.maketrans({c: "'" for c in "’ʼ`´‘"})
_LATIN_VOWELS = frozenset("aeiouyäöüūıáóúý")
# A word: letters and digits, with apostrophes inside or closing it ("sud'ya", "kak'").
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*'?")
_LATIN = re.compile(r"[a-zäğñöşūüıáǵńóúý]", re.IGNORECASE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_KAZAKH_LETTER = re.compile(r"[әғқңөұүһі]")
_LATIN_RUN = re.compile(r"[a-zäğñöşūüıáǵńóúý'4]+", re.IGNORECASE)
# A content word: three letters or more, no digits.
# Not the ending after a number in digits ("6-ншы", "68-де": ``numbers.as_digits``).
_CONTENT = re.compile(r"(?<!\w)(?<!\d-)[^\W\d_]{3,}")
# Words sharing this many first letters (one fewer in a five-letter word) read as one word in
# another form (a Kazakh verb's tense, a Russian case ending the stemmer does not strip).
_PREFIX = 5
_K2017 = re.compile("|".join(re.escape(m) for m in _MARKERS["kk2017"]) + r"(?=[^\W\d_]|\b|$)")


class Table:
    """One transliteration table: the longest key that fits at each position wins; a key marked
    ``^`` fits only at a word's start, ``$`` only at its end, ``+`` only after a vowel."""

    def __init__(self, mapping: dict[str, str]) -> None:
        self.plain: dict[str, str] = {}
        self.start: dict[str, str] = {}
        self.end: dict[str, str] = {}
        self.after_vowel: dict[str, str] = {}
        for key, value in mapping.items():
            if key.startswith("^"):
                self.start[key[1:]] = value
            elif key.endswith("$") and len(key) > 1:
                self.end[key[:-1]] = value
            elif key.startswith("+"):
                self.after_vowel[key[1:]] = value
            else:
                self.plain[key] = value
        self.longest = max(map(len, mapping))

    def convert(self, word: str) -> str:
        """A lower-case word converted; characters without a key stay (apostrophes go)."""
        out: list[str] = []
        i = 0
        while i < len(word):
            for size in range(min(self.longest, len(word) - i), 0, -1):
                part = word[i : i + size]
                if i == 0 and part in self.start:
                    found = self.start[part]
                elif i + size == len(word) and part in self.end:
                    found = self.end[part]
                elif i > 0 and word[i - 1] in _LATIN_VOWELS and part in self.after_vowel:
                    found = self.after_vowel[part]
                elif part in self.plain:
                    found = self.plain[part]
                else:
                    continue
                out.append(found)
                i += size
                break
            else:
                out.append("" if word[i] == "'" else word[i])
                i += 1
        return "".join(out)


TABLES: dict[Alphabet, Table] = {
    name: Table(_DATA[name]) for name in (*KAZAKH_ALPHABETS, "ru_translit")
}
_TO_2021 = str.maketrans(_DATA["kk_to_2021"])
_TO_TRANSLIT = str.maketrans(_DATA["ru_to_translit"])


def _loose(word: str) -> str:
    """What compares a word across spellings: folded, soft and hard signs dropped ("сколко"),
    "э" read as "е" ("eto")."""
    return fold(word).replace("ь", "").replace("ъ", "").replace("э", "е")


class Lexicon:
    """Words the service knows, per language: whole words (with the spelling they are usually
    written in, to restore Kazakh letters and signs a Latin spelling loses) and stems."""

    def __init__(self) -> None:
        self.surface: dict[Lang, dict[str, str]] = {"kk": {}, "ru": {}, "en": {}}
        self.stems: dict[Lang, set[str]] = {"kk": set(), "ru": set(), "en": set()}
        # The first ``_PREFIX`` and ``_PREFIX - 1`` letters of every known word (folded), any
        # language.
        self.prefixes: set[str] = set()

    @classmethod
    def of(cls, texts: Iterable[tuple[Lang, str]]) -> Lexicon:
        """A lexicon of texts, each with its language."""
        lexicon = cls()
        lexicon.add(texts)
        return lexicon

    def add(self, texts: Iterable[tuple[Lang, str]]) -> None:
        """Words of more texts; a spelling already known stays the usual one."""
        counts: dict[Lang, Counter[str]] = {"kk": Counter(), "ru": Counter(), "en": Counter()}
        for lang, text in texts:
            words = [w.lower() for w in _WORD.findall(text) if not w.isdigit()]
            latin = lang == "en"
            words = [w for w in words if (_CYRILLIC.search(w) is None) == latin]
            counts[lang].update(words)
            self.stems[lang].update(terms(" ".join(words), lang, folded=True))
        for lang, counter in counts.items():
            for word, _ in counter.most_common():
                self.surface[lang].setdefault(_loose(word) if lang != "en" else word, word)
                if len(word) >= _PREFIX - 1:
                    loose = _loose(word)
                    self.prefixes.update((loose[:_PREFIX], loose[: _PREFIX - 1]))

    def add_questions(self, texts: Iterable[tuple[Lang, str]]) -> None:
        """Words of questions as people ask them (FAQ paraphrases), after the reference texts:
        a word of another language in a code-switched question (``қанша`` in a Russian one,
        ``сколько`` in a Kazakh one) is left to that language, or a Latin-script word would
        split its vote between the two."""
        self.add((lang, " ".join(w for w in _WORD.findall(text) if not self._borrowed(w, lang)))
                 for lang, text in texts)  # fmt: skip

    def _borrowed(self, word: str, lang: Lang) -> bool:
        word = word.lower()
        if lang == "ru" and _KAZAKH_LETTER.search(word):
            return True
        others = [other for other in ("kk", "ru") if other != lang]
        return not self.knows(word, lang) and any(self.knows(word, o) for o in others)

    @classmethod
    def default(cls) -> Lexicon:
        """Function words only: enough to tell languages apart in short questions."""
        return cls.of([("kk", " ".join(KK_MARKERS)), ("ru", " ".join(RU_MARKERS)),
                       ("en", " ".join(EN_STOPWORDS))])  # fmt: skip

    def knows(self, word: str, lang: Lang) -> bool:
        if lang == "en":
            return word in self.surface["en"] or bool(
                (t := terms(word, "en")) and t[0] in self.stems["en"]
            )
        if _loose(word) in self.surface[lang]:
            return True
        stems = terms(word, lang, folded=True, stopwords=False)
        return bool(stems) and stems[0] in self.stems[lang]

    def foreign(self, text: str) -> Coverage:
        """The content words of a text (Cyrillic, or English) that no text of the lexicon uses in
        any language or form: "музыку", "кофе", "canyon" in a question about jurors."""
        words = [w for w in _CONTENT.findall(text.lower()) if not is_stopword(w)]
        unknown = [
            w
            for w in words
            if not any(self.knows(w, lang) for lang in ("kk", "ru", "en"))
            and not (len(w) >= _PREFIX and _loose(w)[: min(_PREFIX, len(w) - 1)] in self.prefixes)
        ]
        return Coverage(words=len(words), foreign=tuple(dict.fromkeys(unknown)))

    def spelled(self, word: str, lang: Lang) -> str:
        """The usual spelling of a converted word, or the word. A known spelling without Kazakh
        letters (the default lexicon's folded marker words) does not take away those the
        conversion gave."""
        known = self.surface[lang].get(_loose(word))
        if known is None or (fold(known) == known.lower() and fold(word) != word.lower()):
            return word
        return known


class Coverage(BaseModel, frozen=True):
    """How much of a text's wording a lexicon knows."""

    # Content words (stopwords out).
    words: int = 0
    # Those no text of the lexicon uses.
    foreign: tuple[str, ...] = ()


class Transliteration(BaseModel):
    """A text with its Latin-script words in Cyrillic."""

    text: str
    # The alphabet most converted words were in; None when no word was converted.
    alphabet: Alphabet | None = None
    converted: int = 0
    # Words left in Latin letters (English).
    latin: int = 0
    cyrillic: int = 0


def _kazakh_alphabet(lowered: str) -> Alphabet:
    if any(c in lowered for c in _MARKERS["kk2021"]):
        return "kk2021"
    if any(c in lowered for c in _MARKERS["kk2018"]):
        return "kk2018"
    if "ı" in lowered:
        # Without 2021 letters, "ı" beside "y" or "sh" is the 2018 alphabet's "и/й".
        return "kk2018" if re.search(r"y|sh|ch", lowered) else "kk2021"
    if _K2017.search(lowered):
        return "kk2017"
    return "kk_ascii"


def _cased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


# Kazakh back and front vowels of the 2021 alphabet ("u" and "i", у and и, are neither), and
# the consonants only back words (қ, ғ) or mostly front ones (к, г) have.
_BACK = frozenset("aoūy")
_FRONT = frozenset("äeöü")
_BACK_CONSONANTS = frozenset("qğ")
_FRONT_CONSONANTS = frozenset("kg")


def _harmonic(word: str) -> str:
    """A 2021-alphabet word with each "ı" spelled "y" where vowel harmony makes it "ы" (after
    a back vowel: "jasım", "otıradı"), kept ("і") after a front one; without such a vowel
    before it, the next one decides, else its consonants (қ, ғ back; к, г front), else the
    alphabet's own "і" ("bır"). People type "ı" for both letters."""
    out = list(word)
    for i, c in enumerate(word):
        if c != "ı":
            continue
        before = [v for v in word[:i] if v in _BACK or v in _FRONT]
        after = [v for v in word[i + 1 :] if v in _BACK or v in _FRONT]
        if before or after:
            back = (before[-1] if before else after[0]) in _BACK
        else:
            back = bool(_BACK_CONSONANTS & set(word)) and not _FRONT_CONSONANTS & set(word)
        out[i] = "y" if back else "ı"
    return "".join(out)


# Digraphs of the older Latin spellings that people keep typing in the 2021 alphabet ("qansha").
_DIGRAPHS_2021 = (("sh", "ş"), ("ch", "ç"), ("zh", "j"))


def _kazakh(word: str, kk: Alphabet, lexicon: Lexicon) -> str:
    """A Latin word read as Kazakh; in the 2021 alphabet, the reading the lexicon knows (for
    "ı": harmonic, all "ы", all "і"; "sh", "ch", "zh" as two letters or as ş, ç, j), else the
    first (harmonic, two letters)."""
    table = TABLES[kk]
    if kk != "kk2021":
        return table.convert(word)
    spellings = [word]
    digraphs = word
    for pair, letter in _DIGRAPHS_2021:
        digraphs = digraphs.replace(pair, letter)
    if digraphs != word:
        spellings.append(digraphs)
    readings = [
        table.convert(w)
        for spelling in spellings
        for w in dict.fromkeys((_harmonic(spelling), spelling.replace("ı", "y"), spelling))
    ]
    return next((r for r in readings if lexicon.knows(r, "kk")), readings[0])


# An "i" after a vowel, before a consonant or at the end: typed for "й" as often as for "и"
# ("taino", "kakoi").
_VOWEL_I = re.compile(r"(?<=[aeou])i(?=[^aeiouy]|$)")


def _russian(word: str, lexicon: Lexicon) -> str:
    """A Latin word read as Russian; an "i" after a vowel is "й" when the lexicon knows that
    reading only."""
    table = TABLES["ru_translit"]
    plain = table.convert(word)
    if _VOWEL_I.search(word) is None or lexicon.knows(plain, "ru"):
        return plain
    other = table.convert(_VOWEL_I.sub("j", word))
    return other if lexicon.knows(other, "ru") else plain


def _candidates(word: str, kk: Alphabet, lexicon: Lexicon) -> dict[Lang, str]:
    """What a lower-case Latin word reads as in each language the lexicon knows it in."""
    ru = _russian(word, lexicon)
    options: dict[Lang, str] = {"kk": _kazakh(word, kk, lexicon), "ru": ru, "en": word}
    if any(c in _MARKERS["kk2021"] + _MARKERS["kk2018"] + "ı" for c in word):
        return {"kk": options["kk"]}
    if any(c in _MARKERS["ru_digits"] for c in word):
        return {"ru": ru}
    return {lang: w for lang, w in options.items() if lexicon.knows(w, lang)}


def to_cyrillic(text: str, lexicon: Lexicon | None = None) -> Transliteration:
    """Latin-script Kazakh and Russian words of a text in Cyrillic (English words stay).

    Mixed-script words get their Latin letters converted in the message's language.
    """
    lexicon = lexicon or _default_lexicon()
    text = text.replace("İ", "I").translate(_APOSTROPHES)
    lowered = text.lower()
    kk_alphabet = _kazakh_alphabet(lowered)
    words = list(_WORD.finditer(text))
    cyrillic = sum(1 for m in words if _CYRILLIC.search(m.group(0)))
    latin_words = [m for m in words if _LATIN.search(m.group(0))]
    if not latin_words:
        return Transliteration(text=text, cyrillic=cyrillic)
    readings = [_candidates(m.group(0).lower(), kk_alphabet, lexicon) for m in latin_words]
    # A word read in one language only is its vote; a word several languages know ("do", "a")
    # splits one vote among them.
    votes: Counter[Lang] = Counter()
    for reading in readings:
        for lang in reading:
            votes[lang] += 1 / len(reading)
    if not votes:
        # Nothing known: the letters decide (q, w and Kazakh letters are Kazakh).
        kazakh = kk_alphabet != "kk_ascii" or "q" in lowered
        votes["kk" if kazakh else "ru"] += 1
    majority: Lang = max(votes, key=lambda lang: (votes[lang], lang == "ru"))
    pieces: list[str] = []
    last = 0
    used: Counter[Alphabet] = Counter()
    kept = 0
    for match, reading in zip(latin_words, readings, strict=True):
        word = match.group(0)
        if _CYRILLIC.search(word):
            lang: Lang = "kk" if majority == "kk" else "ru"
            table = TABLES[kk_alphabet if lang == "kk" else "ru_translit"]
            new = _LATIN_RUN.sub(lambda m, t=table: t.convert(m.group(0).lower()), word)
        else:
            if majority != "en" and set(reading) == {"en"} and word.lower() in EN_STOPWORDS:
                # An English function word in a Kazakh or Russian message is that message's
                # word ("on" = он, "is" = іс): no English sentence stands around it.
                reading = {}
            lang = majority if majority in reading or not reading else next(iter(reading))
            if lang == "en":
                kept += 1
                continue
            converted = reading.get(lang) or (
                _kazakh(word.lower(), kk_alphabet, lexicon)
                if lang == "kk"
                else _russian(word.lower(), lexicon)
            )
            new = _cased(lexicon.spelled(converted, lang), word)
        used[kk_alphabet if lang == "kk" else "ru_translit"] += 1
        pieces += (text[last : match.start()], new)
        last = match.end()
    pieces.append(text[last:])
    return Transliteration(
        text="".join(pieces),
        alphabet=used.most_common(1)[0][0] if used else None,
        converted=sum(used.values()),
        latin=kept,
        cyrillic=cyrillic,
    )


@lru_cache(maxsize=1)
def _default_lexicon() -> Lexicon:
    return Lexicon.default()


def kk_to_latin(text: str) -> str:
    """Cyrillic Kazakh in the 2021 official Latin alphabet (capitals kept; deterministic)."""
    return _romanize(text, _TO_2021)


def ru_to_translit(text: str) -> str:
    """Cyrillic Russian in common phone translit ("присяжный" -> "prisyazhnyy")."""
    return _romanize(text, _TO_TRANSLIT)


def _romanize(text: str, table: dict[int, str]) -> str:
    out = []
    for ch in text:
        lower = ch.lower()
        latin = lower.translate(table)
        if latin == lower:
            out.append(ch)
        elif ch != lower:
            # Capital "и"/"й" is a dotted İ: a plain I is the capital of ı ("і").
            head = "İ" if lower in "ий" and table is _TO_2021 else latin[:1].upper()
            out.append(head + latin[1:] if latin else "")
        else:
            out.append(latin)
    return "".join(out)
