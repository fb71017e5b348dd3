"""Fields read from real-style court acts in Russian and Kazakh, with their confidence."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from indexer.cases.fields import appeal_result_of, read_act, read_card
from indexer.cases.numbers import find_dates, months_of_term, words_to_number
from indexer.readers import read_file

FIXTURES = Path(__file__).parent / "fixtures"
COURT_ACTS = FIXTURES / "court_acts"


def text_of(path: Path) -> str:
    return read_file(path, path.parent).documents[0].text


def test_numbers_dates_and_terms_in_words():
    assert words_to_number("две тысячи двадцать первого") == 2021
    assert words_to_number("двадцать третьего") == 23
    assert words_to_number("кот") is None
    assert [
        d for _, d in find_dates("«5» марта\n      2021 года, 07.04.2017, 2024 жылғы 5 сәуір")
    ] == [
        date(2021, 3, 5),
        date(2017, 4, 7),
        date(2024, 4, 5),
    ]
    assert months_of_term("сроком на 3 (три) года 6 (шесть) месяцев") == 42
    assert months_of_term("в виде 6 /шести/ месяцев") == 6
    assert months_of_term("на срок в четыре года") == 48
    assert months_of_term("без срока") is None


def test_civil_judgment_in_fixed_width_rtf():
    fields = read_act(text_of(COURT_ACTS / "district" / "2-1234_2022.rtf"))

    assert fields.kind.value == "решение" and fields.kind.confidence >= 0.9
    assert fields.court.value == "Лефортовский районный суд города Москвы"
    # Spelled-out month, day and year split over two padded lines.
    assert fields.date.value == date(2022, 2, 14)
    assert fields.case_number.value == "2-1234/2022"
    assert fields.uid.value == "77RS0014-02-2021-001234-56"
    assert (fields.instance.value, fields.category.value) == ("first", "civil")
    # Satisfied in part, the rest denied.
    assert fields.outcome.value == "partly_satisfied"
    assert "ст. 309 ГК РФ" in fields.articles.value
    assert {"ст. 194 ГПК РФ", "ст. 198 ГПК РФ"} <= set(fields.articles.value)
    assert fields.appeal_result.value is None and fields.punishment.value is None


def test_civil_judgment_in_word_97():
    """Our own Word 97 file (LibreOffice's "MS Word 97" filter), read through antiword."""
    doc = COURT_ACTS / "district" / "2-555_2023.doc"
    assert doc.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE compound file
    fields = read_act(text_of(doc))

    assert fields.kind.value == "решение"
    assert fields.court.value == "Тушинский районный суд города Москвы"
    assert fields.date.value == date(2023, 4, 3)
    assert fields.case_number.value == "2-555/2023"
    # The УИД wrapped at one of its hyphens is joined back.
    assert fields.uid.value == "77RS0029-02-2022-005555-10"
    assert fields.outcome.value == "denied"
    # "ст. 807 и ст. 808 ГК РФ": one code for both articles.
    assert fields.articles.value[:2] == ["ст. 807 ГК РФ", "ст. 808 ГК РФ"]


def test_default_judgment_dated_in_words():
    fields = read_act(text_of(COURT_ACTS / "district" / "2-777_2021.docx"))

    assert fields.kind.value == "заочное решение"
    assert fields.date.value == date(2021, 12, 23)
    assert fields.outcome.value == "satisfied"
    assert fields.court.value == "Тверской районный суд города Москвы"


def test_an_anonymised_date_is_none_not_another_date():
    text = (
        "РЕШЕНИЕ\nИменем Российской Федерации\n\nдата адрес\n\n"
        "Хамовнический районный суд адрес в составе председательствующего судьи фио, "
        "рассмотрев гражданское дело № 2-36/21 по иску фио к фио о взыскании, "
        "с учетом договора от 14 марта 2019 года,\nУСТАНОВИЛ:\nфио обратился в суд.\n"
        "РЕШИЛ:\nВ удовлетворении исковых требований фио к фио отказать.\n"
    )
    fields = read_act(text)

    assert fields.date.value is None
    assert fields.date.note == "anonymised by the court"
    assert fields.court.value == "Хамовнический районный суд"
    assert fields.outcome.value == "denied"


def test_verdict_with_source_metadata_and_suspended_sentence():
    line = (COURT_ACTS / "verdicts" / "verdicts.jsonl").read_text("utf-8").splitlines()[0]
    fields = read_act(json.loads(line)["case_text"])

    assert fields.kind.value == "приговор"
    assert fields.category.value == "criminal"
    assert fields.court.value == "Кировский районный суд города Самары"
    assert fields.date.value is None
    assert fields.articles.value == ["ч. 2 ст. 161 УК РФ"]  # ст. 60, 73 are sentencing rules
    assert fields.outcome.value == "guilty"
    punishment = fields.punishment.value
    assert punishment is not None
    assert (punishment.type, punishment.term_months, punishment.suspended) == (
        "условное лишение свободы",
        30,
        True,
    )


def test_final_sentence_after_aggregation_wins():
    operative = (
        "ПРИГОВОР\nИменем Российской Федерации\n12 марта 2021 года\n"
        "Люблинский районный суд города Москвы в составе судьи Ф.И.О.1\nУСТАНОВИЛ:\nфабула\n"
        "ПРИГОВОРИЛ:\nФ.И.О.2 признать виновным в совершении преступлений, предусмотренных "
        "п. «а,в» ч.2 ст. 163, п. «а» ч.2 ст. 161 УК РФ и назначить ему наказание\n"
        "по п. «а,в» ч.2 ст. 163 УК РФ в виде 2 лет 6 месяцев лишения свободы;\n"
        "по п. «а» ч.2 ст. 161 УК РФ в виде 2 лет 4 месяцев лишения свободы.\n"
        "На основании ч.3 ст. 69 УК РФ по совокупности преступлений путем частичного сложения "
        "наказаний определить Ф.И.О.2 ЧЕТЫРЕ года лишения свободы.\n"
    )
    fields = read_act(operative)

    assert fields.punishment.value is not None
    assert fields.punishment.value.term_months == 48
    assert fields.articles.value == ["ч. 2 ст. 163 УК РФ", "ч. 2 ст. 161 УК РФ"]


def test_supervisory_refusal_of_a_commercial_court():
    fields = read_act(text_of(COURT_ACTS / "commercial" / "A40-1111-2013.pdf"))

    assert fields.kind.value == "определение"
    assert fields.court.value == "Высший арбитражный суд Российской Федерации"
    assert fields.date.value == date(2014, 6, 10)
    assert fields.case_number.value == "А40-1111/2013"
    assert fields.act_number.value == "ВАС-1234/14"
    assert (fields.instance.value, fields.category.value) == ("supervisory", "commercial")
    assert fields.outcome.value == "refused_transfer"
    assert fields.articles.value == ["ст. 15 ГК РФ", "ст. 393 ГК РФ"]


def test_appeal_act_reads_its_result_and_the_case_below():
    text = (
        "АПЕЛЛЯЦИОННОЕ ОПРЕДЕЛЕНИЕ\n\n15 августа 2022 года г. Москва\n\n"
        "Судебная коллегия по гражданским делам Московского городского суда в составе "
        "председательствующего Ф.И.О.1, рассмотрев в открытом судебном заседании по докладу судьи "
        "апелляционную жалобу ответчика на решение Лефортовского районного суда города Москвы от "
        "14 февраля 2022 года по гражданскому делу № 2-1234/2022 (УИД "
        "77RS0014-02-2021-001234-56), которым иск удовлетворен частично,\n"
        "УСТАНОВИЛА:\nистец обратился в суд.\nОПРЕДЕЛИЛА:\n"
        "Решение Лефортовского районного суда города Москвы от 14 февраля 2022 года оставить без "
        "изменения, апелляционную жалобу — без удовлетворения.\n"
    )
    fields = read_act(text)

    assert fields.kind.value == "апелляционное определение"
    assert fields.instance.value == "appeal"
    assert fields.court.value == "Московский городской суд"
    assert fields.appeal_result.value == "upheld"
    assert fields.first_instance_link.value is not None
    assert fields.first_instance_link.value.uid == "77RS0014-02-2021-001234-56"
    assert fields.outcome.value is None


@pytest.mark.parametrize(
    ("phrase", "result"),
    [
        ("Оставить решение без изменения, жалобу без удовлетворения", "upheld"),
        ("Отменить решение (определение) полностью, вынести новое решение", "reversed"),
        ("Отменить решение (определение) частично, вынести решение по существу", "partly_reversed"),
        ("Решение изменить в части размера неустойки", "modified"),
        ("Возвращено, 24.08.2022", "returned"),
        ("Отложено до 26.10.2022 12:25", "pending"),
        ("Шешім өзгеріссіз қалдырылсын", "upheld"),
        ("Шешімнің күші жойылсын", "reversed"),
    ],
)
def test_appeal_results(phrase: str, result: str):
    assert appeal_result_of(phrase) == result


def test_case_card():
    fields = read_card(text_of(COURT_ACTS / "appeal-cards" / "case_33-4567.htm"))

    assert fields.kind.value == "карточка дела"
    assert fields.court.value == "Московский городской суд"
    assert fields.case_number.value == "33-4567/2022"
    assert fields.uid.value == "77RS0014-02-2021-001234-56"
    assert fields.date.value == date(2022, 8, 15)
    assert fields.appeal_result.value == "partly_reversed"
    link = fields.first_instance_link.value
    assert link is not None and (link.case_number, link.uid) == (
        "02-1234/2022",
        "77RS0014-02-2021-001234-56",
    )


def test_kazakh_verdict():
    fields = read_act((FIXTURES / "acts" / "kk_criminal_partly.txt").read_text("utf-8"))

    assert fields.lang == "kk"
    assert fields.kind.value == "приговор"
    assert fields.date.value == date(2024, 4, 5)
    assert fields.court.value == "Шымкент қаласының № 2 аудандық соты"
    assert fields.case_number.value == "1-734/2024"
    assert fields.category.value == "criminal"
    assert fields.articles.value == ["ч. 2 ст. 191 УК РК", "ч. 1 ст. 188 УК РК"]
    assert fields.punishment.value is not None
    assert (fields.punishment.value.type, fields.punishment.value.term_months) == (
        "лишение свободы",
        36,
    )


def test_kazakh_appeal_collegium_court_in_the_nominative():
    fields = read_act((FIXTURES / "acts" / "ru_appeal_overturned.txt").read_text("utf-8"))

    assert fields.court.value == "Павлодарский областной суд"
    assert fields.instance.value == "appeal"
    assert fields.appeal_result.value == "reversed"


def test_prose_starting_with_a_kind_word_is_not_an_act():
    with pytest.raises(ValueError, match="not a court act"):
        read_act("Решение суда можно обжаловать в течение месяца. Так написано в памятке.")
