"""Due messages claimed once by any number of schedulers (E8); automations over many leads
in a handful of queries (S1, testing rec. 9); one daily summary per client and day (E14);
a deleted client's messages, numbers and leads wound down (B2, B3); a profile replaced whole or
not at all (D12)."""
import asyncio
import uuid
from datetime import time, timedelta

import pytest
from sqlalchemy import event, text

from messaging.handlers import sender_handlers
from messaging.service_layer.clients import NumberInUse, Profile
from messaging_testing import SendQueue, apply, client, inbound_sms, outbox, scalar
from revgen_common.contracts.messaging import ReleaseNumber
from revgen_common.envelope import Envelope

LOS_ANGELES = "America/Los_Angeles"


async def leads(messaging, client_id: str, count: int, **extra) -> list[str]:
    async with messaging.engine.begin() as db:
        rows = await db.execute(text("""
            INSERT INTO leads (id, client_id, phone, name, source, status, created_at)
            SELECT gen_random_uuid(), :c, '+1917' || lpad(g::text, 7, '0'), 'Lead ' || g, 'test', :status,
                   COALESCE(CAST(:created AS timestamptz), now())
            FROM generate_series(1, :n) g RETURNING id"""),
            {"c": client_id, "n": count, "status": extra.get("status", "lost"),
             "created": extra.get("created")})
        return [str(r.id) for r in rows]


async def test_two_schedulers_over_1000_due_messages_queue_each_exactly_once(messaging, clock):
    client_id, _ = await client(messaging)
    lead_ids = await leads(messaging, client_id, 1000, created=clock() - timedelta(days=1))
    await messaging.automations.schedule_follow_ups(client_id, "spring", "Hi {name}, time for a check-up?", lead_ids,
                                                    clock())
    from messaging.service_layer.scheduler import Scheduler
    schedulers = [Scheduler(messaging.engine, clock, batch=100) for _ in range(2)]

    async def run(scheduler):
        while await scheduler.run_once():
            pass

    await asyncio.gather(*(run(s) for s in schedulers))
    assert await scalar(messaging.engine, "SELECT count(*) FROM sends WHERE source_key LIKE 'scheduled:%'") == 1000
    requests = await outbox(messaging.engine, "messaging.sends", "SendRequested")
    assert len(requests) == 1000 and len({r["payload"]["send_id"] for r in requests}) == 1000


async def test_win_back_over_100_leads_takes_at_most_50_queries_and_texts_each_lead_once(messaging, twilio, clock):
    client_id, _ = await client(messaging)
    await leads(messaging, client_id, 100, created=clock() - timedelta(days=200))
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(messaging.engine.sync_engine, "before_cursor_execute", count)
    try:
        queued = await messaging.automations.win_back(client_id, "nov", "We miss you, {name}!", inactive_days=90)
    finally:
        event.remove(messaging.engine.sync_engine, "before_cursor_execute", count)
    assert queued == 100
    assert len(statements) <= 50, statements
    assert await messaging.automations.win_back(client_id, "nov", "We miss you, {name}!", inactive_days=90) == 0
    await SendQueue(messaging).drain()
    assert len(twilio.state.messages) == 100 and len({m.to for m in twilio.state.messages}) == 100


async def test_the_daily_summary_is_sent_once_per_client_even_when_the_job_runs_twice_or_crashes(messaging, monkeypatch):
    owners = [await client(messaging, owner_phone=f"+1646555{i:04d}") for i in range(3)]
    from messaging.service_layer import summaries as module
    real = module.Summaries._summarize
    calls = []

    async def crash_on_the_second(self, client_id, day):
        calls.append(client_id)
        if len(calls) == 2:
            raise RuntimeError("the job died here")
        return await real(self, client_id, day)

    monkeypatch.setattr(module.Summaries, "_summarize", crash_on_the_second)
    with pytest.raises(RuntimeError):
        await messaging.summaries.run_due()
    monkeypatch.setattr(module.Summaries, "_summarize", real)
    results = await asyncio.gather(messaging.summaries.run_due(), messaging.summaries.run_due())
    assert sum(results) == 2
    assert await messaging.summaries.run_due() == 0  # the next hour's run: nothing left for this day
    summaries = [s for s in await outbox(messaging.engine, "messaging.sends", "SendRequested")]
    assert await scalar(messaging.engine, "SELECT count(*) FROM sends WHERE source_key LIKE 'summary:%'") == 3
    assert len(summaries) == 3 and len(owners) == 3


