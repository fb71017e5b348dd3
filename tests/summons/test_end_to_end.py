"""End to end: a secretary signs in, creates a pool, imports a list with bad rows (nothing
imported), fixes it, draws 25 (repeated from the seed), notices go out through the fake
Telegram API (real aiogram), a real local SMTP server and the fake SMS gateway; one
candidate confirms in the bot, another asks for release; the dashboard shows both; the
reminder fires the day before under a controllable clock; a call-off cancels what was
pending and tells those notified."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from harness import TOKEN, free_port, running_bot
from sqlalchemy import select
from tg_fake import transcript

from assistant.api.app import create_app
from assistant.core.config import BotSettings, DatabaseSettings, Settings, StoreSettings
from assistant.db.models import AuditEvent
from assistant.services import Services
from assistant.staff.accounts import Accounts
from assistant.summons import draw as lot
from assistant.summons.channels.email import EmailChannel
from assistant.summons.channels.sms import SmsChannel
from assistant.summons.channels.telegram import TelegramChannel
from assistant.summons.models import Candidate, Notice
from assistant.summons.texts import text
from assistant.summons.worker import Dispatcher
from summons.conftest import HEARING, new_pool, people, summons_settings, to_csv
from summons.fakes import FakeSmsGateway
from summons.test_channels import smtp  # noqa: F401  (fixture)

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "bot"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def serve(app) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return url, server, thread
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("API did not start")


def sign_in(url: str, username: str, password: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=url, timeout=30)
    form = client.get("/login?lang=ru")
    token = CSRF.search(form.text).group(1)
    done = client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token, "next": "/staff/summons"})  # fmt: skip
    assert done.status_code == 303, done.text[:300]
    page = client.get("/staff/summons?lang=ru")
    assert page.status_code == 200
    return client, CSRF.search(page.text).group(1)


@pytest.mark.parametrize("db", ["sqlite", "postgresql"], indirect=True)
def test_a_pool_from_import_to_call_off(db, clock, tmp_path: Path, smtp):  # noqa: F811
    controller, inbox = smtp
    settings = Settings(
        store=StoreSettings(dir=tmp_path / "store"),
        database=DatabaseSettings(url=str(db.engine.url.render_as_string(False))),
        bot=BotSettings(token=TOKEN, data_dir=tmp_path / "bot"),
        # The test drives its own worker; test_serve_runs_the_worker covers the one in serve.
        summons=summons_settings(public_url="https://alqabi.example.kz",
                                 bot_username="alqabi_test_bot", worker_in_serve=False),
    )  # fmt: skip
    services = Services(settings)
    Accounts(services.db, settings.staff).add("sec1", "secretary", "correct horse 42", "test")
    app = create_app(settings, services)
    app.state.summons_clock = clock
    url, server, thread = serve(app)
    gateway = FakeSmsGateway().start()
    try:
        asyncio.run(scenario(url, services, settings, clock, gateway, controller, inbox, tmp_path))
    finally:
        gateway.stop()
        server.should_exit = True
        thread.join(15)
        services.db.dispose()


async def scenario(url, services, settings, clock, gateway, controller, inbox, tmp_path):
    web, csrf = sign_in(url, "sec1", "correct horse 42")
    hearing_local = "2026-12-21T10:00"  # Almaty: HEARING (05:00 UTC)
    created = web.post("/staff/summons?lang=ru", data={
        "csrf_token": csrf, "case_number": "1-2026-00123", "court": "Алматы облыстық соты",
        "court_phone": "+7 727 000 00 00", "place": "Абай даңғылы 1, 5-зал",
        "hearing_at": hearing_local, "size": "25"})  # fmt: skip
    assert created.status_code == 303
    pool_url = created.headers["location"].split("?")[0]
    pool_id = int(pool_url.rsplit("/", 1)[1])
    # Without the CSRF token: refused.
    assert web.post(f"{pool_url}/draw?lang=ru", data={}).status_code == 403

    rows = people(30)
    bad = [dict(r) for r in rows]
    bad[3]["iin"] = bad[3]["iin"][:-1] + str((int(bad[3]["iin"][-1]) + 1) % 10)
    bad[8]["birth_date"] = "2003-05-05"
    refused = web.post(f"{pool_url}/import?lang=ru", data={"csrf_token": csrf},
                       files={"file": ("list.csv", to_csv(bad), "text/csv")})  # fmt: skip
    assert refused.status_code == 422
    assert 'data-row="5" data-code="check_digit"' in refused.text
    assert 'data-row="10"' in refused.text
    with services.db.session() as s:
        assert s.scalar(select(Candidate.id)) is None  # nothing imported
    fixed = web.post(f"{pool_url}/import?lang=ru", data={"csrf_token": csrf},
                     files={"file": ("list.csv", to_csv(rows), "text/csv")})  # fmt: skip
    assert fixed.status_code == 303
    assert web.post(f"{pool_url}/draw?lang=ru", data={"csrf_token": csrf}).status_code == 303
    page = web.get(f"{pool_url}?lang=ru").text
    seed = re.search(r'<code id="seed">([0-9a-f]{64})</code>', page).group(1)
    with services.db.session() as s:
        drawn = list(s.scalars(select(Candidate).where(Candidate.draw_order.is_not(None))
                               .order_by(Candidate.draw_order)))  # fmt: skip
        audit_seed = s.scalar(select(AuditEvent).where(AuditEvent.action == "summons.draw"))
    assert audit_seed.details["seed"] == seed
    assert [c.iin for c in drawn] == lot.draw([r["iin"] for r in rows], seed, 25)
    # The first two link Telegram with the code on their paper notice; five have no phone.
    with services.db.session() as s:
        for c in s.scalars(select(Candidate).where(Candidate.draw_order.between(3, 7))):
            c.phone = None

    async with running_bot(url, tmp_path / "botdata") as h:
        first, second = h.user(501, "ru"), h.user(502, "kk")
        await first.say(f"/start {drawn[0].code}")
        assert "Явиться" in first.last_text() or "Келу" in first.last_text()
        await second.say(drawn[1].code)
        assert "1-2026-00123" in second.last_text()
        notified_before = len(h.tg.sent_to(501))

        channels = [
            TelegramChannel.from_token(TOKEN, h.tg.url),
            SmsChannel(gateway.url, None, "SUD"),
            EmailChannel("127.0.0.1", controller.port, "court@example.kz", starttls=False),
        ]
        worker = Dispatcher(services.db, settings, channels, clock)
        assert web.post(f"{pool_url}/notify?lang=ru",
                        data={"csrf_token": csrf}).status_code == 303  # fmt: skip
        await worker.drain()
        assert len(h.tg.sent_to(501)) == notified_before + 1
        notice = first.last_text()
        assert ("+7 727 000 00 00" in notice and "мошенники" in notice) or "алаяқтар" in notice
        assert len({m["to"] for m in gateway.delivered.values()}) == 18  # 25 - 2 TG - 5 e-mail
        assert len(inbox.messages) == 5

        lang1, lang2 = drawn[0].lang, drawn[1].lang
        await first.press(text(lang1, "buttons.confirm"))
        assert text(lang1, "replies.confirmed") in first.last_text()
        await second.press(text(lang2, "buttons.release"))
        await second.press(text(lang2, "grounds.over_65"))
        await second.say("Мен 67 жастамын")
        assert text(lang2, "replies.release_asked") in second.last_text()

        await first.press(text(lang1, "buttons.optout"))
        assert text(lang1, "replies.opted_out") in first.last_text()

        board = web.get(f"{pool_url}?lang=ru").text
        assert '<dd data-count="confirmed">1</dd>' in board
        assert '<dd data-count="release_asked">1</dd>' in board
        assert '<dd data-count="notified">25</dd>' in board
        assert '<dd data-channel="telegram">2</dd>' in board
        assert f'data-candidate="{drawn[1].id}" data-status="release_asked"' in board
        export = web.get(f"{pool_url}/export.csv")
        assert "release_asked" in export.text and drawn[0].iin not in export.text
        assert drawn[5].phone not in export.text and drawn[5].phone not in board

        # The day before, 09:59 Almaty: no reminder; 10:00: the reminders.
        clock.set(HEARING - timedelta(days=1, minutes=1))
        await worker.drain()
        assert not any(n.template == "reminder" and n.state == "delivered"
                       for n in notices(services, pool_id))  # fmt: skip
        gateway.busy = 10_000  # the SMS gateway stalls: SMS reminders stay pending
        clock.set(HEARING - timedelta(days=1))
        await worker.drain()
        assert "Завтра" in first.last_text() or "Ертең" in first.last_text()
        pending = [n for n in notices(services, pool_id)
                   if n.template == "reminder" and n.state == "created"]  # fmt: skip
        assert len(pending) == 18

        # The hearing is called off: the pending reminders are cancelled, everyone is told.
        assert web.post(f"{pool_url}/cancel?lang=ru", data={"csrf_token": csrf}).status_code == 303
        gateway.busy = 0
        clock.advance(seconds=1)
        await worker.drain()
        await worker.close()
        states = {n.state for n in notices(services, pool_id)
                  if n.template == "reminder" and n.id in {p.id for p in pending}}  # fmt: skip
        assert states == {"cancelled"}
        calloffs = [n for n in notices(services, pool_id) if n.template == "calloff"]
        assert len(calloffs) == 25 and {n.state for n in calloffs} == {"delivered"}
        assert "отменено" in first.last_text() or "өтпейді" in first.last_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for user, name in ((first, "confirms"), (second, "asks-release")):
            title = f"Summons in the bot: a candidate {name.replace('-', ' ')}"
            (ARTIFACTS / f"summons-{name}.md").write_text(
                transcript(h.tg, user.id, title), encoding="utf-8"
            )
    with services.db.session() as s:
        actions = set(s.scalars(select(AuditEvent.action)))
    assert {"summons.pool.create", "summons.import.refused", "summons.import", "summons.draw",
            "summons.notify", "summons.link", "summons.reply.confirm", "summons.reply.release",
            "summons.export", "summons.cancel"} <= actions  # fmt: skip
    web.close()


def lang_of(candidate: Candidate) -> str:
    return candidate.lang


def notices(services, pool_id: int) -> list[Notice]:
    with services.db.session() as s:
        return list(s.scalars(select(Notice).where(Notice.pool_id == pool_id)))


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_serve_runs_the_worker(db, service, clock, tmp_path: Path):
    """``alqabi serve`` sends due notices with its own worker (clock from the app state)."""
    pool = new_pool(service)
    service.import_list(pool, to_csv(people(25)), "l.csv", "sec1")
    service.draw(pool, "sec1")
    service.notify(pool, "sec1")
    gateway = FakeSmsGateway().start()
    settings = Settings(
        store=StoreSettings(dir=tmp_path / "store"),
        database=DatabaseSettings(url=str(db.engine.url.render_as_string(False))),
        summons=summons_settings(sms_url=gateway.url, poll_seconds=0.2),
    )
    app = create_app(settings, Services(settings))
    app.state.summons_clock = clock
    _, server, thread = serve(app)
    try:
        for _ in range(300):
            if len(gateway.delivered) == 25:
                break
            time.sleep(0.1)
    finally:
        server.should_exit = True
        thread.join(15)
        gateway.stop()
    assert len(gateway.delivered) == 25
