"""Readers: every supported format, its failure modes, and the shared legal texts."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import docx
import pytest

from indexer.chunking import chunk_document
from indexer.readers import SUPPORTED_SUFFIXES, ReaderError, ReadResult, iter_files, read_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "docs"
SHARED = Path(__file__).resolve().parents[2] / "shared"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# A Latin "i"/"I" touching a Cyrillic letter: a look-alike left inside a Kazakh word.
LATIN_I_IN_CYRILLIC = re.compile(r"[\u0400-\u04ff][iI]|[iI][\u0400-\u04ff]")


def read_one(path: Path, root: Path = FIXTURES) -> ReadResult:
    result = read_file(path, root)
    assert len(result.documents) == 1
    return result


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- iter_files ------------------------------------------------------------------------------


def test_iter_files_walks_sorted_and_skips_hidden_unsupported_and_notes(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    for rel in ["b/z.md", "b/a.txt", "a.jsonl", "c/d/e.html", "f.PDF"]:
        write(root / rel, "x")
    for rel in [
        ".hidden.md",
        ".git/x.md",
        "b/.cache/y.md",
        "notes.yaml",
        "SOURCE.txt",
        "README.md",
    ]:
        write(root / rel, "x")

    found = list(iter_files([root]))

    assert [f.relative_to(root).as_posix() for f, _ in found] == [
        "a.jsonl",
        "b/a.txt",
        "b/z.md",
        "c/d/e.html",
        "f.PDF",
    ]
    assert all(r == root for _, r in found)


def test_iter_files_single_file_has_parent_as_root(tmp_path: Path) -> None:
    file = write(tmp_path / "docs" / "one.md", "# One\n\nText.")
    assert list(iter_files([file])) == [(file, file.parent)]


def test_iter_files_missing_path_and_unsupported_file_raise(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="no such file or directory"):
        list(iter_files([tmp_path / "missing"]))
    odd = write(tmp_path / "data.csv", "a,b")
    with pytest.raises(ReaderError, match=r"unsupported file type '\.csv'"):
        list(iter_files([odd]))


def test_supported_suffixes() -> None:
    assert {".md", ".txt", ".jsonl", ".pdf", ".docx", ".doc", ".rtf", ".html", ".htm"} == (
        SUPPORTED_SUFFIXES
    )


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_front_matter_fields_and_metadata() -> None:
    result = read_one(FIXTURES / "guidance" / "kk" / "pay.md")
    doc = result.documents[0]

    assert result.warnings == []
    assert doc.doc_id == "pay-kk-fixture"
    assert doc.source == "docs/guidance/kk/pay.md"
    assert doc.title == "Алқабиге ақы қалай төленеді"  # front matter wins over the "# " heading
    assert (doc.lang, doc.doc_type, doc.category) == ("kk", "guidance", "pay")
    assert doc.date is not None and doc.date.isoformat() == "2025-03-01"
    assert doc.metadata == {
        "group": "pay",
        "topic": "payment",
        "sources": [{"act": "jury-law", "article": "17"}],
        "reviewed": "2025-04-02",  # YAML dates become ISO strings so metadata stays JSON
    }
    assert not doc.text.startswith("---")
    assert doc.text.startswith("# Ақы төлеу")
    assert re.fullmatch(r"[0-9a-f]{64}", doc.content_hash)


def test_markdown_defaults_from_path_and_heading(tmp_path: Path) -> None:
    root = tmp_path / "guidance"
    path = write(root / "ru" / "oath.md", "# Присяга\r\n\r\nПрисяжные   дают присягу.\r\n")
    doc = read_one(path, root).documents[0]

    assert doc.doc_id == "ru/oath"
    assert doc.source == "guidance/ru/oath.md"
    assert doc.title == "Присяга"
    assert (doc.lang, doc.doc_type) == ("ru", "document")
    assert doc.text == "# Присяга\n\nПрисяжные дают присягу."


def test_official_kazakh_law_markdown_reads_cleanly() -> None:
    doc = read_one(FIXTURES / "law" / "kk" / "alqabi-zan.md").documents[0]

    assert doc.title == "Алқабилердің жұмысы туралы үлгі заң"
    assert (doc.lang, doc.doc_type) == ("kk", "law")
    assert "<a" not in doc.text
    assert "\n\n\n" not in doc.text
    assert "## 1-бап. Негізгі ұғымдар" in doc.text
    assert not LATIN_I_IN_CYRILLIC.search(doc.text)


def test_official_russian_code_markdown_title_and_front_matter() -> None:
    doc = read_one(FIXTURES / "law" / "ru" / "upk-razdel.md").documents[0]

    # No "# " heading: the first heading that is not an article names the document.
    assert doc.title == "Раздел 3. Участие граждан в правосудии"
    assert doc.doc_type == "law"
    assert doc.metadata == {"part_of": "../ru.md", "source": "https://example.org/code/ru/razdel-3"}
    assert doc.text.startswith("## Раздел 3.")


def test_content_hash_tracks_text_and_indexed_metadata(tmp_path: Path) -> None:
    body = "---\ncategory: pay\n---\n# Ақы\n\nАлқабиге ақы төленеді."
    first = read_one(write(tmp_path / "a.md", body), tmp_path).documents[0]
    again = read_one(write(tmp_path / "a.md", body), tmp_path).documents[0]
    other_meta = read_one(write(tmp_path / "a.md", body.replace("pay", "fees")), tmp_path)
    other_text = read_one(write(tmp_path / "a.md", body + " Иә."), tmp_path)

    assert first.content_hash == again.content_hash
    assert other_meta.documents[0].content_hash != first.content_hash
    assert other_text.documents[0].content_hash != first.content_hash


def test_markdown_bad_fields_warn_and_bad_yaml_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "a.md", "---\nlang: kz\ndate: someday\n---\nМәтін бар.")
    result = read_one(path, tmp_path)
    assert result.documents[0].lang == "kk"  # "kz" is a common alias
    assert result.documents[0].date is None
    assert result.warnings == [
        f"{result.documents[0].source}: cannot parse date 'someday' "
        "(want YYYY-MM-DD or DD.MM.YYYY), ignored"
    ]

    broken = write(tmp_path / "b.md", "---\ntitle: [unclosed\n---\nText.")
    with pytest.raises(ReaderError, match="invalid YAML front matter"):
        read_file(broken, tmp_path)


def test_empty_markdown_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "empty.md", '---\ntitle: Бос\n---\n\n<a id="st1"></a>\n')
    with pytest.raises(ReaderError, match="empty document") as info:
        read_file(path, tmp_path)
    assert isinstance(info.value, ValueError)
    assert info.value.path == path


# --- plain text ------------------------------------------------------------------------------


def test_txt_joins_hyphenation_and_wrapped_lines() -> None:
    doc = read_one(FIXTURES / "essays" / "hyphen.txt").documents[0]

    assert doc.title == "АЛҚАБИЛЕР ЖӘНЕ ҚОҒАМ"
    assert doc.doc_id == "essays/hyphen"
    assert "қатысуының маңызды нысаны" in doc.text
    assert "кеңінен талқыланды" in doc.text
    assert "Нұр-Сұлтан" in doc.text  # a compound split at a line end keeps its hyphen
    assert "дамыту сот жүйесіне" in doc.text
    # Bullets stay on their own lines.
    assert "көреді;\n• екіншіден" in doc.text


def test_txt_long_first_line_gives_stem_title(tmp_path: Path) -> None:
    path = write(tmp_path / "long-essay.txt", "Сөз " * 60 + "\n\nЕкінші абзац.")
    assert read_one(path, tmp_path).documents[0].title == "long-essay"


def test_binary_file_named_txt_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    with pytest.raises(ReaderError, match="binary file"):
        read_file(path, tmp_path)


def test_non_utf8_text_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "cp1251.txt", "Присяжный заседатель".encode("cp1251"))
    with pytest.raises(ReaderError, match="not UTF-8 text"):
        read_file(path, tmp_path)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = write(tmp_path / "notepad.txt", "Алқаби ант береді.".encode("utf-16"))
    assert read_one(path, tmp_path).documents[0].text == "Алқаби ант береді."


# --- JSONL -----------------------------------------------------------------------------------


def test_jsonl_reads_good_lines_and_reports_bad_ones() -> None:
    result = read_file(FIXTURES / "faq" / "faq.jsonl", FIXTURES)
    docs = {d.doc_id: d for d in result.documents}

    assert list(docs) == ["faq-pay-kk", "faq-fine-ru", "kazqad-1"]
    assert [re.search(r"line (\d+)", w).group(1) for w in result.warnings] == ["3", "5", "7", "8"]
    assert "invalid JSON" in result.warnings[0]
    assert "duplicate id 'faq-pay-kk' (first on line 1)" in result.warnings[1]
    assert all(w.startswith("docs/faq/faq.jsonl: ") for w in result.warnings)

    pay = docs["faq-pay-kk"]
    assert pay.text.startswith("Иә. Алқаби")  # the first line wins over the duplicate
    assert (pay.lang, pay.doc_type, pay.category) == ("kk", "faq", "pay")
    assert pay.metadata["paraphrases"] == [
        "Алқабиге жалақы бере ме?",
        "Сотқа барған күнге ақша төлей ме?",
    ]
    assert pay.metadata["sources"] == [{"act": "jury-law", "article": "17"}]
    assert pay.metadata["group"] == "pay"
    assert docs["faq-fine-ru"].date is not None

    squad = docs["kazqad-1"]  # "doc_id" and "context" are accepted too
    assert squad.text.startswith("Алматы – Қазақстандағы")
    assert squad.metadata["answers"] == {"text": ["Алматы"], "answer_start": [0]}
    assert squad.source == "docs/faq/faq.jsonl"


def test_jsonl_lines_without_id_get_line_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "faq" / "ru.jsonl", '\n{"text": "Первый."}\n{"content": "Второй."}\n')
    result = read_file(path, tmp_path / "faq")
    assert [d.doc_id for d in result.documents] == ["ru:2", "ru:3"]


def test_jsonl_with_no_good_line_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.jsonl", "{oops\n[]\n")
    with pytest.raises(ReaderError, match=r"no readable lines \(2 bad\)"):
        read_file(path, tmp_path)
    empty = write(tmp_path / "empty.jsonl", "\n\n")
    with pytest.raises(ReaderError, match="empty document"):
        read_file(empty, tmp_path)


# --- PDF -------------------------------------------------------------------------------------


def make_pdf(path: Path, pages: list[list[str]], encrypt: str | None = None) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), encrypt=encrypt)
    for lines in pages:
        if lines:
            # Cyrillic needs an embedded TrueType font; the built-in Helvetica has none.
            pdfmetrics.registerFont(TTFont("DejaVuSans", str(DEJAVU)))
            pdf.setFont("DejaVuSans", 11)
        for n, line in enumerate(lines):
            pdf.drawString(60, 780 - 15 * n, line)
        pdf.showPage()
    pdf.save()
    return path


needs_font = pytest.mark.skipif(not DEJAVU.exists(), reason="DejaVuSans.ttf is not installed")
PDF_PAGES = [
    [
        "Алқабиге арналған жаднама",
        "Алқаби сотқа шақырылған күні белгіленген уақытта келуге мін-",
        "детті. Ол сот отырысында дәлелдемелерді тыңдап, үкімге қатысты",
        "сұрақтарға жауап береді.",
    ],
    ["Алқабиге сотта болған әр күні үшін ақы төленеді."],
]


@needs_font
def test_pdf_with_cyrillic_text(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "memo.pdf", PDF_PAGES)
    doc = read_one(path, tmp_path).documents[0]

    assert doc.title == "Алқабиге арналған жаднама"
    assert doc.lang == "kk"
    assert "келуге міндетті. Ол сот отырысында" in doc.text
    assert "үкімге қатысты сұрақтарға" in doc.text
    # A page that ends a sentence ends its paragraph (one that does not runs on: see
    # test_pdf_paragraph_runs_over_page_break).
    assert doc.text.endswith("жауап береді.\nАлқабиге сотта болған әр күні үшін ақы төленеді.")


@needs_font
def test_encrypted_pdf_raises(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "locked.pdf", PDF_PAGES, encrypt="secret")
    with pytest.raises(ReaderError, match="encrypted PDF"):
        read_file(path, tmp_path)


def test_pdf_without_text_raises(tmp_path: Path) -> None:
    path = make_pdf(tmp_path / "blank.pdf", [[]])
    with pytest.raises(ReaderError, match="no extractable text"):
        read_file(path, tmp_path)


def test_corrupt_pdf_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.pdf", b"%PDF-1.7\n" + os.urandom(4096))
    with pytest.raises(ReaderError, match=r"broken\.pdf: corrupt PDF"):
        read_file(path, tmp_path)


# --- DOCX ------------------------------------------------------------------------------------


def test_docx_headings_and_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("Алқабилерге арналған нұсқаулық", level=0)
    document.add_paragraph("Бұл нұсқаулық алқабилердің негізгі сұрақтарына жауап береді.")
    document.add_heading("1-тарау. Жалпы ережелер", level=1)
    document.add_heading("5-бап. Ақы төлеу", level=2)
    document.add_paragraph("Алқабиге сотта болған әр күні үшін ақы төленеді.")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, [("Күн", "Сома"), ("Дүйсенбі", "5 АЕК")], strict=True):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    path = tmp_path / "guide.docx"
    document.save(str(path))

    doc = read_one(path, tmp_path).documents[0]

    assert doc.title == "Алқабилерге арналған нұсқаулық"
    assert (doc.lang, doc.doc_type) == ("kk", "law")
    assert doc.text.startswith("# Алқабилерге арналған нұсқаулық\n\nБұл нұсқаулық")
    assert "\n\n# 1-тарау. Жалпы ережелер\n\n## 5-бап. Ақы төлеу\n\n" in doc.text
    assert doc.text.endswith("Күн | Сома\nДүйсенбі | 5 АЕК")
    last = chunk_document(doc)[-1]
    assert last.article == "5"
    assert last.heading_path == ["1-тарау. Жалпы ережелер", "5-бап. Ақы төлеу"]


def test_corrupt_docx_raises(tmp_path: Path) -> None:
    garbage = write(tmp_path / "garbage.docx", b"PK\x03\x04" + os.urandom(512))
    with pytest.raises(ReaderError, match="corrupt DOCX"):
        read_file(garbage, tmp_path)
    not_word = tmp_path / "zip.docx"
    with zipfile.ZipFile(not_word, "w") as archive:
        archive.writestr("hello.txt", "not a Word document")
    with pytest.raises(ReaderError, match="corrupt DOCX"):
        read_file(not_word, tmp_path)


# --- HTML ------------------------------------------------------------------------------------


def test_html_drops_script_style_nav_and_keeps_structure() -> None:
    doc = read_one(FIXTURES / "pages" / "page.html").documents[0]

    assert doc.title == "Памятка присяжному заседателю"
    assert doc.lang == "ru"
    for hidden in ("секретный код", "ещё скрипт", "color: red", "Главная", "Новости"):
        assert hidden not in doc.text
    assert doc.text == (
        "# Памятка присяжному\n\n"
        "Присяжный заседатель решает вопросы факта, а судья — вопросы права.\n\n"
        "## Что взять с собой\n\n"
        "- удостоверение личности;\n- извещение из суда.\n\n"
        "День | Время\nПонедельник | 09:00"
    )


def test_html_title_falls_back_to_h1_and_honours_declared_charset(tmp_path: Path) -> None:
    page = '<html><head><meta charset="windows-1251"></head><body><h1>Вердикт</h1><p>Текст.</p>'
    path = write(tmp_path / "old.htm", page.encode("cp1251"))
    doc = read_one(path, tmp_path).documents[0]
    assert doc.title == "Вердикт"
    assert doc.text == "# Вердикт\n\nТекст."


# --- the shared legal texts ------------------------------------------------------------------

SHARED_DIRS = ["data/kz-jury-law", "data/kz-cpc-jury-section", "seeds"]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not present")
@pytest.mark.parametrize("folder", SHARED_DIRS)
def test_shared_texts_read_without_error(folder: str) -> None:
    documents = []
    for path, root in iter_files([SHARED / folder]):
        result = read_file(path, root)
        assert result.warnings == []
        documents.extend(result.documents)

    assert documents
    for doc in documents:
        assert doc.text.strip() and doc.title
        assert not Path(doc.source).is_absolute()
        assert "<a id=" not in doc.text
        if doc.lang == "kk" and doc.doc_type == "law":
            assert not LATIN_I_IN_CYRILLIC.search(doc.text), doc.source
    if folder != "seeds":
        assert {d.doc_type for d in documents} == {"law"}
        assert {d.lang for d in documents} == {"kk", "ru"}