async def test_an_owner_known_only_by_an_address_gets_the_daily_summary_by_email_once(messaging):
    client_id, _ = await client(messaging, owner_email="Owner@Ace-Plumbing.example")
    runs = await asyncio.gather(messaging.summaries.run_due(), messaging.summaries.run_due())
    assert sum(runs) >= 1
    rows = await scalar_rows(messaging.engine, """SELECT to_address, subject, purpose FROM email_sends
                                                 WHERE source_key LIKE :k""", k=f"summary:{client_id}:%")
    assert [(r.to_address, r.purpose) for r in rows] == [("owner@ace-plumbing.example", "summary")]
    assert rows[0].subject.startswith("Your RevGen summary for ")
    assert await scalar(messaging.engine, "SELECT count(*) FROM sends WHERE client_id = :c", c=client_id) == 0
    assert [e for e in await outbox(messaging.engine, "messaging.emails", "EmailRequested")
            if e["payload"]["to"] == "owner@ace-plumbing.example"]


async def scalar_rows(engine, sql: str, **params):
    async with engine.connect() as db:
        return (await db.execute(text(sql), params)).all()


async def test_a_number_with_a_recent_conversation_cannot_be_released(messaging, clock):
    client_id, [busy, quiet] = await client(messaging, numbers=2)
    await apply(messaging.engine, messaging.conversations.message_received, inbound_sms(busy, "+12125550147", "hi"))
    with pytest.raises(NumberInUse):
        await messaging.clients.release_number(busy)
    await messaging.clients.release_number(quiet)
    clock.advance(days=31)
    await messaging.clients.release_number(busy)


async def test_a_deleted_clients_schedules_are_canceled_numbers_released_per_b2_and_open_leads_lost(messaging, clock):
    client_id, [busy, quiet] = await client(messaging, numbers=2)
    await apply(messaging.engine, messaging.conversations.message_received, inbound_sms(busy, "+12125550147", "hi"))
    lead_ids = await leads(messaging, client_id, 3, status="open")
    await messaging.automations.schedule_follow_ups(client_id, "x", "Hi", lead_ids, clock() + timedelta(hours=1))
    deleted = Envelope(type="ClientDeleted", producer="identity", key=client_id,
                       payload={"client_id": client_id, "deleted_by": "owner"})
    for _ in range(2):
        await apply(messaging.engine, messaging.clients.client_deleted, deleted.model_copy(update={"event_id": uuid.uuid4()}))
    assert await scalar(messaging.engine, "SELECT count(*) FROM scheduled_messages WHERE status = 'pending'") == 0
    assert await scalar(messaging.engine, "SELECT released_at IS NOT NULL FROM numbers WHERE number = :n", n=quiet)
    assert await scalar(messaging.engine, "SELECT release_pending FROM numbers WHERE number = :n", n=busy)
    assert await scalar(messaging.engine, "SELECT count(*) FROM leads WHERE status = 'open'") == 0
    lost = await outbox(messaging.engine, "messaging.events", "LeadOutcomeRecorded")
    assert len(lost) == 4 and {m["payload"]["outcome"] for m in lost} == {"lost"}
    clock.advance(days=31)
    assert await messaging.clients.release_quiet_numbers() == 1


async def test_a_released_number_is_released_at_twilio_too_once_however_often_its_event_comes(messaging, twilio):
    client_id, [number] = await client(messaging)
    twilio.state.buy_number(number)
    await messaging.clients.release_number(number)
    [announced] = await outbox(messaging.engine, "messaging.events", "NumberReleased")
    [published] = await outbox(messaging.engine, "messaging.number-releases", "ReleaseNumber")
    assert announced["payload"] == published["payload"] == {"client_id": client_id, "number": number}
    handler = sender_handlers(messaging)[ReleaseNumber]
    for _ in range(2):  # redelivered: the second finds nothing left to release
        await apply(messaging.engine, handler, Envelope.model_validate(published))
    assert not twilio.state.owns(number)
    assert len(twilio.state.requests.times("DELETE", "/2010-04-01/")) == 1


