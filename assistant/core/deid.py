"""De-identification of free text about a case, in Kazakh and Russian.

Person names in every form a user or a court writes them (full name, surname with initials,
declined forms, Kazakh patronymics in -ұлы/-қызы, Russian ones in -ович/-овна, spellings without
Kazakh letters or in Latin letters) become the placeholders Kazakhstan's courts use in published
acts, Ф.И.О.1, Ф.И.О.2 ..., one number per person within a text. Words that state gender,
ethnicity or nationality, or religion become a placeholder of their kind. Roles, relationships,
places, streets, legal terms and ages stay.

Russian names are recognised by pymorphy3's dictionary (Name/Surn/Patr tags, every case form),
Kazakh ones by the name lists in ``data/deid_kk_names.json`` (suffixes stripped, spellings
folded) and by surname and patronymic endings. A single word is masked when it is capitalised
and clearly a name; a run of name-like words (a first name after a surname, initials) is masked
as one person; a capitalised word no list knows joins a name, initials or a court's placeholder
it stands beside, and the other case forms of a name masked once are masked too. Words next to
a street or place marker ("ул. Жеңіс", "Абай ауданы") are places.

Imports nothing else of ours: the indexer and every front end share it.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pymorphy3

DATA = Path(__file__).with_name("data")
PERSON = "Ф.И.О."
KINDS = ("name", "gender", "ethnicity", "religion")

_UP = "А-ЯЁӘҒҚҢӨҰҮҺІA-Z"
_LETTER = r"[^\W\d_]"
# Placeholders already in the text (ours or a court's) are kept as they are.
_PLACEHOLDER = r"Ф\.\s?И\.\s?О\.\s?\d*|\[[^\[\]\n]{1,30}\]"
_INITIALS = rf"(?<![\w.])[{_UP}]\.(?:\s?[{_UP}]\.)?(?!\w)"
_WORD = rf"{_LETTER}+(?:['’`\-]{_LETTER}+)*"
_TOKEN = re.compile(rf"(?P<ph>{_PLACEHOLDER})|(?P<ini>{_INITIALS})|(?P<word>{_WORD})")
_PLACEHOLDER_NO = re.compile(r"Ф\.\s?И\.\s?О\.\s?(\d+)")

_FOLD = str.maketrans("әғқңөұүһіёi", "агкноууxиеи")
# Latin letters that pass for Cyrillic ones inside a Cyrillic word.
_LOOKALIKE = str.maketrans("aceopxyik", "асеорхуик")
_LATIN_DIGRAPHS = (("shch", "щ"), ("sh", "ш"), ("ch", "ч"), ("zh", "ж"), ("kh", "х"),
                   ("ts", "ц"), ("yu", "ю"), ("ya", "я"), ("yo", "е"), ("gh", "г"))  # fmt: skip
_LATIN = str.maketrans(
    dict(zip("abvgdeziyklmnoprstufhqjcw", "абвгдезиыклмнопрстуфхкжсу", strict=True))
    | dict(zip("äğıñöūüşç", "агынооушч", strict=True))
    | {"x": "кс"}
)
_CYRILLIC = re.compile("[а-яёәғқңөұүһі]", re.IGNORECASE)

# Kazakh endings after a stem, folded: plural, possessive, then case (and -дағы "the one in").
_KK_ENDING = re.compile(
    r"(?:лар|лер|дар|дер|тар|тер)?(?:ы|и|сы|си)?"
    r"(?:нын|нин|дын|дин|тын|тин|га|ге|ка|ке|на|не|ны|ни|ды|ди|ты|ти|н|да|де|та|те|нда|нде"
    r"|дан|ден|тан|тен|нан|нен|мен|бен|пен|дагы|деги|тагы|теги|ндагы|ндеги)?"
)
# Surnames and patronymics by their ending (folded, after a Kazakh ending is stripped).
_SURNAME = re.compile(r"\w{3,}(?P<core>ов|ев|ин|ын)(?:а|у|ым|ом|ой|е|ы|ых)?")
_PATRONYMIC = re.compile(r"\w{3,}(?:(?:ович|евич)(?:а|у|ем|е)?|(?:овн|евн|ичн)(?:а|ы|е|у|ой))")
_KK_PATRONYMIC = re.compile(r"\w{3,}(?:улы|кызы)")
_NAME_TAGS = frozenset({"Name", "Surn", "Patr"})
_RU_ENDING = re.compile(r"(?:ого|ому|ой|ым|ом|ем|ых|а|я|у|ю|е|ы|и)$")
# A Kazakh patronymic written apart from the father's name: "Нұрлан қызы Айжан" (folded).
_KK_CHILD_OF = frozenset({"улы", "кызы"})
_KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)


def _is_person_ph(token: Token) -> bool:
    return token.kind == "ph" and token.text.startswith("Ф")


@dataclass(frozen=True)
class Deidentified:
    """The text with placeholders, and how many spans of each kind were masked."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def masked(self) -> int:
        """Spans masked in all."""
        return sum(self.counts.values())


