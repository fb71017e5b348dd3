"""Normalisation, folding, language detection and lexical terms of assistant.core.text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.core.text import Stemming, detect_lang, fold, normalize, terms, tokenize

# --- normalize -----------------------------------------------------------------------------------


def test_latin_i_inside_kazakh_words_becomes_cyrillic() -> None:
    # The official text of the jury law is typed with Latin "i" (U+0069) in many words.
    assert normalize("қылмыстық сот iсiн жүргiзуге") == "қылмыстық сот ісін жүргізуге"
    assert normalize("реттейдi") == "реттейді"  # Latin i at the end of a word
    assert normalize("iс") == "іс"  # and at its start


def test_latin_words_and_mixed_compounds_keep_their_letters() -> None:
    assert normalize("IT-маман") == "IT-маман"  # each part of a compound is judged alone
    assert normalize("COVID-19 кезінде") == "COVID-19 кезінде"
    assert normalize("Wi-Fiмен") == "Wi-Fiмен"  # "F" has no Cyrillic twin: left as typed
    # A Roman numeral typed with a Cyrillic "І" becomes Latin.
    assert normalize("№ 141-VІІ Заңы") == "№ 141-VII Заңы"


def test_line_end_hyphenation_is_joined() -> None:
    assert normalize("болып та-\nбылады") == "болып табылады"
    assert normalize("процессу-  \n  алдық") == "процессуалдық"
    assert normalize("ҚР-\nның заңы") == "ҚР-ның заңы"  # suffix after an abbreviation
    assert normalize("1-\nбап") == "1-бап"
    assert normalize("кейбір-\nкейбір") == "кейбір-кейбір"  # reduplication keeps its hyphen


def test_hyphenated_compound_seen_in_line_keeps_its_hyphen() -> None:
    text = "уголовно-процессуальный кодекс; нормы уголовно-\nпроцессуального права"
    assert normalize(text) == "уголовно-процессуальный кодекс; нормы уголовно-процессуального права"


def test_line_break_before_capital_or_digit_is_kept() -> None:
    assert normalize("мерзім-\nСтатья 5. Права") == "мерзім-\nСтатья 5. Права"
    assert normalize("мерзім -\n2-бап.") == "мерзім -\n2-бап."


def test_soft_hyphens_are_removed() -> None:
    assert normalize("алқа\u00adби") == "алқаби"
    assert normalize("присяж\u00ad\nных") == "присяжных"


def test_whitespace_is_tidied_but_lines_and_paragraphs_kept() -> None:
    text = (
        "  # Алқабилер\u00a0туралы \r\n\r\n\r\n\r\n1-бап.\tҰғымдар  \n  Статья 1.  \u200bПонятия \n"
    )
    assert normalize(text) == "# Алқабилер туралы\n\n1-бап. Ұғымдар\nСтатья 1. Понятия"


def test_normalize_composes_to_nfc() -> None:
    assert normalize("и\u0306") == "й"


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


_LETTERS = st.sampled_from(list("iIaoceyxpкқсіоаеу-\u00ad\n \t\u00a0VF1"))


@settings(max_examples=400, deadline=None)
@given(st.lists(_LETTERS, max_size=40).map("".join))
def test_normalize_is_idempotent_on_mixed_script_and_hyphens(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


# --- fold and tokenize ---------------------------------------------------------------------------


def test_fold_maps_kazakh_letters_and_lowercases() -> None:
    assert fold("ӘҒҚҢӨҰҮҺІ әғқңөұүһі Ёлка") == "агкноуухи агкноуухи елка"
    assert fold("Алқаби") == fold("алкаби") == "алкаби"
    assert fold("iсi") == "иси"  # normalised first: Latin i -> і -> и


def test_tokenize_keeps_compounds_whole() -> None:
    assert tokenize("1-бап. ҚР-ның Заңы, 2023 ж.") == ["1-бап", "қр-ның", "заңы", "2023", "ж"]


# --- detect_lang ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("алқаби кім?", "kk"),
        ("алкаби болу ушин не керек", "kk"),  # typed without Kazakh letters
        ("алқабиге қанша төлейді?", "kk"),
        ("канша акша толейди", "kk"),
        ("сотқа бармасам не болады", "kk"),
        ("алкабилер туралы заң", "kk"),
        ("алкаби кандай жагдайда босатылады", "kk"),
        ("Алқабилер қалай іріктеледі?", "kk"),
        ("сотка келмесе айыппул", "kk"),
        ("жумыс орны сакталама", "kk"),
        ("ант беру", "kk"),
        ("сколько платят?", "ru"),
        ("кто может быть присяжным", "ru"),
        ("что такое присяжный заседатель", "ru"),
        ("можно ли отказаться", "ru"),
        ("штраф за неявку", "ru"),
        ("как проходит отбор присяжных", "ru"),
        ("обязанности присяжного заседателя", "ru"),
        ("сохраняется ли зарплата", "ru"),
        ("Кодекс Республики Казахстан", "ru"),
        ("who can be a juror", "en"),
        ("jury duty pay", "en"),
        ("how are jurors selected", "en"),
    ],
)
def test_detect_lang_on_short_questions(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


def test_detect_lang_on_longer_text() -> None:
    kk = "Алқабилер қылмыстық істерді судьямен бірге қарайды және кінә туралы шешім шығарады."
    ru = "Присяжные заседатели вместе с судьёй рассматривают уголовные дела и решают вопрос о вине."
    assert detect_lang(kk) == "kk"
    assert detect_lang(fold(kk)) == "kk"
    assert detect_lang(ru) == "ru"


def test_detect_lang_falls_back_to_default() -> None:
    assert detect_lang("") == "kk"
    assert detect_lang("2023 — 141", default="ru") == "ru"
    assert detect_lang("те же", default="ru") == "ru"  # "те" and "же" are both languages' words


# --- terms ---------------------------------------------------------------------------------------


def test_kazakh_plural_possessive_and_case_forms_share_a_stem() -> None:
    forms = ["алқабилердің", "алқабилер", "алқабиге", "алқабиді", "алқабилері", "алқаби"]
    assert {t for f in forms for t in terms(f, "kk")} == {"алқаби"}
    court = ["соттың", "сотқа", "сотта", "соттан", "сотпен", "сотты", "сот"]
    assert {t for f in court for t in terms(f, "kk")} == {"сот"}
    assert terms("істер істің ісі", "kk") == ["іс", "іс", "іс"]
    # The conditional with a person, how questions ask: "салсам болады ма" and "салуға".
    posted = ["салсам", "салсаңыз", "салсақ", "салуға", "салса"]
    assert {t for f in posted for t in terms(f, "kk")} == {"сал"}


def test_kazakh_suffix_must_fit_the_stem() -> None:
    # "-м", "-на", "-ті" after the wrong letter are part of the word, not a suffix.
    assert terms("тұқым астана", "kk") == ["тұқым", "астана"]
    assert terms("мемлекеті мемлекеттің", "kk") == ["мемлек", "мемлек"]  # capped at six letters


def test_folded_terms_match_across_spellings() -> None:
    assert terms("алкабилердин", folded=True) == terms("алқабилердің", folded=True)
    assert terms("Алкаби сотка", folded=True) == terms("Алқаби сотқа", folded=True)
    assert terms("алқабилер", folded=True) == ["алкаб"]


def test_russian_words_are_snowball_stemmed() -> None:
    assert terms("присяжных присяжные присяжный", "ru") == ["присяжн"] * 3
    assert terms("Присяжных заседателей", folded=True) == ["присяжн", "заседател"]


def test_language_is_chosen_per_word_when_not_given() -> None:
    # A Russian text: Russian stemming, except for the word with Kazakh letters.
    text = "присяжные заседатели в суде: по-казахски алқабилер"
    assert terms(text) == ["присяжн", "заседател", "суд", "казахск", "алқаби"]
    # English words lose a plural "s".
    assert terms("jurors and courts") == ["juror", "court"]


def test_stopwords_are_dropped_and_numbers_kept() -> None:
    assert terms("алқаби туралы және үшін 2023 жылы", "kk") == ["алқаби", "2023", "жыл"]
    assert terms("что такое присяжный и как", "ru") == ["присяжн"]
    assert terms("и в на", "ru") == []
    assert terms("и в на", "ru", stopwords=False) == ["и", "в", "на"]


def test_hyphenated_compounds_are_split_and_bare_suffixes_dropped() -> None:
    assert terms("1-бап АТФ-ны ата-ана", "kk") == ["1", "бап", "атф", "ата", "ана"]


def test_stemming_variants() -> None:
    assert terms("алқабилердің", "kk", stemming=Stemming.NONE) == ["алқабилердің"]
    assert terms("алқабилердің", "kk", max_stem=None) == ["алқаби"]
    assert terms("республикасының", "kk", max_stem=None) == ["республика"]
    assert terms("республикасының", "kk") == ["респуб"]
    assert terms("сотта", "kk", min_stem=4) == ["сотта"]
    assert terms("сотта істі", "kk", min_stem=4) == ["сотта", "іс"]  # vowel-consonant root


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from([None, "kk", "ru", "en"]), st.booleans())
def test_terms_never_raise_and_are_clean(text: str, lang: str | None, folded: bool) -> None:
    out = terms(text, lang, folded)  # type: ignore[arg-type]
    assert all(t and not any(c.isspace() or c == '"' for c in t) for t in out)


def test_fold_is_idempotent_across_hyphenation_before_a_capital() -> None:
    once = fold("Сот-\nАЛҚАБИ шешімі")
    assert once == "соталкаби шешими"
    assert fold(once) == once
