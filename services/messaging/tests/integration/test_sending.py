"""The one gateway: claimed before Twilio is called, never a blind resend (E3, E10), delivery
state that only moves forward (E8), quiet hours that defer, a monthly limit (D7, D9)."""
import uuid
from datetime import date, time, timedelta

import pytest
from sqlalchemy import text

from messaging import SERVICE
from messaging.service_layer import delivery
from messaging.service_layer.sends import Outgoing, enqueue
from messaging_testing import SendQueue, apply, client, outbox, scalar, twilio_event
from revgen_common import Delivered
from revgen_common.clock import local_month
from revgen_common.envelope import Envelope
from revgen_common.errors import NotYet, TransientError
from revgen_common.unit_of_work import UnitOfWork

NEW_YORK = "America/New_York"  # the test clients' zone (messaging_testing.client)


async def queue(messaging, client_id, number, count, purpose="reply", prefix="+1646555"):
    async with UnitOfWork(messaging.engine, SERVICE) as uow:
        await enqueue(uow, [Outgoing(f"test:{uuid.uuid4()}", f"{prefix}{i:04d}", number, f"message {i}", purpose,
                                     client_id) for i in range(count)])
        await uow.commit()


async def test_50_sends_whose_responses_are_lost_reach_twilio_exactly_once_each(messaging, twilio):
    client_id, [number] = await client(messaging)
    await queue(messaging, client_id, number, 50)
    twilio.faults.script(*["drop_response"] * 50, path_prefix="/2010-04-01")
    requests = await outbox(messaging.engine, "messaging.sends", "SendRequested")
    for request in requests:  # each: the response is lost, then the redelivery looks at Twilio first
        delivered = Delivered.of(Envelope.model_validate(request))
        for _ in range(3):
            try:
                await messaging.sender.send(delivered)
                break
            except TransientError:
                continue
    bodies = [m.body for m in twilio.state.messages]
    assert len(bodies) == 50 and len(set(bodies)) == 50
    assert await scalar(messaging.engine, "SELECT count(*) FROM sends WHERE status = 'queued' AND twilio_sid IS NOT NULL") == 50


async def test_a_throttled_send_goes_back_to_pending_and_is_sent_when_twilio_recovers(messaging, twilio):
    client_id, [number] = await client(messaging)
    await queue(messaging, client_id, number, 1)
    twilio.faults.script("429:retry_after=2", path_prefix="/2010-04-01")
    with pytest.raises(TransientError) as throttled:
        await SendQueue(messaging).drain()
    assert throttled.value.retry_after >= 2
    assert await scalar(messaging.engine, "SELECT status FROM sends") == "pending"
    assert twilio.state.messages == []


async def test_delivery_state_never_moves_backwards(messaging, twilio):
    client_id, [number] = await client(messaging)
    await queue(messaging, client_id, number, 1)
    await SendQueue(messaging).drain()
    sid = await scalar(messaging.engine, "SELECT twilio_sid FROM sends")
    for status in ("delivered", "sent", "delivered", "queued"):
        await apply(messaging.engine, delivery.status_received, twilio_event(
            "TwilioMessageStatusReceived", {"MessageSid": sid, "MessageStatus": status, "To": "+16465550000",
                                            "From": number}))
        assert await scalar(messaging.engine, "SELECT status FROM sends") == "delivered"


async def test_a_status_that_arrives_before_the_sid_is_recorded_is_not_lost(messaging, twilio):
    client_id, [number] = await client(messaging)
    await apply(messaging.engine, delivery.status_received, twilio_event(
        "TwilioMessageStatusReceived", {"MessageSid": "SMearly", "MessageStatus": "undelivered", "ErrorCode": "30003",
                                        "To": "+16465550000", "From": number}))
    assert await scalar(messaging.engine, "SELECT status || ':' || error_code FROM delivery_statuses") == "undelivered:30003"


