"""Numbers written as words read as digits, in Kazakh, Russian and English."""

from __future__ import annotations

import pytest

from assistant.core.numbers import as_digits
from assistant.core.query import Query


@pytest.mark.parametrize(
    ("text", "lang", "digits"),
    [
        ("мне шестьдесят семь лет", "ru", "мне 67 лет"),
        ("с двадцати пяти лет", "ru", "с 25 лет"),  # case forms
        ("штраф десять мрп или двести", "ru", "штраф 10 мрп или 200"),
        ("жасым алпыс сегізде", "kk", "жасым 68-де"),  # the ending stays on the number
        ("алқабилер он екі ме әлде он ба", "kk", "алқабилер 12 ме әлде 10 ба"),
        ("екі жүз айлық есептік көрсеткіш", "kk", "200 айлық есептік көрсеткіш"),
        ("жиырма бес жастан", "kk", "25 жастан"),
        ("алкабилер он еки ме", "kk", "алкабилер 12 ме"),  # typed without Kazakh letters
        ("I am twenty five years old", "en", "I am 25 years old"),
        # A lone "one" is an article or a pronoun; look-alikes and ordinals are no counts.
        ("один из присяжных выбыл", "ru", "один из присяжных выбыл"),
        ("бір кісі өлтіру ісі", "kk", "бір кісі өлтіру ісі"),
        ("бірге барамыз, біреу келді", "kk", "бірге барамыз, біреу келді"),
        ("онда не болады", "kk", "онда не болады"),
        ("я содержу семью", "ru", "я содержу семью"),
        ("the second time a juror is called", "en", "the second time a juror is called"),
        ("второй раз вызывают", "ru", "второй раз вызывают"),
        # Two numbers apart stay two.
        ("десять, двадцать", "ru", "10, 20"),
    ],
)
def test_number_words_read_as_digits(text, lang, digits):
    assert as_digits(text, lang) == digits


def test_voice_typed_question_has_its_age_in_digits():
    query = Query.of("мне шестьдесят семь лет могу ли я отказаться быть присяжным")
    assert "67" in query.text and query.original.startswith("мне шестьдесят")
