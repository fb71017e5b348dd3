"""Kazakh/Russian text normalisation, folding, language detection and lexical terms."""

from __future__ import annotations

import re
import threading
import unicodedata
from enum import StrEnum
from functools import lru_cache

import snowballstemmer

from assistant.core.schemas import Lang

# --- normalisation -------------------------------------------------------------------------------

_LAT = "A-Za-z\u0259\u018f\u0275\u019f"  # ASCII letters plus Latin schwa and barred o
_CYR = "\u0400-\u04ff"
# Latin letters that pass for Cyrillic ones in scanned and hand-typed official texts.
_LAT_TO_CYR = {
    "a": "а", "c": "с", "e": "е", "h": "һ", "i": "і", "k": "к", "o": "о", "p": "р", "x": "х",
    "y": "у", "\u0259": "ә", "\u0275": "ө",
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "I": "І", "K": "К", "M": "М", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "У", "\u018f": "Ә", "\u019f": "Ө",
}  # fmt: skip
# The other way round, for Latin words typed with a Cyrillic letter ("141-VІІ" with Cyrillic І).
_CYR_TO_LAT = {
    "а": "a", "с": "c", "е": "e", "һ": "h", "і": "i", "к": "k", "о": "o", "р": "p", "х": "x",
    "у": "y", "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "К": "K", "М": "M",
    "О": "O", "Р": "P", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y",
}  # fmt: skip
_TO_CYR = str.maketrans(_LAT_TO_CYR)
_TO_LAT = str.maketrans(_CYR_TO_LAT)
_LAT_CHARS = re.compile(f"[{_LAT}]")
_CYR_CHARS = re.compile(f"[{_CYR}]")
# A Latin letter next to a Cyrillic one: the sign of a mixed-script word. Starting the pattern
# with the Latin class lets the scan skip ahead fast.
_MIXED_PAIR = re.compile(f"[{_LAT}](?:(?<=[{_CYR}][{_LAT}])|(?=[{_CYR}]))")
_LETTERS = re.compile(r"[^\W\d_]*")

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_LINE_BREAK = re.compile("[\r\v\f\u2028]")
_SPACE = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"  # other than " "
_ODD_SPACE = re.compile(f"[{_SPACE}]")
_SPACE_RUN = re.compile(" {2,}")
_SOFT_BREAK = re.compile(f"\u00ad[ {_SPACE}]*\n[ {_SPACE}]*")
_SOFT_HYPHEN = "\u00ad"
# A word cut at a line end: "бо-\nлады", found from the hyphen (a fast scan); the word on the left
# is read backwards. Only a single line break, and only before a lower-case letter (checked when
# joining): a line that starts with a capital or a digit ("Статья 1.", "1-бап.") is a new line,
# and a proper-name compound split there ("Алма-\nАта") still gives the same terms.
_HYPHEN_BREAK = re.compile(r"[-\u2010] ?\n ?(?=([^\W\d_]\w*))")
_HYPHEN_INLINE = re.compile(r"[-\u2010](\w+)")
_WORD_CHARS = re.compile(r"\w*")
_COMPOUND_PREFIX = 4
_BLANK_LINES = re.compile(r"\n{3,}")


def _run_before(text: str, pos: int, run: re.Pattern[str]) -> int:
    """Start of the run of ``run`` characters that ends at ``pos``."""
    size = 32
    while True:
        lo = max(0, pos - size)
        length = run.match(text[lo:pos][::-1]).end()  # type: ignore[union-attr]
        if length < pos - lo or lo == 0:
            return pos - length
        size *= 8


def _fix_run(run: str) -> str:
    # Cyrillic first, the script of the corpus: "iсi" is "ісі" though most of its letters are Latin.
    if _LAT_CHARS.search(to_cyr := run.translate(_TO_CYR)) is None:
        return to_cyr
    if _CYR_CHARS.search(to_lat := run.translate(_TO_LAT)) is None:
        return to_lat
    return run


def _fix_lookalikes(text: str) -> str:
    """Letter runs mixing Latin and Cyrillic made single-script where the letters allow it."""
    pieces: list[str] = []
    last = 0
    for match in _MIXED_PAIR.finditer(text):
        if match.start() < last:  # inside a run already fixed
            continue
        start = _run_before(text, match.start(), _LETTERS)
        end = _LETTERS.match(text, match.start()).end()  # type: ignore[union-attr]
        pieces += (text[last:start], _fix_run(text[start:end]))
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _word_before(text: str, pos: int) -> str:
    return text[_run_before(text, pos, _WORD_CHARS) : pos]