@pytest.mark.calendar
async def test_quiet_hours_defer_a_business_message_and_the_scheduler_sends_it_after(messaging, twilio, clock):
    client_id, [number] = await client(messaging, quiet_start=time(21, 0), quiet_end=time(8, 0))
    clock.next_local(NEW_YORK, time(23, 0))
    await queue(messaging, client_id, number, 1, purpose="reminder", prefix="+1212555")
    sends = SendQueue(messaging)
    await sends.drain()
    assert await scalar(messaging.engine, "SELECT status FROM sends") == "deferred"
    assert twilio.state.messages == []
    clock.at_local(NEW_YORK, time(7, 59), days=1)
    assert await messaging.scheduler.run_once() == 0  # still quiet: nothing is due
    clock.at_local(NEW_YORK, time(8, 1))
    assert await messaging.scheduler.run_once() == 1
    await sends.drain()
    assert await scalar(messaging.engine, "SELECT status FROM sends") == "queued"
    assert len(twilio.state.messages) == 1


@pytest.mark.calendar
async def test_the_monthly_limit_blocks_the_excess_and_the_clients_next_month_starts_from_zero(messaging, twilio, clock):
    client_id, [number] = await client(messaging, monthly_limit=3)
    sends = SendQueue(messaging)
    await queue(messaging, client_id, number, 5)
    await sends.drain()
    assert await scalar(messaging.engine, "SELECT count(*) FROM sends WHERE status = 'blocked' "
                                          "AND blocked_reason = 'monthly_limit'") == 2
    this_month = local_month(clock(), NEW_YORK)
    clock.at_local(NEW_YORK, time(0, 0), days=days_to_next_month(clock.local_date(NEW_YORK)))
    await queue(messaging, client_id, number, 2, prefix="+1718555")
    await sends.drain()
    assert len(twilio.state.messages) == 5
    assert await usage(messaging, client_id) == {this_month: 3, local_month(clock(), NEW_YORK): 2}


@pytest.mark.calendar
async def test_a_send_late_on_the_clients_last_day_of_the_month_counts_in_its_month_not_utcs(messaging, twilio, clock):
    client_id, [number] = await client(messaging, monthly_limit=10)
    last_day = clock.local_date(NEW_YORK) + timedelta(days=days_to_next_month(clock.local_date(NEW_YORK)) - 1)
    clock.at_local(NEW_YORK, time(22, 30), days=(last_day - clock.local_date(NEW_YORK)).days)  # UTC is a month on
    await queue(messaging, client_id, number, 1)
    await SendQueue(messaging).drain()
    assert len(twilio.state.messages) == 1
    assert await usage(messaging, client_id) == {last_day.strftime("%Y-%m"): 1}


def days_to_next_month(day: date) -> int:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - day).days


async def usage(messaging, client_id: str) -> dict[str, int]:
    async with messaging.engine.connect() as db:
        rows = await db.execute(text("SELECT month, sent FROM usage WHERE client_id = :c"), {"c": client_id})
        return {r.month: r.sent for r in rows}


async def test_a_send_twilio_never_received_is_looked_up_first_and_resent_only_once_it_cannot_land(messaging, twilio, clock):
    client_id, [number] = await client(messaging)
    await queue(messaging, client_id, number, 1)
    twilio.faults.script("hang", path_prefix="/2010-04-01")  # our timeout: the outcome is unknown
    request = Delivered.of(Envelope.model_validate((await outbox(messaging.engine, "messaging.sends", "SendRequested"))[0]))
    with pytest.raises(TransientError):
        await messaging.sender.send(request)
    with pytest.raises(NotYet, match="may still land"):
        await messaging.sender.send(request)  # looks, does not resend
    assert twilio.state.messages == []
    clock.advance(seconds=messaging.sender.twilio.settle_after.total_seconds() + 1)
    await messaging.sender.send(request)
    assert len(twilio.state.messages) == 1
    assert await scalar(messaging.engine, "SELECT status FROM sends") == "queued"