def fold(word: str) -> str:
    """Lower case, Kazakh letters folded to their plain Cyrillic neighbours, Latin look-alikes
    inside a Cyrillic word made Cyrillic, a Latin-only word transliterated."""
    word = word.lower().replace("’", "").replace("'", "").replace("`", "")
    if _CYRILLIC.search(word):
        return word.translate(_LOOKALIKE).translate(_FOLD)
    for latin, cyrillic in _LATIN_DIGRAPHS:
        word = word.replace(latin, cyrillic)
    return word.translate(_LATIN).translate(_FOLD)


_WIFE = fold("әйел")


@lru_cache(maxsize=200_000)
def kk_stems(folded: str) -> tuple[str, ...]:
    """The word and each stem a Kazakh ending could have been added to, longest first (with the
    consonant softened before a vowel put back: казагы → казак)."""
    head, hyphen, tail = folded.partition("-")
    if hyphen and _KK_ENDING.fullmatch(tail):  # Ахметов-ке
        folded = head
    stems = [folded]
    for cut in range(len(folded) - 1, 1, -1):
        if _KK_ENDING.fullmatch(folded[cut:]):
            stem = folded[:cut]
            stems.append(stem)
            if stem[-1] in "гб":
                stems.append(stem[:-1] + {"г": "к", "б": "п"}[stem[-1]])
    return tuple(stems)


def _folded_set(words: list[str]) -> frozenset[str]:
    return frozenset(fold(w) for w in words)


@dataclass(frozen=True)
class Lexicon:
    """The data files, folded once."""

    kk_names: frozenset[str]
    ambiguous: frozenset[str]
    never: frozenset[str]
    ru: dict[str, frozenset[str]]
    kk: dict[str, frozenset[str]]
    places_before: frozenset[str]
    places_after: tuple[str, ...]
    conjunctions: frozenset[str]
    placeholders: dict[str, str]
    given_endings: tuple[str, ...]

    @classmethod
    def load(cls, directory: Path = DATA) -> Lexicon:
        names = json.loads((directory / "deid_kk_names.json").read_text("utf-8"))
        words = json.loads((directory / "deid_words.json").read_text("utf-8"))
        ru = {k: frozenset(v) for k, v in words["ru"].items()}
        kk = {k: _folded_set(v) for k, v in words["kk"].items()}
        return cls(
            kk_names=_folded_set(names["given"] + names["surname_stems"]),
            ambiguous=_folded_set(names["ambiguous"]),
            never=_folded_set(names["never"]),
            ru=ru,
            kk=kk,
            places_before=_folded_set(words["places"]["before"]),
            places_after=tuple(_folded_set(words["places"]["after"])),
            conjunctions=_folded_set(words["places"]["conjunctions"]),
            placeholders=words["placeholders"],
            given_endings=tuple(_folded_set(names["given_endings"])),
        )


_morph_lock = threading.Lock()


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer(lang="ru")


@cache
def lexicon() -> Lexicon:
    """The lexicon of the package's data files (loaded once)."""
    return Lexicon.load()


@dataclass(frozen=True)
class Reading:
    """What pymorphy3 makes of one folded word."""

    known: bool
    top_name: bool  # the most likely parse is a name, surname or patronymic
    any_name: bool
    place: bool  # the most likely parse is a place name
    surname: bool  # a dictionary surname (Мусин), not a word that only ends like one
    lemma: str  # of a name parse if there is one, else of the most likely parse
    name_lemma: str | None


_NO_READING = Reading(False, False, False, False, False, "", None)
_RU_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)*")


