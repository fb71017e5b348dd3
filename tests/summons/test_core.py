"""Import, draw, schedule and the outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from assistant.db.models import AuditEvent
from assistant.summons import draw as lot
from assistant.summons.candidates import ListFormatError
from assistant.summons.models import Attempt, Candidate, Notice, Pool, Served
from assistant.summons.schedule import TooLate
from assistant.summons.service import SummonsError
from assistant.summons.worker import Dispatcher
from summons.conftest import HEARING, make_iin, new_pool, people, to_csv
from summons.fakes import ChannelDead, MemoryChannel, RetryLater


def test_bad_rows_are_reported_and_nothing_is_imported(service):
    pool = new_pool(service)
    rows = people(30)
    rows[1]["iin"] = rows[1]["iin"][:-1] + str((int(rows[1]["iin"][-1]) + 1) % 10)  # check digit
    rows[2]["birth_date"] = "1971-02-03"  # IIN says another day
    rows[3]["birth_date"] = "2005-01-01"  # too young (and no longer matches)
    rows[4]["iin"] = rows[5]["iin"]  # duplicate
    rows[4]["birth_date"] = rows[5]["birth_date"]
    rows[6]["excluded"] = "yes"
    rows[7]["phone"] = "12345"
    outcome = service.import_list(pool, to_csv(rows), "list.csv", "sec1")
    assert outcome.imported == 0
    found = {(e.row, e.code) for e in outcome.errors}
    # Spreadsheet rows: the header is row 1, rows[n] is row n + 2.
    assert (3, "check_digit") in found
    assert (4, "birth_mismatch") in found
    assert (5, "age") in found
    assert (7, "duplicate") in found
    assert (8, "excluded") in found
    assert (9, "phone") in found
    assert {r for r, _ in found} == {3, 4, 5, 7, 8, 9}
    with service.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Candidate)) == 0


def test_age_is_counted_on_the_hearing_day(service):
    pool = new_pool(service)
    rows = people(25)
    # 25 the day after the hearing: refused; 25 on the hearing day: accepted.
    day_after = date(2001, 12, 22)
    on_day = date(2001, 12, 21)
    rows[0] |= {"birth_date": day_after.isoformat(), "iin": make_iin(day_after, 5)}
    rows[1] |= {"birth_date": on_day.isoformat(), "iin": make_iin(on_day, 5)}
    errors = service.import_list(pool, to_csv(rows), "l.csv", "sec1").errors
    assert [(e.row, e.code) for e in errors] == [(2, "age")]


def test_xlsx_import_and_header_in_russian(service):
    from openpyxl import Workbook

    pool = new_pool(service)
    book = Workbook()
    sheet = book.active
    sheet.append(["ИИН", "ФИО", "Дата рождения", "Телефон", "E-mail", "Адрес"])
    for r in people(26):
        birth = date.fromisoformat(r["birth_date"])
        sheet.append([r["iin"], r["full_name"], birth, r["phone"], r["email"], r["address"]])
    data = io.BytesIO()
    book.save(data)
    outcome = service.import_list(pool, data.getvalue(), "list.xlsx", "sec1")
    assert outcome.errors == [] and outcome.imported == 26


@pytest.mark.parametrize("written", ["+7 701 234 56 78", "87012345678", "7012345678",
                                     "+7 (701) 234-56-78"])  # fmt: skip
def test_phones_are_normalised(written):
    from assistant.summons.candidates import normal_phone

    assert normal_phone(written) == "+77012345678"


def test_unreadable_files_are_refused(service):
    pool = new_pool(service)
    with pytest.raises(ListFormatError, match="columns: iin"):
        service.import_list(pool, b"name,phone\nA,1\n", "x.csv", "sec1")
    with pytest.raises(ListFormatError, match=r"\.csv or \.xlsx"):
        service.import_list(pool, b"x", "x.pdf", "sec1")
    with pytest.raises(ListFormatError, match="XLSX"):
        service.import_list(pool, b"not a zip", "x.xlsx", "sec1")


def test_pool_needs_25(service):
    with pytest.raises(SummonsError, match="637"):
        new_pool(service, size=24)


def test_draw_is_reproducible_and_audited(service):
    pool = new_pool(service)
    rows = people(40)
    assert service.import_list(pool, to_csv(rows), "l.csv", "sec1").imported == 40
    result = service.draw(pool, "sec1")
    assert result.drawn == 25
    ok, digest = service.verify_draw(pool)
    assert ok and digest == result.digest
    # Anyone with the list and the seed: the same 25, in the same order.
    again = lot.draw([r["iin"] for r in reversed(rows)], result.seed, 25)
    with service.db.session() as s:
        stored = list(
            s.scalars(
                select(Candidate.iin).where(Candidate.draw_order.is_not(None))
                .order_by(Candidate.draw_order)
            )
        )  # fmt: skip
        event = s.scalars(select(AuditEvent)).all()
        assert s.scalar(select(func.count()).select_from(Served)) == 25
    assert again == stored
    draws = [e for e in event if e.action == "summons.draw"]
    assert draws[0].details["seed"] == result.seed
    # Another list (one IIN changed) does not verify.
    tampered = [*[r["iin"] for r in rows][1:], people(1, start=99)[0]["iin"]]
    assert service.verify_draw(pool, tampered)[0] is False
    with pytest.raises(SummonsError, match="already been drawn"):
        service.draw(pool, "sec1")


def test_served_this_year_is_refused_in_another_pool(service):
    first = new_pool(service)
    rows = people(25)
    service.import_list(first, to_csv(rows), "l.csv", "sec1")
    service.draw(first, "sec1")
    second = new_pool(service)
    errors = service.import_list(second, to_csv(rows), "l.csv", "sec1").errors
    assert {e.code for e in errors} == {"served"} and len(errors) == 25


def test_notice_later_than_seven_days_is_refused(service, clock):
    pool = new_pool(service, hearing=clock.now() + timedelta(days=6, hours=20))
    service.import_list(pool, to_csv(people(25)), "l.csv", "sec1")
    service.draw(pool, "sec1")
    with pytest.raises(TooLate, match="638"):
        service.notify(pool, "sec1")


def drawn_pool(service, count=25):
    pool = new_pool(service)
    service.import_list(pool, to_csv(people(count)), "l.csv", "sec1")
    service.draw(pool, "sec1")
    return pool


def run(dispatcher):
    return asyncio.run(dispatcher.drain())


def test_outbox_sends_each_notice_once_and_reminder_the_day_before(service, settings, clock):
    pool = drawn_pool(service)
    assert service.notify(pool, "sec1") == 50
    assert service.notify(pool, "sec1") == 0  # the unique key: nothing queued twice
    sms = MemoryChannel("sms")
    worker = Dispatcher(service.db, settings, [sms], clock)
    run(worker)
    assert len(sms.sent) == 25 and {o.template for o in sms.sent} == {"notice"}
    text = sms.sent[0].message.plain()
    assert "+7 727 000 00 00" in text and "1-2026-00123" in text
    # The day before at 10:00 Almaty (05:00 UTC): the reminders.
    clock.set(HEARING - timedelta(days=1) - timedelta(minutes=1))
    run(worker)
    assert len(sms.sent) == 25
    clock.set(HEARING - timedelta(days=1))
    run(worker)
    assert len(sms.sent) == 50
    assert len({o.key for o in sms.sent}) == 50


def test_quiet_hours(service, settings, clock):
    pool = drawn_pool(service)
    clock.set(datetime(2026, 12, 7, 17, 30, tzinfo=UTC))  # 22:30 in Almaty
    service.notify(pool, "sec1")
    sms = MemoryChannel("sms")
    worker = Dispatcher(service.db, settings, [sms], clock)
    run(worker)
    assert sms.sent == []
    clock.set(datetime(2026, 12, 8, 2, 59, tzinfo=UTC))  # 07:59
    run(worker)
    assert sms.sent == []
    clock.set(datetime(2026, 12, 8, 3, 0, tzinfo=UTC))  # 08:00
    run(worker)
    assert len(sms.sent) == 25


def test_retry_backoff_dead_channel_and_next_channel(service, settings, clock):
    pool = drawn_pool(service)
    with service.db.session() as s:
        ids = list(s.scalars(select(Candidate.id).where(Candidate.draw_order.is_not(None))))
    tg = MemoryChannel("telegram", idempotent=False)
    sms = MemoryChannel("sms")
    tg.failures[ids[0]] = [RetryLater("429", after=60)]
    tg.failures[ids[1]] = [ChannelDead("blocked")]
    service.notify(pool, "sec1")
    worker = Dispatcher(service.db, settings, [tg, sms], clock)
    run(worker)
    assert len(tg.sent) == 23 and [o.contact.candidate_id for o in sms.sent] == [ids[1]]
    with service.db.session() as s:
        dead = s.get(Candidate, ids[1])
        assert dead.dead_channels == ["telegram"]
        waiting = s.scalar(
            select(Notice).where(Notice.candidate_id == ids[0], Notice.template == "notice")
        )
        assert waiting.state == "created"
        assert waiting.due_at == clock.now() + timedelta(seconds=60)  # retry-after honoured
    clock.advance(seconds=61)
    run(worker)
    assert ids[0] in [o.contact.candidate_id for o in tg.sent]
    with service.db.session() as s:
        outcomes = [a.outcome for a in s.scalars(select(Attempt).order_by(Attempt.id))]
    assert outcomes.count("retry") == 1 and outcomes.count("dead") == 1


def test_failed_after_max_attempts_counts_as_not_reached(service, settings, clock):
    pool = drawn_pool(service)
    sms = MemoryChannel("sms")
    with service.db.session() as s:
        first = s.scalar(select(Candidate.id).where(Candidate.draw_order == 1))
    sms.failures[first] = [RetryLater("down") for _ in range(20)]
    service.notify(pool, "sec1")
    worker = Dispatcher(service.db, settings, [sms], clock)
    for _ in range(settings.summons.max_attempts + 1):
        run(worker)
        clock.advance(seconds=settings.summons.backoff_max_seconds + 1)
        if clock.now() >= HEARING - timedelta(days=2):
            break
    board = service.dashboard(pool)
    assert board["not_reached"] == 1 and board["notified"] == 24


def test_interrupted_send_is_repeated_with_the_same_key_or_moves_on(service, settings, clock):
    """A worker that died mid-send: its lease runs out; an idempotent provider gets the same
    key again, Telegram is not used again for that notice."""
    pool = drawn_pool(service)
    service.notify(pool, "sec1")
    from assistant.summons import outbox

    claimed = outbox.claim(service.db, "dead-worker", clock.now(), 2, 30)
    claimed[0].channel, claimed[1].channel = "sms", "telegram"
    outbox.mark_in_flight(service.db, "dead-worker", claimed, clock.now())
    tg = MemoryChannel("telegram", idempotent=False)
    sms = MemoryChannel("sms")
    worker = Dispatcher(service.db, settings, [tg, sms], clock)
    run(worker)
    assert {o.key for o in tg.sent}.isdisjoint({c.key for c in claimed})  # lease still held
    clock.advance(seconds=31)
    run(worker)
    by_key = {o.key: o for o in sms.sent}
    assert claimed[0].key in by_key and claimed[1].key in by_key
    assert all(o.key not in {c.key for c in claimed} for o in tg.sent)


def test_two_workers_never_claim_the_same_notice(service, settings, clock):
    pool = drawn_pool(service, count=60)
    with service.db.session() as s:
        pool_row = s.get(Pool, pool)
        pool_row.size = 60
        s.execute(update(Candidate).values(draw_order=Candidate.id))
    service.notify(pool, "sec1")
    sms = MemoryChannel("sms", delay=0.001)
    small = settings.model_copy(
        update={"summons": settings.summons.model_copy(update={"batch_size": 7})}
    )
    workers = [Dispatcher(service.db, small, [sms], clock, owner=f"w{n}") for n in range(3)]

    async def both():
        await asyncio.gather(*(w.drain() for w in workers))

    asyncio.run(both())
    keys = [o.key for o in sms.sent]
    assert len(keys) == len(set(keys)) == 60


def test_move_and_cancel(service, settings, clock):
    pool = drawn_pool(service)
    service.notify(pool, "sec1")
    sms = MemoryChannel("sms")
    worker = Dispatcher(service.db, settings, [sms], clock)
    run(worker)
    assert len(sms.sent) == 25
    service.move(pool, HEARING + timedelta(days=7), "sec1")
    run(worker)
    moved = [o for o in sms.sent if o.template == "moved"]
    assert len(moved) == 25 and "28.12.2026" in moved[0].message.plain()
    cancelled, calloffs = service.cancel(pool, "sec1")
    assert cancelled == 25  # the reminders of the new date
    assert calloffs == 25
    run(worker)
    assert sum(o.template == "calloff" for o in sms.sent) == 25
    with service.db.session() as s:
        reminders = s.scalars(select(Notice.state).where(Notice.template == "reminder")).all()
    assert set(reminders) == {"cancelled"}


def test_purge_deletes_personal_data_after_the_hearing(service, settings, clock):
    pool = drawn_pool(service)
    service.notify(pool, "sec1")
    run(Dispatcher(service.db, settings, [MemoryChannel("sms")], clock))
    assert service.purge() == []
    clock.set(HEARING + timedelta(days=settings.summons.purge_after_days, minutes=1))
    assert service.purge() == [pool]
    with service.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Candidate)) == 0
    assert service.dashboard(pool)["notified"] == 25
