"""Chunking: structure, article numbers, exact offsets, size limits and sentence splitting."""

from __future__ import annotations

import itertools
import random
from datetime import date
from pathlib import Path

import pytest

from assistant.core.schemas import Chunk, SourceDocument
from assistant.core.text import normalize
from indexer.chunking import chunk_document, has_article_headings, is_heading_line
from indexer.readers import iter_files, read_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "docs"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def make_doc(text: str, doc_id: str = "doc", **fields: object) -> SourceDocument:
    return SourceDocument(
        doc_id=doc_id,
        source=f"test/{doc_id}.md",
        title="Сынақ құжаты",
        text=normalize(text),
        content_hash="0" * 64,
        **fields,
    )


def fixture_doc(rel: str) -> SourceDocument:
    (doc,) = read_file(FIXTURES / rel, FIXTURES).documents
    return doc


def check_invariants(doc: SourceDocument, chunks: list[Chunk], max_chars: int) -> None:
    """Offsets, limits and ids that every chunking must satisfy."""
    assert chunks
    previous_end = 0
    for ordinal, chunk in enumerate(chunks):
        assert chunk.ordinal == ordinal
        assert chunk.chunk_id == f"{doc.doc_id}#{ordinal}"
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert chunk.text.strip() == chunk.text != ""
        assert len(chunk.text) <= max_chars
        assert chunk.start >= previous_end  # in order, never overlapping
        previous_end = chunk.end


# --- structure -------------------------------------------------------------------------------


def test_kazakh_law_articles_and_heading_paths() -> None:
    doc = fixture_doc("law/kk/alqabi-zan.md")
    chunks = chunk_document(doc)
    check_invariants(doc, chunks, 1000)

    title = "Алқабилердің жұмысы туралы үлгі заң"
    assert [(c.article, c.heading_path) for c in chunks] == [
        (None, [title]),
        ("1", [title, "1-бап. Негізгі ұғымдар"]),
        ("2", [title, "2-бап. Алқабиге қойылатын талаптар"]),
        ("3", [title, "3-бап. Ақы төлеу"]),
    ]
    assert chunks[1].text.startswith("## 1-бап. Негізгі ұғымдар\n\nОсы үлгі заңда")
    assert chunks[1].text.endswith("әлі іріктелмеген азамат.")


def test_russian_code_sections_chapters_and_articles() -> None:
    doc = fixture_doc("law/ru/upk-razdel.md")
    chunks = chunk_document(doc)
    check_invariants(doc, chunks, 1000)

    section = "Раздел 3. Участие граждан в правосудии"
    assert [(c.article, c.heading_path) for c in chunks] == [
        (
            "70",
            [
                section,
                "Глава 7. Общие правила",
                "Статья 70. Право граждан участвовать в рассмотрении дел",
            ],
        ),
        ("71", [section, "Глава 7. Общие правила", "Статья 71. Состав суда"]),
        ("72", [section, "Глава 8. Отбор кандидатов", "Статья 72. Список кандидатов"]),
        ("72-1", [section, "Глава 8. Отбор кандидатов", "Статья 72-1. Самоотвод кандидата"]),
    ]
    # Stacked headings lead the first article's chunk; none is a chunk of its own.
    assert chunks[0].text.startswith("## Раздел 3.")
    assert chunks[2].text.startswith("### Глава 8. Отбор кандидатов\n\n#### Статья 72.")


def test_plain_text_article_headings_without_markdown() -> None:
    doc = make_doc(
        "Раздел 1. Общие положения\n"
        "Глава 1. Основы\n"
        "Статья 1. Задачи\n"
        "Закон защищает права граждан.\n"
        "Статья 116 (частью второй) Кодекса здесь только упомянута.\n"
        "Статья 2\n"
        "Суд независим.\n"
        "Глава 2. Участники\n"
        "Статья 3. Суд\n"
        "Суд рассматривает дела.\n"
    )
    chunks = chunk_document(doc)
    check_invariants(doc, chunks, 1000)

    assert [(c.article, c.heading_path) for c in chunks] == [
        ("1", ["Раздел 1. Общие положения", "Глава 1. Основы", "Статья 1. Задачи"]),
        ("2", ["Раздел 1. Общие положения", "Глава 1. Основы", "Статья 2"]),
        ("3", ["Раздел 1. Общие положения", "Глава 2. Участники", "Статья 3. Суд"]),
    ]
    assert "Статья 116 (частью второй)" in chunks[0].text