@lru_cache(maxsize=200_000)
def read(folded: str) -> Reading:
    """pymorphy3's reading of a folded word (cached: the same words recur in every act); words
    not in Cyrillic letters have none (pymorphy3 fails on some scripts)."""
    if not _RU_WORD.fullmatch(folded):
        return _NO_READING
    with _morph_lock:  # the analyzer is not documented as thread-safe
        morph = _morph()
        parses = morph.parse(folded)
        known = morph.word_is_known(folded)
    top = parses[0]
    # Tags of a word outside the dictionary are guesses from its ending, and a Kazakh word
    # gets Russian guesses: only dictionary words count as names or places.
    name_parse = next((p for p in parses if _NAME_TAGS & p.tag.grammemes), None) if known else None
    return Reading(
        known=known,
        top_name=known and bool(_NAME_TAGS & top.tag.grammemes),
        any_name=name_parse is not None,
        place=known and "Geox" in top.tag.grammemes,
        surname=known and any("Surn" in p.tag.grammemes for p in parses),
        lemma=top.normal_form.replace("ё", "е"),
        name_lemma=name_parse.normal_form.replace("ё", "е") if name_parse else None,
    )


@dataclass
class Token:
    start: int
    end: int
    text: str
    kind: str  # "ph", "ini" or "word"

    @property
    def folded(self) -> str:
        return fold(self.text)

    @property
    def capital(self) -> bool:
        return self.text[:1].isupper()


@dataclass
class NameGuess:
    """Whether a word looks like part of a person's name, how surely, and who it names."""

    namey: bool = False
    sure: bool = False  # a name wherever it stands, if capitalised or next to another name
    surname: bool = False  # by its ending: -ов, -ева, -ұлы, -овна ...
    key: str = ""


def _surname_key(stem: str) -> str:
    """Masculine form of a surname stem (Ахметова, Ахметовой → ахметов) to tell people apart."""
    match = _SURNAME.fullmatch(stem)
    return stem[: match.end("core")] if match else stem


def guess_name(token: Token, lex: Lexicon, sentence_start: bool = False) -> NameGuess:
    """How much ``token`` looks like (part of) a person's name; a word that starts a sentence
    and is also a common word (Талап, Азамат) is a name only next to another name."""
    folded = token.folded
    stems = kk_stems(folded)
    if len(folded) < 2 or not lex.never.isdisjoint(stems):
        return NameGuess()
    reading = read(folded)
    if (sentence_start or not token.capital) and not lex.ambiguous.isdisjoint(stems):
        return NameGuess(namey=True, key=stems[-1])
    if not token.capital:
        # Lower case: a Kazakh name only as listed, never a common word plus an ending (болатын).
        stems = tuple(s for s in stems if s == folded or s not in lex.kk_names)
    if not _CYRILLIC.search(token.text):
        # A Latin word: by the lists and endings only (pymorphy3 would read "Lada" as Лада).
        reading = _NO_READING
    # A name from the Kazakh lists, or a surname or patronymic by its ending, in any case form;
    # the surest reading of the word's stems wins (Ахметовтың: ахметов, not ахметовтың).
    best: tuple[int, str] | None = None
    if token.capital:
        # A Kazakh name with a Russian case ending: "Ержану", "с Айгерим" (Айгеримой).
        stems += (_RU_ENDING.sub("", folded),)
    for stem in stems:
        if stem in lex.kk_names:
            sureness = 3
        elif (
            token.capital
            and len(stem) >= 6
            and stem.endswith(lex.given_endings)
            and not read(stem).known
        ):
            sureness = 2  # a Kazakh given name by its ending: Куанышбек, Мейрамбек, Ерболат
        elif _PATRONYMIC.fullmatch(stem) or _KK_PATRONYMIC.fullmatch(stem):
            sureness = 2
        elif stem != folded and len(stem) >= 4 and read(stem).top_name:
            sureness = 2  # a Russian name with a Kazakh ending: Марияның, Алексейге
        elif surname := _SURNAME.fullmatch(stem):
            # -ин/-ын also end many Kazakh words (кейін): a surname only with other evidence.
            weak = surname.group("core") in ("ин", "ын") and not reading.surname
            sureness = 1 if weak else 2
        else:
            continue
        if best is None or sureness > best[0]:
            best = (sureness, stem)
    # A word with Kazakh letters is no Russian dictionary word, whatever its folded form reads
    # as (Степановқа folds to a village's name).
    russian = reading.known and not _KAZAKH_LETTERS.search(token.text)
    if best is not None and not (best[0] < 3 and russian and not reading.any_name):
        # (a dictionary word that only ends like a surname is not one: "Один", "Итогов")
        sureness, stem = best
        return NameGuess(
            namey=True,
            sure=not (reading.place and russian) and sureness >= 2,
            surname=sureness == 2,
            key=_surname_key(stem),
        )
    if reading.any_name:
        key = _surname_key(reading.name_lemma or reading.lemma)
        return NameGuess(namey=True, sure=reading.top_name and not reading.place, key=key)
    return NameGuess()