def _join_hyphenated(text: str) -> str:
    """Words cut by a hyphen at a line end joined; the hyphen stays where it belongs."""
    if _HYPHEN_BREAK.search(text) is None:
        return text
    inline: set[str] | None = None

    def join(match: re.Match[str]) -> str:
        nonlocal inline
        right = match.group(1)
        left = _word_before(text, match.start())
        if not left or not right[0].islower():
            return match.group(0)
        if not left[-1].islower() or left.lower() == right.lower():
            # A suffix after an abbreviation or number ("ҚР-\nның", "1-\nбап"), or reduplication.
            return "-"
        if inline is None:
            # A compound written with a hyphen elsewhere in the text keeps it across a line end;
            # the second part is compared by its start, as it may be inflected differently.
            inline = {
                f"{_word_before(text, m.start())}-{m.group(1)[:_COMPOUND_PREFIX]}".lower()
                for m in _HYPHEN_INLINE.finditer(text)
            }
        return "-" if f"{left}-{right[:_COMPOUND_PREFIX]}".lower() in inline else ""

    return _HYPHEN_BREAK.sub(join, text)


def normalize(text: str) -> str:
    """Clean text: NFC, look-alike letters fixed, soft hyphens and invisible characters removed,
    line-end hyphenation joined, spaces tidied.

    Line breaks and paragraph breaks (at most one blank line) are kept; idempotent.
    """
    text = _INVISIBLE.sub("", text)
    text = _LINE_BREAK.sub("\n", text.replace("\r\n", "\n")).replace("\u2029", "\n\n")
    text = unicodedata.normalize("NFC", text)
    text = _SOFT_BREAK.sub("", text).replace(_SOFT_HYPHEN, "")
    text = _SPACE_RUN.sub(" ", _ODD_SPACE.sub(" ", text))
    text = _fix_lookalikes(_join_hyphenated(text))
    text = text.replace(" \n", "\n").replace("\n ", "\n")
    text = _BLANK_LINES.sub("\n\n", text).strip()
    # Joins and letter swaps can leave a sequence that composes further ("y" + breve once it is
    # Cyrillic "у"), and a composed letter can stand next to a Latin one: repeat until stable.
    while not unicodedata.is_normalized("NFC", text):
        text = _fix_lookalikes(unicodedata.normalize("NFC", text))
    return text


# --- folding and tokens --------------------------------------------------------------------------

_KK_LETTERS = "әғқңөұүһі"
_FOLD = str.maketrans(_KK_LETTERS + "ё", "агкноуухие")
_HAS_KK = re.compile(f"[{_KK_LETTERS}{_KK_LETTERS.upper()}]")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
# Word parts for index terms, each with the hyphen or apostrophe that joins it to the previous one.
_TERM_PARTS = re.compile(r"([-'’]?)([^\W_]+)")


def _fold_lower(text: str) -> str:
    return text.lower().translate(_FOLD)


