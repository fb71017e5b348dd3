"""The review loop: what is queued, clustering by meaning, drafts, publishing, reverting, and
the answer engine serving a published entry at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from assistant.answer.models import Answer, RefusalReason
from assistant.api.app import create_app
from assistant.core.config import DatabaseSettings, ReviewSettings
from assistant.core.embeddings import Embedder
from assistant.db import Database
from assistant.db.feedback import FeedbackRecord, FeedbackStore
from assistant.db.models import ReviewItem
from assistant.review import publish, serving
from assistant.review.cli import gold_rows
from assistant.review.queue import cluster, note_answer, open_items, review_source
from assistant.services import Services
from tests.staff.conftest import csrf_of, sign_in, staff_app, staff_settings
from tests.test_answer_store import answer_services
from tests.test_api import wait_ready

SETTINGS = ReviewSettings()
LUNCH = ["Кормят ли присяжных обедом в суде?", "дают ли присяжным обед"]
PARKING = [
    "Где присяжному припарковать машину у суда?",
    "есть ли парковка для присяжных возле суда",
]
LAPTOP = [
    "Можно ли присяжному взять в суд ноутбук?",
    "можно ли присяжному взять ноутбук в зал суда",
]
TEXTS = {
    "kk": {
        "question": "Алқабилерді сотта тамақтандыра ма?",
        "answer": "Сот алқабилерге түскі ас ұйымдастырмайды; үзілісте тамақтануға болады.",
    },
    "ru": {
        "question": "Кормят ли присяжных в суде?",
        "answer": "Суд не организует обед для присяжных; в перерыве можно поесть.",
    },
}


def refusal(lang: str = "ru") -> Answer:
    return Answer(
        answer="В наших материалах нет надёжного ответа.",
        lang=lang,
        kind="refusal",
        confidence=0.6,
        refusal_reason=RefusalReason.NO_SUPPORT,
    )


@pytest.mark.parametrize(
    ("answer", "queued"),
    [
        (refusal(), "refused"),
        (Answer(answer="…", lang="ru", kind="refusal", confidence=0.9,
                refusal_reason=RefusalReason.OFF_TOPIC), None),
        (Answer(answer="…", lang="ru", kind="extractive", confidence=0.3), "low_confidence"),
        (Answer(answer="…", lang="ru", kind="faq", confidence=0.9), None),
        (Answer(answer="…", lang="ru", kind="faq", confidence=0.3), "low_confidence"),
        (Answer(answer="…", lang="ru", kind="extractive", confidence=0.9), "passage"),
    ],
)  # fmt: skip
def test_what_goes_to_review(answer, queued):
    assert review_source(answer, SETTINGS) == queued


def test_questions_are_queued_masked_and_down_votes_too(db: Database):
    note_answer(db, SETTINGS, "мой ИИН 900101300126, где парковка?", refusal())
    FeedbackStore(db).add(FeedbackRecord(question="q +7 701 123 45 67", answer="a", vote="down",
                                         user="u"))  # fmt: skip
    FeedbackStore(db).add(FeedbackRecord(question="good", answer="a", vote="up", user="u"))
    items = open_items(db, 90)
    assert [(i.source, i.question) for i in items] == [
        ("refused", "мой ИИН [iin], где парковка?"),
        ("downvote", "q [phone]"),
    ]


def test_questions_are_grouped_by_meaning(db: Database, embedder: Embedder, tmp_path: Path):
    for question in [*LUNCH, LUNCH[0], *PARKING, *LAPTOP]:
        note_answer(db, SETTINGS, question, refusal())
    with db.session() as session:  # one lunch question a week ago
        first = session.scalar(select(ReviewItem).order_by(ReviewItem.id))
        first.created_at = datetime.now(UTC) - timedelta(days=8)
    found = cluster(open_items(db, 90), embedder, tmp_path, SETTINGS.cluster_distance)
    groups = sorted(sorted(q for q, _ in c.examples) for c in found)
    assert groups == sorted(sorted(g) for g in (LUNCH, PARKING, LAPTOP))
    lunch = found[0]
    assert (lunch.count, lunch.distinct, lunch.this_week, lunch.last_week) == (3, 2, 2, 1)
    assert lunch.examples[0] == (LUNCH[0], 2) and lunch.langs == {"ru": 3}
    assert lunch.answer == refusal().answer and lunch.id == min(lunch.item_ids)


@pytest.mark.parametrize(
    ("texts", "cited", "message"),
    [
        (TEXTS, "", "citation"),
        (TEXTS, "see the law", "citation"),
        ({"ru": TEXTS["ru"]}, "ст. 16 Закона", "kk"),
        ({**TEXTS, "ru": {"question": "?", "answer": "коротко"}}, "ст. 16 Закона", "at least"),
    ],
)
def test_nothing_is_published_without_citations_or_a_language(texts, cited, message):
    with pytest.raises(ValidationError, match=message):
        publish.Draft(texts=texts, citations_text=cited)


def test_publish_versions_and_reverts(db: Database):
    for question in LUNCH:
        note_answer(db, SETTINGS, question, refusal())
    ids = [i.id for i in open_items(db, 90)]
    draft = publish.Draft(
        texts=TEXTS, citations_text="ст. 16 Закона, ҚПК 638-бап", item_ids=ids, add_to_gold=True
    )
    first = publish.publish(db, draft, "out1")
    assert first.version == 1 and first.citations == [
        {"act": "jury-law", "article": "16"},
        {"act": "cpc", "article": "638"},
    ]
    assert first.paraphrases == {"ru": LUNCH}
    assert open_items(db, 90) == []
    gold = gold_rows(db)
    assert sorted(g["question"] for g in gold) == sorted(LUNCH)
    assert {g["expected"][0] for g in gold} == {first.group_id}
    changed = TEXTS | {"ru": {**TEXTS["ru"], "answer": "Обед не предоставляется (изменено)."}}
    second = publish.publish(
        db, publish.Draft(texts=changed, citations_text="ст. 16 Закона", group=first.group_id),
        "out2",
    )  # fmt: skip
    assert second.version == 2
    (live,) = publish.live_versions(db)
    assert live.version == 2 and "изменено" in live.texts["ru"]["answer"]
    docs = publish.documents(live)
    assert [d.doc_id for d in docs] == [f"{first.group_id}-kk", f"{first.group_id}-ru"]
    assert docs[1].metadata["sources"] == [{"act": "jury-law", "article": "16"}]
    # Revert: back to version 1's content; again: withdrawn, its questions queued again.
    restored = publish.revert(db, first.group_id, "out1")
    (live,) = publish.live_versions(db)
    assert restored.reverts == 2 and live.texts == first.texts
    withdrawn = publish.revert(db, first.group_id, "out1")
    assert withdrawn.withdrawn and publish.live_versions(db) == []
    assert sorted(i.question for i in open_items(db, 90)) == sorted(LUNCH)
    with pytest.raises(publish.PublishError):
        publish.revert(db, first.group_id, "out1")
    assert [v.version for v in publish.history(db, first.group_id)] == [4, 3, 2, 1]


def test_a_published_entry_is_served_at_once_and_reverted_at_once(tmp_path_factory):
    services = answer_services(tmp_path_factory.getbasetemp())
    loaded = services.require()
    asked = "Присяжным дают еду в суде?"  # not one of the cluster's questions
    # No FAQ entry answers it (refused, answered from passages, or by an entry that does not
    # speak of food: "еду" is in no text): it goes to review.
    before = services.answers.ask(loaded, asked)
    assert before.kind != "faq" or "еду" in before.uncovered
    assert review_source(before, SETTINGS) is not None
    for question in LUNCH:
        note_answer(services.db, SETTINGS, question, services.answers.ask(loaded, question))
    lunch_ids = [i.id for i in open_items(services.db, 90) if i.question in LUNCH]
    draft = publish.Draft(texts=TEXTS, citations_text="ст. 16 Закона", item_ids=lunch_ids)
    version = publish.publish(services.db, draft, "out1")
    try:
        assert serving.sync(services)
        after = services.answers.ask(loaded, asked)
        assert after.kind == "faq" and after.answer == TEXTS["ru"]["answer"]
        assert after.citations == ["ст. 16 Закона о присяжных заседателях"]
        kk = services.answers.ask(loaded, "Алқабилер сотта тамақтана ма?")
        assert kk.kind == "faq" and kk.answer == TEXTS["kk"]["answer"]
        # Other questions keep their answers.
        assert services.answers.ask(loaded, "сколько платят присяжным").kind == "faq"
        assert not serving.sync(services)  # nothing changed since
    finally:
        publish.revert(services.db, version.group_id, "out1")
        serving.sync(services)
    reverted = services.answers.ask(loaded, asked)
    assert reverted.model_dump() == before.model_dump()


def test_outreach_reviews_previews_and_publishes_through_the_pages(
    db_url: str, tmp_path: Path, embedder: Embedder
):
    settings = staff_settings(tmp_path / "store", db_url)
    with staff_app(settings, embedder) as client:
        db = client.app.state.services.db
        for question in [*LUNCH, *PARKING]:
            note_answer(db, SETTINGS, question, refusal())
        sign_in(client, "out1")
        queue = client.get("/staff/review")
        assert queue.status_code == 200 and LUNCH[0] in queue.text and PARKING[0] in queue.text
        lunch_id = min(i.id for i in open_items(db, 90) if i.question in LUNCH)
        page = client.get(f"/staff/review/{lunch_id}")
        assert page.status_code == 200 and LUNCH[1] in page.text
        form = {
            "csrf_token": csrf_of(page.text),
            "question_kk": TEXTS["kk"]["question"], "answer_kk": TEXTS["kk"]["answer"],
            "question_ru": TEXTS["ru"]["question"], "answer_ru": TEXTS["ru"]["answer"],
            "add_to_gold": "1",
        }  # fmt: skip
        uncited = client.post(f"/staff/review/{lunch_id}", data={**form, "action": "publish"})
        assert uncited.status_code == 422 and "citation" in uncited.text
        assert publish.live_versions(db) == []
        form["citations"] = "ст. 16 Закона"
        preview = client.post(f"/staff/review/{lunch_id}", data={**form, "action": "preview"})
        assert preview.status_code == 200 and 'data-preview="bot"' in preview.text
        assert "ст. 16 Закона о присяжных заседателях" in preview.text
        assert "«Алқабилер туралы» Заң 16-бап" in preview.text
        assert publish.live_versions(db) == []
        # A forged author field changes nothing: the author is the signed-in account.
        done = client.post(
            f"/staff/review/{lunch_id}", data={**form, "action": "publish", "author": "root1"}
        )
        assert done.status_code == 200 and 'id="published"' in done.text
        (live,) = publish.live_versions(db)
        assert live.author == "out1" and live.paraphrases == {"ru": LUNCH}
        assert LUNCH[0] not in client.get("/staff/review").text
        token = csrf_of(client.get("/staff/faq").text)
        reverted = client.post(f"/staff/faq/{live.group_id}/revert", data={"csrf_token": token})
        assert reverted.status_code == 200 and publish.live_versions(db) == []


def test_an_unreachable_database_costs_no_answer(tmp_path_factory):
    shared = answer_services(tmp_path_factory.getbasetemp())
    # Nothing listens on the discard port: every connection is refused at once.
    down = DatabaseSettings(url="postgresql+psycopg://nobody@127.0.0.1:9/alqabi")
    settings = shared.settings.model_copy(update={"database": down})
    services = Services(settings, shared.embedder)
    services.load()
    with TestClient(create_app(settings, services)) as client:
        wait_ready(client)
        for question in (PARKING[0], "сколько платят присяжным"):
            response = client.post("/v1/ask", json={"question": question})
            assert response.status_code == 200 and response.json()["answer"]