def _end_before(text: str, pos: int, skip: str | None = None) -> int:
    """Where ``text[:pos].rstrip(skip)`` would end, without copying the text before ``pos``
    (asked for every token of acts tens of thousands of characters long)."""
    while pos > 0 and (text[pos - 1] in skip if skip is not None else text[pos - 1].isspace()):
        pos -= 1
    return pos


def _word_after(tokens: list[Token], i: int) -> str:
    return tokens[i + 1].folded if i + 1 < len(tokens) and tokens[i + 1].kind == "word" else ""


def _joined(text: str, left: Token, right: Token) -> bool:
    """True when only spaces (or one line break) separate two tokens."""
    gap = text[left.end : right.start]
    return gap.strip(" \t") in ("", "\n") and len(gap) <= 3


def _is_place_marker_before(text: str, tokens: list[Token], i: int, lex: Lexicon) -> bool:
    """A street or place marker right before token ``i`` ("ул. ", "г.", "им.", "улиц")."""
    if i <= 0 or tokens[i - 1].kind != "word":
        return False
    prev = tokens[i - 1]
    gap = text[prev.end : tokens[i].start]
    if len(prev.text) == 1 and "." not in gap:
        return False  # "с. Абай" is a village, "с Ахметовым" a preposition
    if prev.folded in ("г", "гг"):
        end = _end_before(text, prev.start)
        after_placeholder = i >= 2 and tokens[i - 2].kind == "ph" and tokens[i - 2].end == end
        if text[end - 1 : end].isdigit() and not after_placeholder:
            return False  # "в мае 2018 г. Андрощук": a year, not a town (but "Ф.И.О.1 г. Ахметов")
    return gap.strip(" .\t") == "" and prev.folded in lex.places_before


def _is_place_word(tokens: list[Token], i: int, lex: Lexicon) -> bool:
    """A word that makes the word before it a place: "көшесі", "ауданы", "улица", "ул"
    (markers of three letters or fewer only as whole words: "пр" is not "проник")."""
    if not (0 <= i < len(tokens) and tokens[i].kind == "word"):
        return False
    word = tokens[i].folded
    # A short marker is an abbreviation, written without Kazakh letters ("ұл" is a son).
    abbreviation = not _KAZAKH_LETTERS.search(tokens[i].text)
    return any(
        (abbreviation and word == marker) if len(marker) <= 3 else word.startswith(marker)
        for marker in lex.places_after
    )


def _is_conjunction(tokens: list[Token], i: int, lex: Lexicon) -> bool:
    return 0 <= i < len(tokens) and tokens[i].folded in lex.conjunctions


def place_bounds(text: str, tokens: list[Token], i: int, j: int, lex: Lexicon) -> tuple[int, int]:
    """Tokens ``i``..``j`` without the place they start or end with: the word after a marker
    ("ул. Жеңіс", "им. Абая") or before one ("Жеңіс көшесі", "Абай ауданы"); a single word
    joined by a conjunction to a place is one too (улиц Абая и Сейфуллина, Абай және
    Сейфуллин көшелері). An empty range (i > j) when nothing else is left."""
    if tokens[i].kind == "word" and _is_place_marker_before(text, tokens, i, lex):
        i += 1
    if tokens[j].kind == "word" and _is_place_word(tokens, j + 1, lex):
        j -= 1
    if i == j and (
        (_is_conjunction(tokens, j + 1, lex) and _is_place_word(tokens, j + 3, lex))
        or (
            _is_conjunction(tokens, i - 1, lex)
            and _is_place_marker_before(text, tokens, i - 2, lex)
        )
    ):
        return i, i - 1
    return i, j


def quoted(text: str) -> list[tuple[int, int]]:
    """Spans inside «...» or “...” (organisations, brands: ТОО «Арман Плаза», «Lada Granta»)."""
    spans, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        if ch in "«“„":
            if depth == 0:
                start = k
            depth += 1
        elif ch in "»”" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, k))
    return spans


