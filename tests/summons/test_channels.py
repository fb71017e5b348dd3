"""The real channels against local servers: aiogram against the fake Bot API (429, blocked
bot), aiosmtplib against a real aiosmtpd SMTP server, httpx against the fake SMS gateway."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from tg_fake import FakeTelegram

from assistant.summons.channels.email import EmailChannel
from assistant.summons.channels.sms import SmsChannel
from assistant.summons.channels.telegram import TelegramChannel
from assistant.summons.models import Attempt, Candidate, Notice
from assistant.summons.worker import Dispatcher
from summons.conftest import new_pool, people, to_csv
from summons.fakes import FakeSmsGateway

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def _drawn(service, count=25):
    pool = new_pool(service)
    service.import_list(pool, to_csv(people(count)), "l.csv", "sec1")
    service.draw(pool, "sec1")
    return pool


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_all_three_channels_with_fallbacks(service, settings, clock, smtp, db):
    controller, inbox = smtp
    pool = _drawn(service)
    with service.db.session() as s:
        cands = list(
            s.scalars(select(Candidate).where(Candidate.draw_order.is_not(None))
                      .order_by(Candidate.draw_order))
        )  # fmt: skip
        # Five linked Telegram; ten have no phone (e-mail only).
        for n, c in enumerate(cands):
            if n < 5:
                c.tg_chat_id = 9000 + n
            elif n < 15:
                c.phone = None
        ids = [c.id for c in cands]
        phones = {c.id: c.phone for c in cands}
    gateway = FakeSmsGateway().start()
    gateway.refuse.add(phones[ids[20]])  # a wrong number: SMS dead, e-mail next

    async def scenario():
        tg = await FakeTelegram().start()
        tg.send_failures[9000] = [(429, "Too Many Requests: retry after 3", 3)]
        tg.send_failures[9001] = [(403, "Forbidden: bot was blocked by the user", None)]
        channels = [
            TelegramChannel.from_token(TOKEN, tg.url),
            SmsChannel(gateway.url, "secret", "SUD"),
            EmailChannel("127.0.0.1", controller.port, "court@example.kz", starttls=False),
        ]
        worker = Dispatcher(service.db, settings, channels, clock)
        service.notify(pool, "sec1")
        await worker.drain()
        clock.advance(seconds=11)  # the backoff (10 s) is longer than retry-after (3 s)
        await worker.drain()
        await worker.close()
        await tg.stop()
        return tg

    tg = asyncio.run(scenario())
    gateway.stop()
    sent_tg = [c.params for c in tg.calls if c.method == "sendMessage"]
    delivered_tg = {int(p["chat_id"]) for p in sent_tg} - {9001}
    assert delivered_tg == {9000, 9002, 9003, 9004}
    text = next(p["text"] for p in sent_tg if int(p["chat_id"]) == 9002)
    assert "+7 727 000 00 00" in text and "1-2026-00123" in text
    # blocked → SMS; wrong number → e-mail; no phone → e-mail
    sms_to = {m["to"] for m in gateway.delivered.values()}
    assert phones[ids[1]] in sms_to and phones[ids[20]] not in sms_to
    assert len(inbox.messages) == 11
    assert any(b"Message-ID: <" in m[2] for m in inbox.messages)
    with service.db.session() as s:
        states = set(s.scalars(select(Notice.state).where(Notice.template == "notice")))
        dead = s.get(Candidate, ids[1]).dead_channels
        waited = s.scalars(select(Attempt.outcome).where(Attempt.channel == "telegram")).all()
    assert states == {"delivered"} and dead == ["telegram"]
    assert "retry" in waited and "dead" in waited