async def test_a_number_twilio_refuses_to_release_for_good_is_reported_once_however_often_its_release_comes(
        messaging, twilio):
    client_id, [number] = await client(messaging)
    twilio.state.buy_number(number)
    twilio.state.emergency_addresses.add(number)
    await messaging.clients.release_number(number)
    [published] = await outbox(messaging.engine, "messaging.number-releases", "ReleaseNumber")
    handler = sender_handlers(messaging)[ReleaseNumber]
    for _ in range(2):  # redelivered (its inbox row lost in a crash): asked again, refused again, told once
        await apply(messaging.engine, handler, Envelope.model_validate(published))
    [refused] = await outbox(messaging.engine, "messaging.events", "NumberReleaseRefused")
    assert refused["payload"]["number"] == number and "21649" in refused["payload"]["reason"]
    assert twilio.state.owns(number)


async def test_a_profile_is_replaced_in_one_statement_and_business_hours_are_published(messaging):
    client_id, _ = await client(messaging, business_hours={1: [("07:00", "12:00"), ("13:00", "19:00")]})
    published = await outbox(messaging.engine, "messaging.events", "BusinessHoursSet")
    assert published[-1]["payload"]["hours"] == {"1": [["07:00", "12:00"], ["13:00", "19:00"]]}


@pytest.mark.calendar
async def test_the_daily_summary_reports_the_clients_own_day_from_its_messages_and_leads(messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging, owner_phone="+16465550999", timezone=LOS_ANGELES)
    openai.state.responder = lambda messages: "On our way!"
    await messaging.summaries.run_due()  # yesterday's, out of the way
    day = clock.local_date(LOS_ANGELES)
    clock.at_local(LOS_ANGELES, time(0, 0, 30))  # the first and the last minute of the client's day
    await apply(messaging.engine, messaging.conversations.message_received, inbound_sms(number, "+12125550101", "help!"))
    clock.at_local(LOS_ANGELES, time(23, 30))  # UTC's day has ended: Los Angeles's has not
    await apply(messaging.engine, messaging.conversations.message_received, inbound_sms(number, "+12125550102", "hi!"))
    await SendQueue(messaging).drain()
    assert await messaging.summaries.run_due() == 0
    clock.at_local(LOS_ANGELES, time(0, 5), days=1)
    await apply(messaging.engine, messaging.conversations.message_received, inbound_sms(number, "+12125550103", "late"))
    assert await messaging.summaries.run_due() == 1
    clock.at_local(LOS_ANGELES, time(9, 0))  # the owner's quiet hours are over
    await messaging.scheduler.run_once()
    await SendQueue(messaging).drain()
    [summary] = [m.body for m in twilio.state.sent_to("+16465550999") if day.isoformat() in m.body]
    assert "2 new leads, 2 messages in, 2 out, 2 leads answered" in summary, summary


async def test_an_operator_rerun_of_a_day_not_yet_over_where_the_client_is_sends_nothing(messaging, clock):
    await client(messaging, owner_phone="+16465550998", timezone=LOS_ANGELES)
    clock.at_local(LOS_ANGELES, time(20, 0))  # already tomorrow in UTC
    tomorrow_in_utc = clock().date()
    assert tomorrow_in_utc > clock.local_date(LOS_ANGELES)
    assert await messaging.summaries.run(tomorrow_in_utc) == 0
    assert await messaging.summaries.run(clock.local_date(LOS_ANGELES) - timedelta(days=1)) == 1


async def test_a_profile_change_that_fails_part_way_keeps_the_business_hours_it_had(messaging):
    client_id, [number] = await client(messaging, business_hours={1: [("07:00", "12:00")]})
    _, [another_clients] = await client(messaging)
    announced = len(await outbox(messaging.engine, "messaging.events", "BusinessHoursSet"))

    with pytest.raises(NumberInUse):  # the hours are written before the number is refused
        await messaging.clients.set_profile(client_id, Profile(
            business_name="Ace Plumbing", timezone="America/New_York", business_hours={},
            numbers=[number, another_clients]))

    assert await scalar(messaging.engine, "SELECT business_hours FROM profiles WHERE client_id = :c",
                        c=client_id) == {"1": [["07:00", "12:00"]]}
    assert len(await outbox(messaging.engine, "messaging.events", "BusinessHoursSet")) == announced