class _Masker:
    """One pass over one text."""

    def __init__(self, text: str, lex: Lexicon) -> None:
        self.text = text
        self.lex = lex
        self.tokens = [
            Token(m.start(), m.end(), m.group(), m.lastgroup or "word")
            for m in _TOKEN.finditer(text)
        ]
        used = [int(n) for n in _PLACEHOLDER_NO.findall(text)]
        self.next_no = max(used, default=0) + 1
        self.people: list[tuple[set[str], int]] = []
        self.counts: Counter[str] = Counter()
        self.edits: list[tuple[int, int, str]] = []

    def sentence_start(self, i: int) -> bool:
        """True for the first word of the text, of a line or of a sentence."""
        end = _end_before(self.text, self.tokens[i].start, ' \t«"(')
        if end == 0 or self.text[end - 1] in ".!?:\n":
            return True
        # A person's placeholder may stand for a name that ended a sentence with initials
        # ("Ахметов И.И. Суд"): the word after it is read the same on a second pass.
        prev = self.tokens[i - 1] if i else None
        return prev is not None and _is_person_ph(prev) and prev.end == end

    def person_no(self, keys: set[str]) -> int:
        """The number of the person these name keys belong to (a new one if none matches)."""
        for known, no in self.people:
            if keys <= known or known <= keys:
                known |= keys
                return no
        no = self.next_no
        self.next_no += 1
        self.people.append((set(keys), no))
        return no

    def names(self) -> set[int]:
        """Mask runs of name-like tokens; the indices of tokens masked."""
        tokens, lex = self.tokens, self.lex
        quotes = quoted(self.text)
        guesses = []
        for k, t in enumerate(tokens):
            guess = guess_name(t, lex, self.sentence_start(k)) if t.kind == "word" else NameGuess()
            if not guess.surname and any(a < t.start < b for a, b in quotes):
                guess = NameGuess()  # a quoted name is an organisation's or a brand's
            guesses.append(guess)
        # A capitalised word right before or after initials is a surname, whatever else it
        # could be (Молохов С.А., Ким А.Б., И.И. Шевчук).
        for k, t in enumerate(tokens):
            if t.kind != "ini":
                continue
            for n in (k - 1, k + 1):
                near = tokens[n] if 0 <= n < len(tokens) else None
                if (
                    near
                    and near.kind == "word"
                    and near.capital
                    and not guesses[n].namey
                    and _joined(self.text, *sorted((t, near), key=lambda x: x.start))
                ):
                    guesses[n] = NameGuess(namey=True, sure=True, key=near.folded)
        loose = [self.loose(k, guesses[k]) for k in range(len(tokens))]
        # Every other form of a name masked once is that person too (Червоноокой, masked next to
        # a name, then Червоноокая alone); until no run grows.
        runs = self.runs(guesses, loose)
        while self.other_forms(runs, guesses):
            runs = self.runs(guesses, loose)
        done: set[int] = set()
        for i, j in runs:
            words = [k for k in range(i, j + 1) if tokens[k].kind == "word"]
            keys = {guesses[k].key for k in words}
            given = [t for t in tokens[i : j + 1] if t.kind == "ph" and t.text.startswith("Ф")]
            numbered = [n for t in given for n in _PLACEHOLDER_NO.findall(t.text)]
            if numbered:  # a court's placeholder with a surname beside it: "Червоноокой Ф.И.О.3"
                no = int(numbered[0])
                self.people.append((set(keys), no))
            else:
                no = self.person_no(keys)
            self.edits.append((tokens[i].start, tokens[j].end, f"{PERSON}{no}"))
            self.counts["name"] += 1
            done.update(range(i, j + 1))
        return done

    def loose(self, k: int, guess: NameGuess) -> bool:
        """A capitalised word no list or dictionary calls a name, which is one when it stands
        next to a name, initials or a placeholder (a surname of another people, "Сагинтаеву
        Ержану", "Ivanov Sergei", "по иску Червоноокой Ф.И.О.3"); never at a sentence start, in
        capitals only when it is no dictionary word, never a place."""
        token = self.tokens[k]
        if token.kind != "word" or guess.namey or not token.capital or len(token.text) < 3:
            return False
        folded = token.folded
        if not self.lex.never.isdisjoint(kk_stems(folded)):
            return False
        reading = read(folded)
        if reading.place or _is_place_marker_before(self.text, self.tokens, k, self.lex):
            return False
        if _is_place_word(self.tokens, k + 1, self.lex):
            return False
        if self.sentence_start(k):
            return False  # a role or a common word opening a sentence: "Водительница Ф.И.О.1"
        return not (token.text.isupper() and reading.known)

    def runs(self, guesses: list[NameGuess], loose: list[bool]) -> list[tuple[int, int]]:
        """The (first, last) tokens of each run of name-like tokens that names a person."""
        tokens, lex = self.tokens, self.lex

        def anchor(k: int) -> bool:
            return guesses[k].namey or tokens[k].kind == "ini" or _is_person_ph(tokens[k])

        found = []
        i = 0
        while i < len(tokens):
            if not (anchor(i) or loose[i]):
                i += 1
                continue
            j = i
            # A run is capitalised words and initials, or (a name typed in lower case) only
            # lower-case words: "ағасы Ерланға" is a relationship and a name.
            capital = tokens[i].capital or tokens[i].kind == "ph"
            while j + 1 < len(tokens) and _joined(self.text, tokens[j], tokens[j + 1]):
                nxt = tokens[j + 1]
                if (
                    capital
                    and nxt.folded in _KK_CHILD_OF
                    and j + 2 < len(tokens)
                    and guesses[j].namey
                    and guesses[j + 2].namey
                    and tokens[j + 2].capital
                    and _joined(self.text, nxt, tokens[j + 2])
                ):
                    j += 2  # "Нұрлан қызы Айжан": a patronymic written apart
                    continue
                if not (anchor(j + 1) or (capital and loose[j + 1])):
                    break
                if (nxt.capital or nxt.kind == "ph") != capital:
                    break
                if tokens[j].kind in ("ini", "ph") and nxt.kind in ("ini", "ph"):
                    break
                j += 1
            end = j
            i, j = place_bounds(self.text, tokens, i, j, lex)
            run = range(i, j + 1)
            words = [k for k in run if tokens[k].kind == "word"]
            sure = [guesses[k].sure for k in words]
            marked = any(tokens[k].kind in ("ini", "ph") for k in run)
            # Lower case: "ахметов серик", never two common words that happen to be names too.
            named = (
                any(sure) or marked
                if capital
                else len(words) >= 2 and all(sure) and any(guesses[k].surname for k in words)
            )
            if words and named:
                found.append((i, j))
            i = end + 1
        return found

    def other_forms(self, runs: list[tuple[int, int]], guesses: list[NameGuess]) -> bool:
        """Mark as names the other case forms of the capitalised words of ``runs`` (the stem and
        up to four letters of ending); True when a word was newly marked."""
        tokens = self.tokens
        stems: dict[str, str] = {}
        for i, j in runs:
            for k in range(i, j + 1):
                if tokens[k].kind == "word" and tokens[k].capital:
                    folded = tokens[k].folded
                    stem = _RU_ENDING.sub("", folded) if len(folded) > 4 else folded
                    if len(stem) >= 3:
                        stems[stem] = guesses[k].key
        inside = {k for i, j in runs for k in range(i, j + 1)}
        grown = False
        for k, token in enumerate(tokens):
            if k in inside or token.kind != "word" or not token.capital or guesses[k].sure:
                continue
            folded = token.folded
            reading = read(folded)
            if reading.place or (reading.known and not reading.any_name):
                continue
            for stem, key in stems.items():
                if folded.startswith(stem) and len(folded) - len(stem) <= 4:
                    guesses[k] = NameGuess(namey=True, sure=True, surname=True, key=key)
                    grown = True
                    break
        return grown

    def ru_kind(self, token: Token, i: int) -> str | None:
        reading = read(token.folded)
        lemma = reading.lemma
        words = self.lex.ru
        for kind in ("gender", "ethnicity", "religion"):
            if lemma in words[kind]:
                if (
                    kind == "ethnicity"
                    and read(_word_after(self.tokens, i)).lemma in words["not_before"]
                ):
                    return None
                return kind
        return None

    def kk_kind(self, token: Token, i: int) -> str | None:
        words = self.lex.kk
        stems = kk_stems(token.folded)
        after = _word_after(self.tokens, i)
        for kind in ("gender", "ethnicity", "religion"):
            for stem in stems:
                if stem not in words[kind]:
                    continue
                rest = token.folded[len(stem) :]
                if stem == _WIFE and rest[:1] in ("и", "ы"):
                    return None  # әйелі, әйеліне: "his wife", a relationship
                if kind == "ethnicity" and (
                    any(after.startswith(w) for w in words["not_before"]) or rest.startswith("ш")
                ):
                    return None  # қазақ тілі, орысша: a language
                return kind
        return None

    def words(self, skip: set[int]) -> None:
        """Mask gender, ethnicity and religion words."""
        tokens, lex = self.tokens, self.lex
        kk = lex.kk
        for i, token in enumerate(tokens):
            if i in skip or token.kind != "word":
                continue
            folded = token.folded
            after = _word_after(tokens, i)
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if folded in kk["gender_child"]:
                # "қыз бала", "ұл бала": the child stays, the sex goes (every such word before it).
                j = i + 1
                while j < len(tokens) and tokens[j].folded in kk["gender_child"]:
                    j += 1
                child = tokens[j] if j < len(tokens) else None
                if (
                    child
                    and child.kind == "word"
                    and child.folded.startswith("бала")
                    and "." not in self.text[token.end : child.start]  # "ул." is a street
                ):
                    self.edits.append((token.start, child.start, ""))
                    skip.update(range(i + 1, j))
                    self.counts["gender"] += 1
                    continue
            if (
                folded in kk["gender_bigram"]
                and nxt
                and any(after.startswith(w) for w in kk["gender_bigram_next"])
            ):
                # "ер адам", "әйел кісіге": the pair states the sex, so the pair goes.
                self.edits.append((token.start, nxt.end, lex.placeholders["gender"]))
                skip.add(i + 1)
                self.counts["gender"] += 1
                continue
            if read(folded).lemma in lex.ru["gender_child"]:
                self.edits.append((token.start, token.end, _child(token.text)))
                self.counts["gender"] += 1
                continue
            kind = self.ru_kind(token, i) or self.kk_kind(token, i)
            if kind:
                self.edits.append((token.start, token.end, lex.placeholders[kind]))
                self.counts[kind] += 1

    def run(self) -> Deidentified:
        self.words(self.names())
        out, pos = [], 0
        for start, end, replacement in sorted(self.edits):
            out.append(self.text[pos:start])
            out.append(replacement)
            pos = end
        out.append(self.text[pos:])
        return Deidentified("".join(out), {k: self.counts[k] for k in KINDS if self.counts[k]})


