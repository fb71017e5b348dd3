"""The summons pages in headless Chromium: a secretary's pool dashboard after notices and
replies, and a candidate answering on the reply page with the code (screenshots in
tests/artifacts/web/summons-*.png for the docs)."""

from __future__ import annotations

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from assistant.services import Services
from assistant.summons.models import Candidate
from assistant.summons.service import PoolIn, SummonsService
from assistant.summons.texts import text
from assistant.summons.worker import Dispatcher
from tests.web.test_browser import base_url, browser, sync_api  # noqa: F401 (fixtures)
from tests.web.test_staff_browser import page, shot, sign_in, staff  # noqa: F401 (fixtures)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from summons.conftest import people, to_csv
from summons.fakes import MemoryChannel


def _pool(services: Services) -> tuple[int, list[Candidate]]:
    # No quiet hours for the notices either: scheduled in Almaty's night (after 17:00 UTC), they
    # would fall due at 08:00 and the worker below would send none.
    quiet = services.settings.summons.model_copy(update={"quiet_start_hour": 0,
                                                         "quiet_end_hour": 0})  # fmt: skip
    service = SummonsService(services.db, quiet)
    pool = service.create_pool(
        PoolIn(case_number="1-2026-00777", court="Алматы облыстық соты",
               court_phone="+7 727 000 00 00", place="Абай даңғылы 1, 5-зал",
               hearing_at=datetime.now(UTC) + timedelta(days=20), size=25),
        "b-secretary",
    )  # fmt: skip
    service.import_list(pool.id, to_csv(people(30, start=500)), "list.csv", "b-secretary")
    service.draw(pool.id, "b-secretary")
    service.notify(pool.id, "b-secretary")
    settings = services.settings.model_copy(update={"summons": quiet})
    worker = Dispatcher(services.db, settings, [MemoryChannel("sms")])
    # Playwright's sync API keeps an event loop in this thread: drain in another one.
    with ThreadPoolExecutor(1) as pool_thread:
        pool_thread.submit(asyncio.run, worker.drain()).result()
    with services.db.session() as s:
        drawn = list(s.scalars(select(Candidate).where(Candidate.pool_id == pool.id,
                                                       Candidate.draw_order.is_not(None))
                               .order_by(Candidate.draw_order)))  # fmt: skip
    service.reply(drawn[0].id, "confirm")
    return pool.id, drawn


def test_dashboard_and_reply_page(page, base_url: str, staff, web_services):  # noqa: F811
    pool_id, drawn = _pool(web_services)
    candidate = drawn[1]
    page.goto(f"{base_url}/summons/reply?lang=ru")
    page.locator("#code-form input[name=code]").fill(candidate.code.lower())
    page.locator("#code-form button[type=submit]").click()
    assert "+7 727 000 00 00" in page.locator("#hearing").inner_text()
    page.locator("input[name=action][value=release]").check()
    page.locator("select[name=ground]").select_option("over_65")
    page.locator("textarea[name=text]").fill("Мне 67 лет")
    page.locator("#reply-form button[type=submit]").click()
    assert text(candidate.lang, "replies.release_asked") in page.locator("#saved").inner_text()
    shot(page, "summons-reply")

    sign_in(page, base_url, staff["secretary"])
    page.goto(f"{base_url}/staff/summons/{pool_id}?lang=ru")
    assert page.locator('[data-count="notified"]').inner_text() == "25"
    assert page.locator('[data-count="confirmed"]').inner_text() == "1"
    assert page.locator('[data-count="release_asked"]').inner_text() == "1"
    assert page.locator('[data-channel="sms"]').inner_text() == "25"
    shown = page.locator("#candidates").inner_text()
    assert drawn[2].full_name in shown  # the pool table: names for the secretary
    assert drawn[2].phone not in shown and drawn[2].iin not in shown
    assert drawn[2].email not in shown
    shot(page, "summons-dashboard")