@pytest.mark.parametrize(
    ("line", "article"),
    [
        ("1-бап. Негізгі ұғымдар", "1"),
        ("12-бап.", "12"),
        ("#### 63-1-бап. Қосымша бап", "63-1"),
        ("Статья 631. Подсудность", "631"),
        ("**Статья 10.** Оплата", "10"),
        ("Article 5", "5"),
        ("## Article 7. Scope", "7"),
    ],
)
def test_article_heading_forms(line: str, article: str) -> None:
    doc = make_doc(f"{line}\n\nМәтін осында.")
    assert is_heading_line(line)
    assert has_article_headings(doc.text)
    assert [c.article for c in chunk_document(doc)] == [article]


@pytest.mark.parametrize(
    "line",
    [
        "Статья 116 (частью второй) применяется.",
        "12-бапқа сәйкес алқаби шақырылады.",
        "Суд, руководствуясь статьей 5. Далее текст.",
        "#hashtag без пробела",
    ],
)
def test_body_lines_are_not_headings(line: str) -> None:
    assert not is_heading_line(line)
    assert not has_article_headings(line)


def test_heading_only_fragment_is_never_a_chunk() -> None:
    doc = make_doc("# Нұсқаулық\n\n## Ант\n\nАлқабилер ант береді.\n\n## Бос бөлім")
    chunks = chunk_document(doc)
    check_invariants(doc, chunks, 1000)

    assert len(chunks) == 1
    assert chunks[0].text == "# Нұсқаулық\n\n## Ант\n\nАлқабилер ант береді."
    assert chunks[0].heading_path == ["Нұсқаулық", "Ант"]


def test_document_of_only_a_heading_is_one_chunk() -> None:
    doc = make_doc("# Тек тақырып")
    assert [c.text for c in chunk_document(doc)] == ["# Тек тақырып"]


def test_small_paragraphs_merge_under_a_heading_but_not_across_headings() -> None:
    doc = make_doc(
        "## Ақы\n\nБірінші абзац.\n\nЕкінші абзац.\n\nҮшінші абзац.\n\n## Жұмыс\n\nТөртінші абзац."
    )
    chunks = chunk_document(doc, min_chars=0)
    check_invariants(doc, chunks, 1000)

    assert [c.text for c in chunks] == [
        "## Ақы\n\nБірінші абзац.\n\nЕкінші абзац.\n\nҮшінші абзац.",
        "## Жұмыс\n\nТөртінші абзац.",
    ]


def test_short_intro_leads_the_first_subsection() -> None:
    doc = make_doc("АПТА ТАҚЫРЫБЫ\n\n## Цифрлық сот\n\nСоттар электронды іс жүргізуге көшті.")
    chunks = chunk_document(doc)
    assert [(c.text, c.heading_path) for c in chunks] == [(doc.text, ["Цифрлық сот"])]


def test_outer_headings_left_out_when_they_leave_no_room() -> None:
    long_heading = "Ұзын тақырып " * 6
    body = "Алқаби сотқа келеді және ант береді, содан кейін істі қарайды әрі шешім шығарады."
    doc = make_doc(f"# {long_heading}\n\n## Қысқа\n\n{body}")
    (chunk,) = chunk_document(doc, max_chars=110, min_chars=60)

    assert chunk.text == f"## Қысқа\n\n{body}"
    assert chunk.heading_path == [long_heading.strip(), "Қысқа"]


# --- sizes and splitting ---------------------------------------------------------------------