@lru_cache(maxsize=1 << 16)
def sexless_agreement(word: str) -> str | None:
    """A lower-case Russian singular adjective or participle of any gender in its masculine
    nominative, so that agreement does not tell the sex (лишенным, лишенной → лишенный;
    пожилую, пожилого → пожилой); the case goes with it. None for any other word."""
    with _morph_lock:
        parse = _morph().parse(word)[0]
        tag = parse.tag
        if tag.POS not in ("ADJF", "PRTF") or tag.number != "sing":
            return None
        if tag.gender not in ("masc", "femn", "neut"):
            return None
        form = parse.inflect({"masc", "sing", "nomn"})
    return form.word.replace("ё", "е") if form else None


def _child(word: str) -> str:
    """ "ребенок" in the case and number of ``word`` (девочке → ребенку)."""
    with _morph_lock:
        parse = _morph().parse(fold(word))[0]
        child = _morph().parse("ребенок")[0]
        wanted = {g for g in (parse.tag.case, parse.tag.number) if g}
        form = child.inflect(wanted) if wanted else None
    found = form.word if form else "ребенок"
    return found.capitalize() if word[:1].isupper() else found


def deidentify(text: str, lang: str | None = None) -> Deidentified:
    """``text`` with person names as Ф.И.О.1, Ф.И.О.2 ... (one number per person) and words of
    gender, ethnicity and religion as placeholders; counts per kind. Idempotent.

    ``lang`` ("kk", "ru", "en" or None) is accepted as a hint only: both languages' rules always
    run, because a description typed in one language often quotes names and words of the other.
    """
    if lang not in (None, "kk", "ru", "en"):
        raise ValueError(f"unknown language {lang!r}; expected kk, ru, en or None")
    if not text:
        return Deidentified(text, {})
    return _Masker(text, lexicon()).run()
