"""Court formats: Word 97 through antiword/catdoc, RTF, PDF through pdftotext, court-site HTML,
and the fixed-width print layout reflowed into paragraphs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import indexer.converters
from indexer.layout import reflow, strip_page_furniture
from indexer.readers import ReaderError, iter_files, read_file
from tests.conftest import SHARED, requires_shared

FIXTURES = Path(__file__).parent / "fixtures" / "court_acts"
REAL = SHARED / "data" / "ru-court-acts"


def read_one(path: Path) -> str:
    return read_file(path, path.parent).documents[0].text


# --- layout -----------------------------------------------------------------------------------

JUSTIFIED = """\
                              РЕШЕНИЕ
                    Именем Российской Федерации

      Суд  в  составе  председательствующего  судьи,  рассмотрев  дело  по
иску  о  взыскании  долга,  установил,  что  долг  не  возвращён  в  срок,
указанный в договоре.
      Второй абзац начинается с отступа и занимает
одну строку продолжения.
                                 - 2 -
      Третий абзац.
"""


def test_reflow_joins_wrapped_lines_and_keeps_paragraphs():
    lines = reflow(JUSTIFIED).split("\n")

    assert lines[0] == "РЕШЕНИЕ"
    assert lines[1] == "Именем Российской Федерации"
    assert (
        "Суд в составе председательствующего судьи, рассмотрев дело по иску о взыскании долга, "
        "установил, что долг не возвращён в срок, указанный в договоре."
    ) in lines
    assert "Второй абзац начинается с отступа и занимает одну строку продолжения." in lines
    assert "Третий абзац." in lines
    # The page number between paragraphs is gone, padding is collapsed.
    assert not any(line.strip("- ").isdigit() for line in lines)
    assert not any("  " in line for line in lines)


def test_reflow_keeps_lines_of_unwrapped_text():
    # Word output without wrapping: every line is a paragraph, even one in lower case.
    long = "а" * 200
    text = f"      Первый абзац {long}.\n      фио обратился в суд {long}."

    assert reflow(text).split("\n") == [f"Первый абзац {long}.", f"фио обратился в суд {long}."]


def test_reflow_joins_a_hyphenated_word():
    text = "Суд  в  составе  судьи  рассмотрел  материалы  дела  и  установил  обсто-\nятельства.\n"

    assert "обстоятельства." in reflow(text)
    # A number wrapped at one of its own hyphens keeps the hyphen and loses the break.
    uid = "дело  №  2-555/2023  рассмотрено  судом  (УИД  77RS0029-02-\n2022-005555-10)"
    assert "(УИД 77RS0029-02-2022-005555-10)" in reflow(uid)


def test_page_furniture_is_dropped():
    pages = [
        "Официальный сайт суда: 1 страница\nтекст первой страницы\n1",
        "Официальный сайт суда: 2 страница\nтекст второй страницы\n- 2 -",
        "Официальный сайт суда: 3 страница\nтекст третьей страницы\nСтраница 3 из 3",
    ]

    kept = strip_page_furniture(pages)

    assert kept == ["текст первой страницы", "текст второй страницы", "текст третьей страницы"]


# --- formats ----------------------------------------------------------------------------------


def test_rtf_in_its_code_page_is_read_and_reflowed():
    text = read_one(FIXTURES / "district" / "2-1234_2022.rtf")

    assert text.startswith("Р Е Ш Е Н И Е\nИменем Российской Федерации")
    assert (
        "Лефортовский районный суд города Москвы в составе председательствующего судьи "
        "Смирновой А.А., при секретаре"
    ) in text
    assert "удовлетворить частично." in text
    assert "- 2 -" not in text


def test_a_doc_that_is_really_rtf_is_read_as_rtf():
    doc = FIXTURES / "misnamed" / "2-1234_2022_copy.doc"
    assert read_one(doc) == read_one(FIXTURES / "district" / "2-1234_2022.rtf")


def test_court_site_html_in_windows_1251_without_a_declared_charset():
    text = read_one(FIXTURES / "appeal-cards" / "case_33-4567.htm")

    assert "Уникальный идентификатор дела" in text
    assert "Отменить решение (определение) частично" in text


def test_docx_act():
    text = read_one(FIXTURES / "district" / "2-777_2021.docx")

    assert "ЗАОЧНОЕ РЕШЕНИЕ" in text
    assert "двадцать третьего декабря две тысячи двадцать первого года" in text


def test_pdf_drops_page_numbers_and_repeated_header_and_joins_across_pages():
    text = read_one(FIXTURES / "commercial" / "A40-1111-2013.pdf")

    assert "Официальный сайт суда" not in text
    assert "\n2\n" not in text and not text.rstrip().endswith("2")
    assert (
        "в передаче дела № А40-1111/2013 в Президиум Высшего Арбитражного Суда Российской "
        "Федерации для пересмотра в порядке надзора отказать." in text
    )
    # A paragraph that runs over the page break is one paragraph.
    assert "просит отменить судебные акты, ссылаясь" in text


def test_a_doc_that_is_no_word_file_is_refused(tmp_path: Path):
    doc = tmp_path / "act.doc"
    doc.write_bytes(b"just some bytes, no Word header" * 10)

    with pytest.raises(ReaderError, match="not a Word document"):
        read_file(doc, tmp_path)


def test_a_broken_word_file_gets_both_converters_reasons(tmp_path: Path):
    doc = tmp_path / "broken.doc"
    doc.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + os.urandom(2000))

    with pytest.raises(ReaderError, match=r"cannot convert Word 97 file \(antiword.*catdoc"):
        read_file(doc, tmp_path)


def _fake_tool(folder: Path, name: str, script: str) -> None:
    tool = folder / name
    tool.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)


def test_missing_converters_are_named_with_their_package(tmp_path: Path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    doc = tmp_path / "act.doc"
    doc.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600)

    with pytest.raises(ReaderError, match=r"antiword is not installed.*apt-get install"):
        read_file(doc, tmp_path)


def test_a_converter_that_hangs_is_stopped(tmp_path: Path, monkeypatch):
    # The converter is the edge here: a stand-in that never finishes.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("antiword", "catdoc"):
        _fake_tool(bin_dir, name, "sleep 30")
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setattr(indexer.converters, "CONVERTER_TIMEOUT_S", 0.5)
    doc = tmp_path / "slow.doc"
    doc.write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600)

    with pytest.raises(ReaderError, match=r"took longer than 0\.5 s"):
        read_file(doc, tmp_path)


def test_an_unreadable_file_does_not_stop_the_others(tmp_path: Path):
    (tmp_path / "good.rtf").write_bytes((FIXTURES / "district" / "2-1234_2022.rtf").read_bytes())
    (tmp_path / "bad.doc").write_bytes(b"\x00garbage")
    outcomes = {}
    for path, root in iter_files([tmp_path]):
        try:
            outcomes[path.name] = bool(read_file(path, root).documents)
        except ReaderError as exc:
            outcomes[path.name] = exc.reason

    assert outcomes["good.rtf"] is True
    assert "not a Word document" in str(outcomes["bad.doc"])


# --- the real acts ----------------------------------------------------------------------------


@requires_shared
def test_every_real_court_act_is_readable():
    failures, documents = [], 0
    for path, root in iter_files([REAL]):
        try:
            documents += len(read_file(path, root).documents)
        except ReaderError as exc:
            failures.append(str(exc))

    assert failures == []
    assert documents == 85


@requires_shared
def test_a_word_97_act_through_antiword():
    doc = next((REAL / "moscow-civil").glob("Дело 02-1380_2017*.doc"))
    text = read_one(doc)

    assert text.startswith("РЕШЕНИЕ\nИменем Российской Федерации")
    assert "Басманный районный суд города Москвы в составе председательствующего судьи" in text
    # Hard-wrapped lines of the original are joined into one paragraph.
    assert "о взыскании денежных средств по договору займа удовлетворить частично." in text