SENTENCES = [
    "Сот отырысына ҚР Азаматтық кодексінің ст. 5 бойынша барлық тараптар шақырылады.",
    "Төрағалық етуші, прокурор, қорғаушы т.б. қатысушылар өз орындарын алады.",
    "Бұл тәртіпті Н. Ә. Назарбаев қол қойған заң 2007 ж. бастап белгілеген.",
    "Алқабилер ант бергеннен кейін ғана істі қарауға кірісе алады!",
    "Председатель разъясняет права согласно п. 3 ч. 1 ст. 647 Кодекса.",
    "Бірінші тармақ алқабилердің құқықтары толық сипатталған соң осы жерде аяқталады.",
    "2. Екінші тармақ жаңа сөйлемнен басталады және алқабилердің міндеттерін сипаттайды.",
]


def test_long_paragraph_splits_on_sentence_boundaries_only() -> None:
    doc = make_doc(" ".join(SENTENCES))
    longest = max(len(s) for s in SENTENCES)
    # No two neighbours fit together, so each chunk must be exactly one sentence.
    assert all(len(a) + len(b) + 1 > longest for a, b in itertools.pairwise(SENTENCES))
    chunks = chunk_document(doc, max_chars=longest, min_chars=0)
    check_invariants(doc, chunks, longest)

    assert [c.text for c in chunks] == SENTENCES


def test_long_sentence_splits_between_words() -> None:
    words = [f"сөз{n}" for n in range(200)]
    doc = make_doc(" ".join(words))
    chunks = chunk_document(doc, max_chars=80, min_chars=0)
    check_invariants(doc, chunks, 80)

    for chunk in chunks:
        assert chunk.start == 0 or doc.text[chunk.start - 1] == " "
        assert chunk.end == len(doc.text) or doc.text[chunk.end] == " "
    assert " ".join(c.text for c in chunks) == doc.text


def test_word_longer_than_max_chars_is_cut_hard() -> None:
    doc = make_doc("a" * 250)
    chunks = chunk_document(doc, max_chars=100, min_chars=0)
    check_invariants(doc, chunks, 100)
    assert [len(c.text) for c in chunks] == [100, 100, 50]


def test_short_tail_takes_text_from_the_chunk_before() -> None:
    sentence = (
        "Алқаби сот отырысында тараптарды мұқият тыңдап, "
        "дәлелдемелерді зерттеуге белсенді қатысады."
    )
    doc = make_doc(" ".join([sentence] * 11))
    chunks = chunk_document(doc, max_chars=1000, min_chars=200)
    check_invariants(doc, chunks, 1000)

    # Greedy packing alone would leave a one-sentence tail of about 80 characters.
    assert len(chunks) == 2
    assert min(len(c.text) for c in chunks) >= 200


@pytest.mark.parametrize("max_chars", [120, 300, 600, 1000])
def test_limits_hold_on_law_fixtures(max_chars: int) -> None:
    for rel in ["law/kk/alqabi-zan.md", "law/ru/upk-razdel.md", "essays/hyphen.txt"]:
        doc = fixture_doc(rel)
        check_invariants(doc, chunk_document(doc, max_chars=max_chars, min_chars=50), max_chars)


# Pieces of generated documents: headings of every kind, lists, abbreviations, long words.
BLOCKS = [
    "# Заң",
    "## 5-бап. Ақы",
    "#### Статья 631. Подсудность",
    "Глава 2. Участники",
    "Статья 7",
    "1) бірінші тармақ;",
    "2. Суд, согласно ст. 5, рассматривает дело.",
    "Алқаби т.б. қатысушылар келеді! Н. Ә. Назарбаев айтты? Иә.",
    "сөз " * 40,
    "x" * 130,
    "Бір сөйлем. " * 25,
    "",
]


def test_invariants_hold_on_generated_documents() -> None:
    rng = random.Random(20251123)
    for _ in range(300):
        parts = rng.choices(BLOCKS, k=rng.randint(1, 30))
        text = "".join(part + rng.choice(["\n", "\n\n", " "]) for part in parts)
        if not normalize(text):
            continue
        max_chars = rng.randint(20, 400)
        doc = make_doc(text)
        chunks = chunk_document(doc, max_chars=max_chars, min_chars=rng.randint(0, max_chars))
        check_invariants(doc, chunks, max_chars)
        # Only whitespace and headings may be left out of the chunks.
        covered = {i for chunk in chunks for i in range(chunk.start, chunk.end)}
        for line_start, line in _lines_with_offsets(doc.text):
            if line.strip() and not is_heading_line(line):
                span = range(line_start, line_start + len(line))
                assert all(i in covered or doc.text[i].isspace() for i in span), (text, line)


