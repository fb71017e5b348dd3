"""Real court acts become de-identified cases of their collection: labels as data, appeal
links, the index run, ``alqabi cases extract``, and no party's name in what is stored or
served."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pymorphy3
import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.cases.schemas import CaseFilters, CaseSearchRequest
from assistant.core.cases import DOC_TYPE, CourtAct
from assistant.core.config import Settings, StoreSettings
from assistant.core.embeddings import Embedder
from assistant.core.schemas import SourceDocument
from assistant.services import Services
from demo.cases import generate_cases
from demo.cases.cli import write_corpus
from indexer.cases.ingest import IngestReport, as_court_acts, deidentify_act
from indexer.pipeline import Indexer
from indexer.readers import iter_files, read_file
from tests.conftest import SHARED, requires_shared

FIXTURES = Path(__file__).parent / "fixtures" / "court_acts"
REAL = SHARED / "data" / "ru-court-acts"
# Every person the fixture acts name (parties, judges, clerks, lawyers), in some form.
FIXTURE_NAMES = (
    "Петров", "Смирнов", "Орлов", "Кузьмин", "Морозов", "Белов", "Гусев", "Зайцев",
    "Тарасов", "Соколов", "Киселёв", "Глеб", "Вера",
)  # fmt: skip


def read_all(root: Path) -> list[SourceDocument]:
    return [doc for path, top in iter_files([root]) for doc in read_file(path, top).documents]


def served(value: object) -> str:
    """What a page or an API response shows of an act, minus the judge (shown as metadata)."""
    if isinstance(value, dict):
        return json.dumps({k: v for k, v in value.items() if k != "judge"}, ensure_ascii=False)
    return str(value)


def test_labels_belong_to_the_collection():
    real = CourtAct(
        case_id="А40-1/2013",
        collection="ru-court-acts",
        lang="ru",
        instance="supervisory",
        category="commercial",
        outcome="refused_transfer",
        appeal_outcome="partly_reversed",
    )
    assert real.outcome == "refused_transfer"
    # A court's own archive without an entry of its own gets the default real-act labels.
    CourtAct(case_id="x", collection="some-archive", lang="ru", outcome="returned")
    with pytest.raises(ValueError, match="not a label of collection 'demo'"):
        CourtAct(case_id="x", lang="ru", outcome="refused_transfer")
    with pytest.raises(ValueError, match="not a label of collection 'ru-court-acts'"):
        CourtAct(case_id="x", collection="ru-court-acts", lang="ru", outcome="violation")


def test_every_form_of_a_masked_name_is_masked():
    text = (
        "Подсудимый Петров Иван Сергеевич открыто похитил телефон. Вместе с Петровым был "
        "знакомый. Показания Петрова последовательны, Петрову назначено наказание."
    )
    masked, count = deidentify_act(text)

    assert "Петров" not in masked
    assert count >= 4
    assert "открыто похитил телефон" in masked


def test_a_name_given_only_by_the_source_metadata_is_masked():
    masked, _ = deidentify_act("С Кузьминым находился знакомый.", known_names=["Кузьмин О.П."])
    assert "Кузьмин" not in masked


def _fixture_acts() -> tuple[list[SourceDocument], IngestReport]:
    report = IngestReport()
    return as_court_acts(read_all(FIXTURES), report), report


def test_fixture_acts_become_cases_of_their_collection():
    docs, report = _fixture_acts()
    acts = {d.metadata["case_id"]: d for d in docs if d.doc_type == DOC_TYPE}

    assert (report.acts, report.cards) == (6, 1)
    assert {d.metadata["collection"] for d in acts.values()} == {"court_acts"}
    # The JSONL line that is no court act stays an ordinary document.
    assert [d.doc_id for d in docs if d.doc_type != DOC_TYPE] == ["v-2"]
    verdict = CourtAct.from_source_document(acts["1-55/2022"])
    assert verdict.kind == "приговор" and verdict.outcome == "guilty"
    assert verdict.uid == "63RS0038-01-2022-000555-11"
    assert verdict.details["case_number"]["note"] == "from the source's metadata"
    assert verdict.articles == ["УК 161 ч.2"]


def test_the_card_links_to_the_first_instance_act_by_uid():
    docs, report = _fixture_acts()
    acts = {
        d.metadata["case_id"]: CourtAct.from_source_document(d)
        for d in docs
        if d.doc_type == DOC_TYPE
    }

    card = acts["33-4567/2022"]
    assert card.kind == "карточка дела" and card.instance == "appeal"
    assert card.appeal_outcome == "partly_reversed"
    assert card.parent_case_id == "2-1234/2022"
    assert acts["2-1234/2022"].appeal_outcome == "partly_reversed"
    assert report.linked == 1


def test_no_name_of_a_fixture_act_is_stored():
    docs, _ = _fixture_acts()
    for doc in docs:
        if doc.doc_type != DOC_TYPE:
            continue
        stored = doc.text + doc.title + served(doc.metadata)
        leaked = [n for n in FIXTURE_NAMES if n in stored]
        assert not leaked, f"{doc.source}: {leaked}"


@pytest.fixture(scope="module")
def mixed_store(tmp_path_factory, embedder: Embedder) -> Services:
    """Demo acts and the fixture court acts in one store."""
    root = tmp_path_factory.mktemp("mixed")
    write_corpus(root / "src" / "cases" / "acts.jsonl", generate_cases(24, 3))
    settings = Settings(store=StoreSettings(dir=root / "store"))
    report = Indexer(settings, embedder, progress=False).run([root / "src" / "cases", FIXTURES])
    assert report.failed == []
    assert (report.court_acts, report.case_cards, report.appeal_links) == (6, 1, 1)
    # The act under a .doc name is the same act: skipped as a duplicate, with a warning.
    assert any("duplicate id act:2-1234/2022" in w for w in report.warnings)
    services = Services(settings, embedder)
    services.load()
    return services


def test_real_acts_are_searchable_next_to_demo_acts_and_filterable(mixed_store: Services):
    search = mixed_store.cases.search
    real = search.search(
        CaseSearchRequest(
            query="неустойка за нарушение срока передачи квартиры застройщиком",
            k=5,
            filters=CaseFilters(collection=["court_acts"]),
        )
    ).results
    demo = search.search(
        CaseSearchRequest(query="неустойка", k=5, filters=CaseFilters(collection=["demo"]))
    ).results

    assert real and {h.collection for h in real} == {"court_acts"}
    assert real[0].case_id == "2-1234/2022"
    assert real[0].outcome == "partly_satisfied" and real[0].appeal_outcome == "partly_reversed"
    assert demo and {h.collection for h in demo} == {"demo"}


def test_api_and_case_page_name_no_party(mixed_store: Services):
    with TestClient(create_app(mixed_store.settings, services=mixed_store)) as client:
        bodies = _served_bodies(client)
    leaked = [n for n in FIXTURE_NAMES[:5] if any(n in b for b in bodies)]
    assert leaked == []


def _served_bodies(client: TestClient) -> list[str]:
    search = client.post(
        "/v1/cases/search",
        json={"query": "открыто похитил телефон", "k": 10, "filters": {"collection": "court_acts"}},
    )
    assert search.status_code == 200
    bodies = [search.text]
    for hit in search.json()["results"]:
        shown = client.get(f"/v1/cases/{hit['case_id']}")
        assert shown.status_code == 200
        bodies.append(served(shown.json()))
        page = client.get(f"/cases/{hit['case_id']}")
        assert page.status_code == 200
        bodies.append(page.text)
    return bodies


def test_cases_extract_prints_fields_and_a_masked_excerpt():
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "cases", "extract", str(FIXTURES), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_COLOR": "1"},
    )
    entries = json.loads(done.stdout)

    # One JSONL line is not a court act: reported, and the exit code says so.
    assert done.returncode == 1
    assert [e["error"] for e in entries if "error" in e] == ["not a court act or case card"]
    rtf = next(e for e in entries if e["source"].endswith("2-1234_2022.rtf"))
    assert rtf["fields"]["outcome"] == {
        "value": "partly_satisfied",
        "confidence": 0.95,
        "note": None,
    }
    assert rtf["fields"]["date"]["value"] == "2022-02-14"
    assert "Ф.И.О." in rtf["excerpt"]
    assert not [n for n in FIXTURE_NAMES if any(n in e.get("excerpt", "") for e in entries)]


# --- the real acts ------------------------------------------------------------------------------


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


def _person_words(phrase: str) -> set[str]:
    """Words of the personal names in a phrase: runs of capitalised words of which one is a
    given name or a patronymic (so an unknown surname next to them counts too)."""
    words: set[str] = set()
    for run in re.findall(r"(?:[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s*){2,3}", phrase):
        parts = run.split()
        tags = [
            {t for p in _morph().parse(w) for t in ("Name", "Patr") if t in p.tag} for w in parts
        ]
        if any(tags):
            words.update(w for w in parts if len(w) > 2)
    return words


def spelled_out_names(docs: Iterable[SourceDocument]) -> dict[str, set[str]]:
    """Per source: the defendants the verdicts' metadata names, and the parties the civil acts
    spell out in their claim ("по иску X к Y о ...")."""
    names: dict[str, set[str]] = {}
    for doc in docs:
        found: set[str] = set()
        for accused in doc.metadata.get("accused") or []:
            found.update(w for w in re.findall(r"[А-ЯЁ][а-яё]{2,}", accused.get("name", "")))
        for claim in re.findall(r"по\s+иску\s+(.{0,300}?)\s+о\s", doc.text, re.S):
            # Organisations' names in quotes are not persons.
            found |= _person_words(re.sub(r"«[^»]*»", " ", claim))
        if found:
            names[doc.source] = found
    return names


@requires_shared
def test_no_party_name_of_a_real_act_is_stored():
    originals = read_all(REAL)
    names = spelled_out_names(originals)
    everyone = set().union(*names.values())
    docs = as_court_acts(originals)

    assert len(everyone) > 30  # the acts do spell names out; the test has something to find
    leaks = []
    for doc in docs:
        assert doc.doc_type == DOC_TYPE, doc.source
        stored = doc.text + doc.title + served(doc.metadata)
        leaks += [(doc.source, n) for n in everyone if re.search(rf"(?<!\w){n}(?!\w)", stored)]
    assert leaks == []


@pytest.mark.slow
@requires_shared
def test_real_acts_indexed_and_served_without_names(tmp_path: Path, embedder: Embedder):
    settings = Settings(store=StoreSettings(dir=tmp_path / "store"))
    report = Indexer(settings, embedder, progress=False).run([REAL])
    assert report.failed == []
    assert report.court_acts + report.case_cards == 85
    services = Services(settings, embedder)
    services.load()
    everyone = set().union(*spelled_out_names(read_all(REAL)).values())
    bodies = []
    with TestClient(create_app(settings, services=services)) as client:
        for query in ("открыто похитил телефон", "взыскание задолженности по договору займа"):
            found = client.post("/v1/cases/search", json={"query": query, "k": 20})
            assert found.status_code == 200
            bodies.append(found.text)
            for hit in found.json()["results"]:
                bodies.append(served(client.get(f"/v1/cases/{hit['case_id']}").json()))
                bodies.append(client.get(f"/cases/{hit['case_id']}").text)
    leaks = [n for n in everyone for b in bodies if re.search(rf"(?<!\w){n}(?!\w)", b)]
    assert leaks == []