def fold(text: str) -> str:
    """Normalised, lower-cased text; Kazakh-specific letters (and ё) mapped to plain Cyrillic.

    Idempotent: normalising again after lower-casing joins the line-end hyphenations that
    ``normalize`` keeps before a capital letter ("сот-\\nА").
    """
    return _fold_lower(normalize(normalize(text).lower()))


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens; hyphenated and apostrophe compounds stay whole ("1-бап")."""
    return [m.group(0).lower() for m in _WORD.finditer(text)]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- language detection --------------------------------------------------------------------------

# Marker words and endings, all in folded form so that Kazakh typed without its letters counts.
_KK_MARKERS = _words(
    _fold_lower(
        """үшін қанша қандай қалай қайда қашан қай кім кімге кімнің неге неше нені неден неде бола
        болады болу болып болса болған болатын керек деген дегеніміз деп еді екен туралы және мен
        бен пен бар жоқ емес ол бұл осы сол мына олар оның оны біз сіз сен ма ме ба бе па пе ғана
        қана тиіс мүмкін бойынша арқылы сияқты дейін кейін кезде жылы егер алдын ала жаңа сот
        бап іс"""
    )
)
_RU_MARKERS = _words(
    """как что чтобы ли сколько можно нужно надо кто где когда почему зачем какой какая какие
    каков чем чего кого кому и в во на с со к ко у о об по за из от для при без до через это этот
    эта эти если или бы был была были быть будет есть так также только уже еще его ее их она
    они мы вы я мне меня может могут должен должны который которая которые которых нет того
    после гражданин"""
)
_KK_CASES_AFTER_PLURAL = ("", *_words("ы и ын ин га ге да де дан ден ды ди дын дин мен ымыз ыныз"))
# Endings count only after a stem of three letters or more.
_KK_ENDINGS = tuple(
    {p + c for p in ("лар", "лер", "дар", "тар") for c in _KK_CASES_AFTER_PLURAL}
    | {p + c for p in ("дер", "тер") for c in _KK_CASES_AFTER_PLURAL if c}
    | _words(
        """нын дын тын нин дин тин сын ынан инен ында инде ына ысы ыны ады еди йды йди лды лди рды
        рди ушы уши лык дык тык дик мыз ныз низ сыз нан уге ган ген кан кен ганда генде"""
    )
)
_RU_ENDINGS = tuple(
    _words(
        """ость ости остью остей ение ения ению ением ание ания анию анием ании ого ому ему ый ий
        ая яя ое ее ые ие ых ких ими ыми ики ина ть ться тся ют ят ами ями ях ов ев ом ую ся"""
    )
)
# Letters, and for longer words initial consonant pairs, that native Kazakh words do not have.
_RU_LETTERS = re.compile("[вфцчщъьэё]")
_RU_ONSET = re.compile("[бвгджзклмнпрстфхцчшщ]{2}")
_DETECT_CHARS = 2000  # a prefix this long decides the language of a chunk or document


def _lang_scores(tokens: list[str]) -> tuple[int, int, int, int]:
    """Kazakh and Russian evidence, and the numbers of Cyrillic and Latin words."""
    kk = ru = n_cyr = n_lat = 0
    for token in tokens:
        if _CYR_CHARS.search(token) is None:
            n_lat += _LAT_CHARS.search(token) is not None
            continue
        n_cyr += 1
        folded = _fold_lower(token)
        if _HAS_KK.search(token):
            kk += 2
        if folded in _KK_MARKERS:
            kk += 2
        elif folded in _RU_MARKERS:
            ru += 2
        else:
            kk += folded[3:].endswith(_KK_ENDINGS)
            ru += folded[3:].endswith(_RU_ENDINGS)
            ru += _RU_LETTERS.search(folded) is not None or (
                len(folded) > 3 and _RU_ONSET.match(folded) is not None
            )
    return kk, ru, n_cyr, n_lat


def detect_lang(text: str, default: Lang = "kk") -> Lang:
    """kk, ru or en of a text, reliable on short questions and on Kazakh typed without its letters.

    Scores Kazakh letters, frequent function words and endings; returns ``default`` when the text
    has no words or the Kazakh and Russian evidence is tied.
    """
    tokens = [t for t in tokenize(normalize(text[:_DETECT_CHARS])) if not t.isdigit()]
    kk, ru, n_cyr, n_lat = _lang_scores(tokens)
    if n_lat > n_cyr:
        return "en"
    if kk > ru:
        return "kk"
    if ru > kk:
        return "ru"
    return default


def second_lang(text: str, lang: Lang) -> Lang | None:
    """The other language of a Kazakh-Russian code-switched text ("алқаби болу үшін сколько лет
    нужно"): Russian in a Kazakh text that has a Russian function word, Kazakh in a Russian
    text with a Kazakh letter or function word; else None."""
    if lang not in ("kk", "ru"):
        return None
    tokens = [t for t in tokenize(normalize(text[:_DETECT_CHARS])) if _CYR_CHARS.search(t)]
    folded = [_fold_lower(t) for t in tokens]
    if lang == "kk":
        # A Russian function word, or a word without Kazakh letters with a Russian-only
        # letter or a Russian ending ("минимальный", "женщины").
        found = any(
            f in _RU_MARKERS
            or (
                not _HAS_KK.search(t)
                and len(f) > 4
                and (_RU_LETTERS.search(f) is not None or f[3:].endswith(_RU_ENDINGS))
            )
            for t, f in zip(tokens, folded, strict=True)
        )
    else:
        found = any(
            _HAS_KK.search(t) or f in _KK_MARKERS or (len(f) > 4 and f[3:].endswith(_KK_ENDINGS))
            for t, f in zip(tokens, folded, strict=True)
        )
    return ("ru" if lang == "kk" else "kk") if found else None


# --- lexical terms -------------------------------------------------------------------------------


class Stemming(StrEnum):
    """How `terms` reduces words to index terms."""

    NONE = "none"  # lower-cased words as they are
    SNOWBALL = "snowball"  # Russian Snowball for every Cyrillic word, Kazakh included
    KAZAKH = "kazakh"  # Kazakh suffix stripper for kk words, Russian Snowball for ru words


_VOWEL = "аәеёиоөуұүыіэюя"
_VOICED = "лрйумнңзж"
# Voiceless consonants, with the voiced stops that end loanwords and take the same suffix forms.
_VOICELESS = "кқпстфхцчшщһбвгд"
_CONSONANT = "бвгғджзйклмнңпрстуфхһцчшщ"
# Kazakh suffixes with the letters a stem may end in before them ("" = any): each suffix has
# several forms chosen by the stem's last sound, and checking that fit keeps "тұқым", "астана"
# and "мемлекеті" from losing letters that are not a suffix. First and second person singular
# possessives ("-ым", "-ің") are left out: rare in legal and encyclopaedic text, they mostly cut
# real stems.
_KK_SUFFIX_CONTEXTS = (
    ("лар лер", _VOWEL + "рйу"),
    ("дар дер", "лмнңзж"),
    ("тар тер", _VOICELESS),
    ("ның нің", _VOWEL + "мнң"),
    ("дың дің", "лрйузж"),
    ("тың тің", _VOICELESS),
    ("ға ге да де дағы дегі ды ді дым дім дық дік ған ген", _VOWEL + _VOICED),
    ("қа ке та те тағы тегі ты ті тым тім тық тік қан кен", _VOICELESS),
    ("на не н нда нде ндағы ндегі", "ыі"),
    ("ны ні сы сі мыз міз ңыз ңіз йды йді аймын еймін йтын йтін", _VOWEL),
    ("дан ден", _VOWEL + "лрйузж"),
    ("нан нен", "мнңыі"),
    ("тан тен", _VOICELESS),
    ("ы і ымыз іміз ыңыз іңіз ады еді амын емін атын етін ып іп", _CONSONANT),
    ("мақ мек ма ме", _VOWEL + "лрйу"),
    ("бақ бек ба бе", "мнңзж"),
    ("пақ пек па пе", _VOICELESS),
    ("мен бен пен менен бенен пенен у мын мін сың сің сыз сіз ушы уші са се", ""),
    # The conditional with a person ("салсам болады ма", "барсақ"): how questions ask.
    ("сам сем саң сең сақ сек", ""),
)


def _suffix_table(folded: bool) -> dict[str, frozenset[str]]:
    """Suffix -> letters allowed before it (empty: any), in plain or folded spelling."""
    table: dict[str, frozenset[str]] = {}
    for suffixes, before in _KK_SUFFIX_CONTEXTS:
        letters = frozenset(_fold_lower(before) if folded else before)
        for suffix in suffixes.split():
            key = _fold_lower(suffix) if folded else suffix
            if key in table:  # folding merges forms: the merged one allows either context
                old = table[key]
                letters = old | letters if old and letters else frozenset()
            table[key] = letters
    return table


_KK_SUFFIXES = _suffix_table(folded=False)
_KK_SUFFIXES_FOLDED = _suffix_table(folded=True)
_KK_MAX_SUFFIX = max(map(len, _KK_SUFFIXES))
_KK_MAX_STRIPS = 5  # plural, possessive, case and a couple of verb endings

_STOPWORDS_TEXT = """
және мен бен пен да де та те ма ме ба бе па пе ал бірақ немесе не үшін туралы бойынша арқылы
сияқты ғана қана тек осы сол бұл ол олар оның оны оған онда әр әрбір барлық кейбір біз сіз сен өз
өзі қандай қанша неше кім қай қайда қашан қалай неге нені деген деп дегеніміз яғни емес еді екен
менің маған мені менде сенің саған сені сіздің сізге сізді біздің бізге бізді олардың оларға
оларды одан бұның мұның бұған мұған бұны мұны мұнда осының осыған осыны осында соның соған соны
сонда әлде әлі
и в во не что он на я с со как а то все она так его но да к у же вы за бы по только ее мне было от
меня еще нет о из ему когда даже ли если уже или ни быть был него до вас там себя ей может они
где есть для мы их чем была сам без чего под будет тогда кто этот того потому этого какой какая
какие здесь этом тем чтобы были куда зачем всех при об другой после над через эти нас про всего
них эту этой перед том такой такое им между сколько почему можно нужно
вот ну типа короче вообще просто значит ладно пожалуйста скажите подскажите енді ғой ше шы ау
э ээ эээ эм ммм хм
the a an of to in on at for by with from and or not is are was were be been can could who what
when where which how why does do did this that these those it its as well just please stuff thing
things something anything
"""
_STOPWORDS = _words(_STOPWORDS_TEXT) | _words(_fold_lower(_STOPWORDS_TEXT))
EN_STOPWORDS = frozenset(w for w in _STOPWORDS if w.isascii())


def is_stopword(word: str) -> bool:
    """A lower-case word is a function word (kk, ru, en; Kazakh letters folded or not)."""
    return word in _STOPWORDS


KK_MARKERS, RU_MARKERS = _KK_MARKERS, _RU_MARKERS
_RU_STEMMER = snowballstemmer.stemmer("russian")
_RU_STEMMER_LOCK = threading.Lock()  # a Snowball stemmer keeps the word being stemmed in itself
_ES_PLURAL = ("sses", "shes", "ches", "xes", "zes")
_S_KEEP = ("ss", "us", "is")


def _stem_ok(stem: str, min_stem: int) -> bool:
    # Two-letter roots are vowel + consonant in Kazakh ("іс", "ел", "үй"): kept whatever min_stem.
    if len(stem) == 2:
        return min_stem <= 2 or (stem[0] in _VOWEL and stem[1] not in _VOWEL)
    return len(stem) >= min_stem


def _strip_kk(word: str, folded: bool, min_stem: int, max_stem: int | None) -> str:
    """Kazakh stem: drop the longest fitting suffix while the stem stays long enough, repeatedly.

    The stem is then cut to ``max_stem`` letters, which merges derived forms ("-лық", "-шы").
    """
    table = _KK_SUFFIXES_FOLDED if folded else _KK_SUFFIXES
    for _ in range(_KK_MAX_STRIPS):
        for size in range(min(_KK_MAX_SUFFIX, len(word) - 2), 0, -1):
            before = table.get(word[-size:])
            if (
                before is not None
                and (not before or word[-size - 1] in before)
                and _stem_ok(word[:-size], min_stem)
            ):
                word = word[:-size]
                break
        else:
            break
    return word[:max_stem]


def _strip_en(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(_ES_PLURAL):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(_S_KEEP):
        return word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def _term(
    part: str,
    after_hyphen: bool,
    cyr_lang: Lang,
    folded: bool,
    stemming: Stemming,
    min_stem: int,
    max_stem: int | None,
    stopwords: bool,
) -> str | None:
    """Index term of one lower-cased word part, or None when it is dropped."""
    if (stopwords and part in _STOPWORDS) or (after_hyphen and part in _KK_SUFFIXES):
        return None
    kazakh = cyr_lang == "kk" or _HAS_KK.search(part) is not None
    if folded:
        part = _fold_lower(part)
    if part.isdigit() or stemming is Stemming.NONE:
        return part
    if _CYR_CHARS.search(part) is None:
        return _strip_en(part)
    if stemming is Stemming.KAZAKH and kazakh:
        return _strip_kk(part, folded, min_stem, max_stem)
    with _RU_STEMMER_LOCK:
        return _RU_STEMMER.stemWord(part)


def terms(
    text: str,
    lang: Lang | None = None,
    folded: bool = False,
    *,
    stemming: Stemming = Stemming.KAZAKH,
    min_stem: int = 3,
    max_stem: int | None = 6,
    stopwords: bool = True,
) -> list[str]:
    """BM25 index terms of a text: normalised (or folded) words, stopwords out, light stemming.

    Latin words are English; a Cyrillic word with Kazakh letters is Kazakh, any other takes
    ``lang``, or the language detected for the whole text when ``lang`` is None. Hyphenated
    compounds are split and a bare Kazakh suffix after a hyphen ("АТФ-ны") dropped. The defaults
    are the best measured on KazQAD by `evals.lexical_probe`.
    """
    text = normalize(text)
    text_lang = detect_lang(text) if lang is None else lang
    cyr_lang: Lang = "ru" if text_lang == "ru" else "kk"
    options = (folded, stemming, min_stem, max_stem, stopwords)
    return [
        term
        for sep, part in _TERM_PARTS.findall(text.lower())
        if (term := _term(part, bool(sep), cyr_lang, *options))
    ]
