"""Similar-case search over a small generated corpus: by text, by case number, with filters,
outcome summaries and deviation flags. The store fixtures here are shared by the case tests."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from assistant.cases.catalog import CaseNotFound
from assistant.cases.deviation import deviation
from assistant.cases.schemas import CaseFilters, CaseSearchRequest
from assistant.cases.search import fuse_scores
from assistant.cases.service import CaseService
from assistant.cases.snippet import snippet
from assistant.core.cases import CourtAct
from assistant.core.config import Settings, StoreSettings
from assistant.core.embeddings import Embedder
from assistant.core.text import terms
from assistant.retrieval import QueryError
from assistant.services import Services
from demo.cases import generate_cases
from demo.cases.cli import write_corpus
from indexer.pipeline import Indexer

# Small enough to embed in well under a minute, large enough for every category and outcome.
N_ACTS = 120


@functools.cache
def _case_store(embedder: Embedder) -> Services:
    # Cached at module level, not only as a fixture: the other case test modules load these
    # fixtures as a plugin, and a fixture defined twice would build the store twice.
    root = Path(tempfile.mkdtemp(prefix="alqabi-cases-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    write_corpus(root / "src" / "cases" / "acts.jsonl", generate_cases(N_ACTS, 7))
    settings = Settings(store=StoreSettings(dir=root / "store"))
    report = Indexer(settings, embedder, progress=False).run([root / "src" / "cases"])
    assert not report.failed and report.chunks == N_ACTS
    services = Services(settings, embedder)
    services.load()
    return services


@pytest.fixture(scope="session")
def case_acts() -> list[CourtAct]:
    return generate_cases(N_ACTS, 7)


@pytest.fixture(scope="session")
def case_services(embedder: Embedder) -> Services:
    return _case_store(embedder)


@pytest.fixture(scope="session")
def case_settings(case_services: Services) -> Settings:
    return case_services.settings


@pytest.fixture(scope="session")
def cases(case_services: Services) -> CaseService:
    return case_services.cases


def _search(cases: CaseService, **fields) -> list:
    return cases.search.search(CaseSearchRequest(**fields)).results


def test_search_by_text_finds_the_situation(cases: CaseService):
    response = cases.search.search(
        CaseSearchRequest(
            query="в ходе ссоры нанес потерпевшему удары ножом, от которых он скончался", k=5
        )
    )
    hits = response.results
    assert len(hits) == 5
    assert hits[0].category in ("criminal_jury", "criminal")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.snippet and h.title and h.case_id for h in hits)
    assert len({h.case_id for h in hits}) == 5
    assert response.outcome_summary == dict(Counter(h.outcome for h in hits if h.outcome))


def test_search_by_case_id_leaves_out_the_case_itself(cases: CaseService):
    reviewed = next(r for r in cases.catalog.records if r.instance == "appeal")
    first = cases.catalog.records[cases.catalog.position(reviewed.parent_case_id or "")]
    hits = _search(cases, case_id=first.case_id, k=10)
    family = {first.case_id} | {
        r.case_id for r in cases.catalog.records if r.parent_case_id == first.case_id
    }
    assert hits and family.isdisjoint(h.case_id for h in hits)
    key = first.features["relevance_key"]
    top = cases.catalog.records[cases.catalog.position(hits[0].case_id)]
    assert top.features["relevance_key"].split("|")[0] == key.split("|")[0]


def test_first_instance_hits_carry_their_review_outcomes(cases: CaseService):
    hits = _search(
        cases, query="апелляционная жалоба на приговор", k=20, filters={"instance": "first"}
    )
    for hit in hits:
        record = cases.catalog.records[cases.catalog.position(hit.case_id)]
        assert (hit.appeal_outcome, hit.cassation_outcome) == (
            record.appeal_outcome,
            record.cassation_outcome,
        )
        assert hit.instance == "first"


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        ({"category": "civil"}, lambda r: r.category == "civil"),
        ({"article": "УК 99"}, lambda r: any(a.startswith("УК 99") for a in r.articles)),
        ({"instance": ["appeal", "cassation"]}, lambda r: r.instance != "first"),
        (
            {"date_from": "2022-01-01", "date_to": "2023-12-31"},
            lambda r: date(2022, 1, 1) <= r.date <= date(2023, 12, 31),
        ),
    ],
)
def test_filters_hold_for_every_hit(cases: CaseService, filters, check):
    hits = _search(cases, query="суд рассмотрел дело и вынес решение", k=20, filters=filters)
    assert hits
    records = [cases.catalog.records[cases.catalog.position(h.case_id)] for h in hits]
    assert all(check(r) for r in records)


def test_court_and_region_filters(cases: CaseService):
    record = next(r for r in cases.catalog.records if r.category == "civil")
    by_court = _search(cases, query="иск о взыскании", k=20, filters={"court": record.court})
    assert by_court and all(h.court == record.court for h in by_court)
    by_region = _search(cases, query="иск о взыскании", k=20, filters={"region": record.region})
    regions = {cases.catalog.records[cases.catalog.position(h.case_id)].region for h in by_region}
    assert regions == {record.region}


def test_an_article_nobody_cites_matches_nothing(cases: CaseService):
    assert _search(cases, query="кража", filters=CaseFilters(article=["УК 999"])) == []


def test_bad_queries_and_unknown_cases(cases: CaseService):
    with pytest.raises(QueryError):
        _search(cases, query="  ?! ")
    with pytest.raises(CaseNotFound):
        _search(cases, case_id="9-9999-99")


def test_planted_deviation_is_flagged_with_its_neighbours(cases: CaseService):
    catalog = cases.catalog
    planted = [i for i, r in enumerate(catalog.records) if r.features.get("deviation")]
    flagged = {i: d for i in planted if (d := deviation(catalog, i, cases.search.rule))}
    assert flagged, "no planted deviation is flagged"
    position, found = next(iter(flagged.items()))
    record = catalog.records[position]
    assert found.majority_outcome != record.outcome
    assert found.share >= cases.search.rule.share
    assert len(found.neighbours) >= cases.search.rule.min_neighbours
    # The flag comes with the act in search results.
    hits = _search(cases, query=catalog.act(record.case_id).facts[:1500], k=20)
    hit = next(h for h in hits if h.case_id == record.case_id)
    assert hit.deviation == found


def test_snippet_is_the_passage_with_the_query_terms():
    text = (
        "Суд установил обстоятельства дела. Подсудимый похитил телефон у потерпевшей в автобусе. "
        "Потерпевшая обратилась в полицию. Иных обстоятельств не установлено."
    )
    wanted = set(terms("кража телефона в автобусе", folded=True))
    cut = snippet(text, wanted, "ru", 80)
    assert cut.startswith("… Подсудимый похитил телефон")
    assert len(cut) <= 84


def test_score_fusion_lets_dense_break_lexical_near_ties():
    ranked = {
        "lexical": [(1, 12.0), (2, 11.9), (3, 2.0)],
        "dense": [(2, 0.95), (3, 0.94), (1, 0.60)],
    }
    # BM25 alone puts 1 first; a small dense weight flips the near-tie of 1 and 2 but not the
    # clear lexical gap to 3.
    assert [row for row, _ in fuse_scores(ranked, {"lexical": 1.0, "dense": 0.0})] == [1, 2, 3]
    fused = fuse_scores(ranked, {"lexical": 0.8, "dense": 0.2})
    assert [row for row, _ in fused] == [2, 1, 3]
    assert fused[0][1] == pytest.approx(0.8 * 9.9 / 10 + 0.2)
    # A method with one hit (nothing to normalise against) counts fully; no weight, no say.
    assert fuse_scores({"fuzzy": [(7, 3.0)]}, {"fuzzy": 0.5}) == [(7, 0.5)]
    assert fuse_scores({"fuzzy": [(7, 3.0)]}, {}) == []


def test_case_settings_are_a_section_of_the_root_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ALQABI_CASES_DENSE_WEIGHT", "0.35")
    monkeypatch.setenv("ALQABI_CASES_DEVIATION_MIN_NEIGHBOURS", "4")
    monkeypatch.setenv("ALQABI_CASES_MODEL_DIR", "/tmp/alqabi-models")
    cases = Settings().cases
    assert (cases.dense_weight, cases.deviation_min_neighbours) == (0.35, 4)
    assert cases.model_dir == Path("/tmp/alqabi-models")