def _lines_with_offsets(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def test_invalid_limits_raise() -> None:
    doc = make_doc("Мәтін.")
    with pytest.raises(ValueError, match="max_chars"):
        chunk_document(doc, max_chars=0)
    with pytest.raises(ValueError, match="min_chars"):
        chunk_document(doc, max_chars=100, min_chars=200)


# --- fields ----------------------------------------------------------------------------------


def test_chunks_carry_document_fields() -> None:
    doc = make_doc(
        "## Ақы\n\nАлқабиге ақы төленеді.",
        doc_id="pay-kk",
        lang="kk",
        doc_type="guidance",
        category="pay",
        date=date(2025, 3, 1),
        metadata={"sources": [{"act": "jury-law", "article": "17"}], "group": "pay"},
    )
    (chunk,) = chunk_document(doc)

    assert chunk.chunk_id == "pay-kk#0"
    assert (chunk.doc_id, chunk.title, chunk.source) == ("pay-kk", doc.title, "test/pay-kk.md")
    assert (chunk.lang, chunk.doc_type, chunk.category, chunk.date) == (
        "kk",
        "guidance",
        "pay",
        date(2025, 3, 1),
    )
    assert chunk.metadata == doc.metadata
    chunk.metadata["sources"].append({"act": "cpc"})
    assert doc.metadata["sources"] == [{"act": "jury-law", "article": "17"}]


def test_faq_with_paraphrases_is_one_chunk_when_it_fits() -> None:
    text = "## Ақы\n\nИә, ақы төленеді.\n\n## Жұмыс орны\n\nЖұмыс орны сақталады."
    faq = make_doc(text, metadata={"paraphrases": ["Алқабиге ақша бере ме?"]})
    plain = make_doc(text)

    (chunk,) = chunk_document(faq)
    assert (chunk.text, chunk.start, chunk.end) == (faq.text, 0, len(faq.text))
    assert len(chunk_document(plain, min_chars=0)) == 2
    assert len(chunk_document(faq, max_chars=30, min_chars=0)) > 1


def test_jsonl_faq_documents_are_single_chunks() -> None:
    for doc in read_file(FIXTURES / "faq" / "faq.jsonl", FIXTURES).documents:
        (chunk,) = chunk_document(doc)
        assert chunk.text == doc.text


def test_chunking_is_deterministic() -> None:
    doc = fixture_doc("law/ru/upk-razdel.md")
    first = [c.model_dump() for c in chunk_document(doc, max_chars=150, min_chars=40)]
    second = [c.model_dump() for c in chunk_document(doc, max_chars=150, min_chars=40)]
    assert first == second


# --- the shared legal texts ------------------------------------------------------------------


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not present")
def test_shared_texts_chunk_within_limits() -> None:
    folders = ["data/kz-jury-law", "data/kz-cpc-jury-section", "seeds"]
    chunks_by_source: dict[str, list[Chunk]] = {}
    for path, root in iter_files([SHARED / f for f in folders]):
        for doc in read_file(path, root).documents:
            chunks = chunk_document(doc)
            check_invariants(doc, chunks, 1000)
            chunks_by_source[doc.source] = chunks

    cpc_ru = chunks_by_source["kz-cpc-jury-section/upk-81164-rus-razdel14-st630-666.md"]
    articles = {c.article for c in cpc_ru}
    assert {str(n) for n in range(630, 667)} <= articles
    art_631 = next(c for c in cpc_ru if c.article == "631")
    assert art_631.heading_path[0].startswith("Раздел 14.")
    assert art_631.heading_path[1].startswith("Глава 65.")
    assert art_631.heading_path[2].startswith("Статья 631. Подсудность")

    law_kk = chunks_by_source["kz-jury-law/alqabiler-turaly-26448.kaz.md"]
    assert {str(n) for n in range(1, 20)} <= {c.article for c in law_kk}
