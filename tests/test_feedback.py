"""``POST /v1/feedback``: stored in the application database with personal data masked and the
user id hashed."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from fastapi.testclient import TestClient

from assistant.api.app import create_app
from assistant.core.pii import mask_personal
from assistant.db import Database
from assistant.db.feedback import FeedbackRecord, FeedbackStore
from tests.test_answer_store import answer_services
from tests.test_api import wait_ready


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("ИИН 900101300126", "ИИН [iin]"),
        ("звоните +7 (701) 123-45-67 или 87011234567", "звоните [phone] или [phone]"),
        ("почта a.b-c@mail.kz", "почта [email]"),
        ("карта 4400 4301 2345 6789", "карта [card]"),
        ("ст. 638 УПК, 25 лет, 10 МРП, 2023 год", "ст. 638 УПК, 25 лет, 10 МРП, 2023 год"),
    ],
)
def test_personal_data_is_masked(text, masked):
    assert mask_personal(text) == masked


def test_feedback_is_stored_masked_and_hashed(tmp_path_factory):
    services = answer_services(tmp_path_factory.getbasetemp())
    with TestClient(create_app(services.settings, services)) as client:
        wait_ready(client)
        response = client.post(
            "/v1/feedback",
            json={
                "question": "мой ИИН 900101300126, тел. 8 701 123 45 67 — сколько платят?",
                "answer": "Присяжный получает 50% оклада. Пишите на juror@example.kz",
                "vote": "down",
                "user": "tg:424242",
                "session_id": "tg-9",
                "lang": "ru",
                "kind": "faq",
                "sources": ["faq-pay-amount-ru#0"],
            },
        )
        assert response.status_code == 201
        assert response.json()["status"] == "stored"
        bad = client.post("/v1/feedback", json={"question": "q", "answer": "a", "vote": "meh"})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
    db = services.settings.store.dir.parent / "alqabi.sqlite"
    # Other tests share this store's feedback database: read this test's row only.
    rows = sqlite3.connect(db).execute(
        "SELECT question, answer, user_hash, vote FROM feedback WHERE question LIKE ?",
        ("%сколько платят?",),
    )
    (question, answer, user_hash, vote), *others = rows.fetchall()
    assert not others
    assert "900101300126" not in question and "[iin]" in question and "[phone]" in question
    assert "[email]" in answer and "50%" in answer
    assert vote == "down"
    assert "424242" not in user_hash
    assert user_hash != hashlib.sha256(b"tg:424242").hexdigest()  # salted
    # The database file and its write-ahead log.
    raw = b"".join(p.read_bytes() for p in db.parent.glob("alqabi.sqlite*") if p.is_file())
    assert b"424242" not in raw and b"tg-9" not in raw


def test_same_user_same_hash_across_restarts(tmp_path):
    url = f"sqlite:///{tmp_path / 'alqabi.sqlite'}"
    record = FeedbackRecord(question="q", answer="a", vote="up", user="u-1")
    first = Database(url)
    first.upgrade()
    FeedbackStore(first).add(record)
    first.dispose()
    second = FeedbackStore(Database(url))
    second.add(record)
    hashes = {row["user_hash"] for row in second.rows()}
    assert len(hashes) == 1
    assert FeedbackStore(first, salt="s").digest("u-1") not in hashes
