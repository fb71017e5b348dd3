"""The reply page over HTTP: the code is posted (never in a URL), a release needs a ground,
the answer is stored and audited, an unknown code says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from assistant.api.app import create_app
from assistant.core.config import DatabaseSettings, Settings, StoreSettings
from assistant.db.models import AuditEvent
from assistant.services import Services
from assistant.summons.models import Candidate
from assistant.summons.texts import text
from summons.conftest import new_pool, people, summons_settings, to_csv


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_reply_page(db, service, clock, tmp_path: Path):
    pool = new_pool(service)
    service.import_list(pool, to_csv(people(25)), "l.csv", "sec1")
    service.draw(pool, "sec1")
    with db.session() as s:
        cand = s.scalar(select(Candidate).where(Candidate.draw_order == 1))
    settings = Settings(
        store=StoreSettings(dir=tmp_path / "store"),
        database=DatabaseSettings(url=db.engine.url.render_as_string(False)),
        summons=summons_settings(),
    )
    app = create_app(settings, Services(settings))
    app.state.summons_clock = clock
    web = TestClient(app)
    assert web.get("/summons/reply?lang=ru").status_code == 200
    assert web.post("/summons/reply", data={"code": "ZZZZZZZZZ2"}).status_code == 404
    opened = web.post("/summons/reply", data={"code": cand.code.lower()})
    assert opened.status_code == 200 and "+7 727 000 00 00" in opened.text
    refused = web.post("/summons/reply", data={"code": cand.code, "action": "release"})
    assert refused.status_code == 422
    saved = web.post("/summons/reply", data={"code": cand.code, "action": "release",
                                             "ground": "clergy", "text": "Священник"})  # fmt: skip
    assert saved.status_code == 200
    assert text(cand.lang, "replies.release_asked") in saved.text
    assert saved.headers["cache-control"] == "no-store"
    with db.session() as s:
        stored = s.get(Candidate, cand.id)
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.action.like("summons.reply%"))))
    assert (stored.status, stored.ground, stored.reply_text) == ("release_asked", "clergy",
                                                                 "Священник")  # fmt: skip
    assert [e.actor for e in events] == [f"candidate:{cand.id}"]
    assert cand.code not in str(events[0].details)
