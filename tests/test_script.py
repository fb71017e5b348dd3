"""Scripts at the edge: Latin-script Kazakh and Russian translit to Cyrillic, Kazakh Cyrillic to
the 2021 Latin alphabet, and the typed Query every answer stage reads."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.core.query import Query
from assistant.core.script import (
    TABLES,
    Lexicon,
    Table,
    kk_to_latin,
    ru_to_translit,
    to_cyrillic,
)
from assistant.core.text import fold, second_lang
from tests.test_answer_store import REPO


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    """The words of the shipped FAQ, as the answer engine builds its lexicon."""
    texts, questions = [], []
    for lang in ("kk", "ru", "en"):
        for line in (REPO / "corpus" / "faq" / f"{lang}.jsonl").read_text().splitlines():
            row = json.loads(line)
            texts += [(lang, row["title"]), (lang, row["text"])]
            questions += [(lang, p) for p in row.get("paraphrases", [])]
    lexicon = Lexicon.of(texts)
    lexicon.add_questions(questions)
    return lexicon


@pytest.mark.parametrize(
    ("typed", "cyrillic"),
    [
        # 2021 official alphabet, 2018 acute-accent one, 2017 apostrophe one, plain ASCII.
        ("Alqabi bolu üşin neşe jasta bolu kerek?", "Алқаби болу үшін неше жаста болу керек?"),
        ("Alqabı bolý úshin neshe jasta bolý kerek?", "Алқаби болу үшін неше жаста болу керек?"),
        ("alqabi bolw u's'in qansha jas kerek", "алқаби болу үшін қанша жас керек"),
        ("alqabi bolu ushin qansha jas kerek", "алқаби болу үшін қанша жас керек"),
        ("alqabige qansha tolenedi", "алқабиге қанша төленеді"),
        # The 2021 alphabet with the digraphs people keep typing ("sh" for ş).
        ("Alqabige qansha aqy tölenedı?", "Алқабиге қанша ақы төленеді?"),
        # Russian translit: digraphs, a missing soft sign, digits for letters, "y" for "й".
        ("skolko platyat prisyazhnym", "сколько платят присяжным"),
        ("skol'ko platyat prisyazhnym", "сколько платят присяжным"),
        ("4to budet esli ne pridu na otbor", "что будет если не приду на отбор"),
        ("kakoy shtraf za neyavku", "какой штраф за неявку"),
        # "i" after a vowel is "й" when only that reading is a known word.
        ("prisyazhnye golosuyut taino", "присяжные голосуют тайно"),
        # "ı" by vowel harmony, where у/и (u, i) are neither back nor front; without a vowel
        # to follow, қ/ғ make it "ы", else it is the alphabet's "і".
        ("beruşılerdıñ bıreuı", "берушілердің біреуі"),
        ("bır qız", "бір қыз"),
        # An English function word inside Kazakh is Kazakh ("on" = он).
        ("Sotta on alqabi otyrady", "Сотта он алқаби отырады"),
        # Code-switching and mixed-script words.
        ("алқаби болу үшін skolko let nuzhno", "алқаби болу үшін сколько лет нужно"),
        ("сколько платят prisyazhnym", "сколько платят присяжным"),
        ("прisyazhnym платят?", "присяжным платят?"),
    ],
)
def test_latin_script_reads_as_cyrillic(lexicon, typed, cyrillic):
    assert fold(to_cyrillic(typed, lexicon).text) == fold(cyrillic)


def test_kazakh_letters_restored_from_the_lexicon(lexicon):
    assert to_cyrillic("alqabi bolu ushin qansha jas kerek", lexicon).text == (
        "алқаби болу үшін қанша жас керек"
    )


@pytest.mark.parametrize(
    "english",
    ["How much are jurors paid in Kazakhstan?", "what happens if I skip jury duty", "fine"],
)
def test_english_stays_english(lexicon, english):
    converted = to_cyrillic(english, lexicon)
    assert converted.text == english
    assert Query.of(english, lexicon).lang == "en"


@pytest.mark.parametrize(
    ("typed", "lang", "alphabet", "script"),
    [
        ("Alqabı bolý úshin neshe jasta bolý kerek?", "kk", "kk2018", "latin"),
        ("Alqabi bolu üşin neşe jasta bolu kerek?", "kk", "kk2021", "latin"),
        ("alqabi bolu ushin qansha jas kerek", "kk", "kk_ascii", "latin"),
        ("skolko platyat prisyazhnym", "ru", "ru_translit", "latin"),
        ("алқаби болу үшін skolko let nuzhno", "kk", "ru_translit", "mixed"),
        ("Сколько платят присяжным?", "ru", None, "cyrillic"),
    ],
)
def test_query_script_alphabet_and_language(lexicon, typed, lang, alphabet, script):
    query = Query.of(typed, lexicon)
    assert (query.lang, query.alphabet, query.script) == (lang, alphabet, script)
    assert query.original == typed
    assert query.folded == fold(query.text)
    assert query.latin_kazakh == (lang == "kk" and script == "latin")


def test_kazakh_answer_in_the_2021_alphabet():
    assert kk_to_latin("Алқабиге айыппұл салынады. Иә, ЖОҚ, Іс") == (
        "Alqabige aiyppūl salynady. İä, JOQ, Is"
    )
    query = Query.of("alqabige qansha tolenedi")
    assert query.in_asker_script("Төленеді") == "Tölenedı"
    assert Query.of("сколько платят").in_asker_script("Платят") == "Платят"


def test_table_keys_fit_only_where_marked():
    table = Table({"e": "е", "^e": "э", "y": "ы", "+y": "й", "ng$": "ң", "n": "н", "g": "г"})
    assert table.convert("eye") == "эйе"
    assert table.convert("nyng") == "ның"


KAZAKH = st.text(alphabet="абвгғдежзийкқлмнңоөпрстуұүфхһшыіэ", min_size=1, max_size=12)
RUSSIAN = st.text(alphabet="абвгдежзиклмнопрстуфхцчшщыэюя", min_size=1, max_size=12)


# The round trips are exact up to letters one Latin spelling stands for (и/й, х/һ, "ts" for ц
# and тс, "sch" for щ and сч, a final "ii" for ии and ий): the word comes back as one with the
# same Latin spelling.
@given(KAZAKH)
def test_kazakh_round_trip_through_the_2021_alphabet(word):
    back = TABLES["kk2021"].convert(kk_to_latin(word))
    assert kk_to_latin(back) == kk_to_latin(word)


@given(RUSSIAN)
def test_russian_round_trip_through_translit(word):
    back = to_cyrillic(ru_to_translit(word), Lexicon()).text

    def spelling(text: str) -> str:
        return re.sub(r"iy$", "ii", ru_to_translit(text).replace("shch", "sch"))

    assert spelling(back) == spelling(word)


@given(st.text(max_size=40))
def test_any_text_converts_without_error(text):
    converted = to_cyrillic(text)
    assert converted.converted + converted.latin >= 0
    Query.of(text)


@pytest.mark.parametrize(
    ("text", "lang", "other"),
    [
        ("алқаби болу үшін сколько лет нужно", "kk", "ru"),
        ("если сотталғандық бар, можно быть присяжным?", "ru", "kk"),
        ("на работе орташа жалақы сохраняется у присяжного?", "ru", "kk"),
        # Russian content words (a Russian-only letter or ending) in a Kazakh question.
        ("алқаби болу үшін минимальный возраст қанша?", "kk", "ru"),
        ("3 жасқа толмаған баласы бар женщины босатыла ма?", "kk", "ru"),
        ("Сколько платят присяжным?", "ru", None),
        ("Алқабиге қанша төлейді?", "kk", None),
        ("How much are jurors paid?", "en", None),
    ],
)
def test_second_language_of_code_switched_text(text, lang, other):
    assert second_lang(text, lang) == other


def test_words_of_the_other_language_in_a_question_stay_that_language():
    lexicon = Lexicon.of([("kk", "алқабиге қанша төлейді"), ("ru", "сколько платят присяжным")])
    lexicon.add_questions([("ru", "присяжным қанша платят"), ("kk", "алқабиге сколько береді")])
    assert not lexicon.knows("қанша", "ru") and not lexicon.knows("сколько", "kk")
    assert lexicon.knows("береді", "kk")  # a new word of the question's own language


def test_lexicon_tells_foreign_words(lexicon):
    found = lexicon.foreign("Что слушают присяжные, музыку?")
    assert "музыку" in found.foreign and "присяжные" not in found.foreign
    # Stopwords do not count; another form of a known word is known (its first five letters).
    assert found.words == 3
    assert lexicon.foreign("алқабиге қанша төлейтін болады").foreign == ()
    assert lexicon.foreign("what music do jurors like").foreign[:1] == ("music",)
    # A Query knows them only with a store's lexicon.
    assert Query.of("кофе для присяжных", lexicon).foreign == ("кофе",)
    assert Query.of("кофе для присяжных").foreign == ()
