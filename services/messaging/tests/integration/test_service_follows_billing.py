"""Service follows billing (ADR 0012): a suspended client's leads are recorded and not
answered, its automations go nowhere, its owner is told once per suspension and once when
service resumes — whatever order billing's events arrive in and however often."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from messaging.handlers import inbound_handlers
from messaging_testing import SendQueue, apply, client, inbound_sms, outbox, scalar, twilio_event
from revgen_common.contracts import billing
from revgen_common.contracts.base import Contract
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.webhooks import TwilioMessageReceived
from revgen_common.envelope import Envelope

LEAD = "+12125550147"
OWNER = "+16465550111"
ANSWER = "We can come by tomorrow at 9. Does that work?"


def subscription(event: type[billing.SubscriptionOutcome], client_id: str, status: str, at: datetime, *,
                 paused: bool = False, event_id: uuid.UUID | None = None) -> Envelope:
    return Envelope.of(event(client_id=client_id, subscription_id=f"sub_{client_id}", plan_id="pro", status=status,
                             paused=paused), "billing", event_id=event_id, occurred_at=at)


def payment(event: type[billing.PaymentOutcome], client_id: str, at: datetime) -> Envelope:
    return Envelope.of(event(client_id=client_id, invoice_id=f"in_{uuid.uuid4().hex[:8]}",
                             subscription_id=f"sub_{client_id}", amount_cents=9900, currency="usd"),
                       "billing", occurred_at=at)


async def deliver(messaging, *events: Envelope) -> None:
    """Each as the consumer applies it, through the handler table (no inbox: a copy runs again)."""
    for event in events:
        await apply(messaging.engine, inbound_handlers(messaging)[type(event.contract())], event)


async def texts(messaging, twilio, clock, number: str, body: str = "Can you fix a leaking water heater?",
                lead: str = LEAD) -> list[str]:
    """A lead's SMS, the commands it caused applied and every send drained: what the lead got."""
    before = len(twilio.state.sent_to(lead))
    await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived],
                inbound_sms(number, lead, body, at=clock()), clock)
    await settle(messaging)
    return [m.body for m in twilio.state.sent_to(lead)[before:]]


async def settle(messaging) -> None:
    """Apply the SendMessage commands messaging published (owner notices), then send everything."""
    for command in await outbox(messaging.engine, "messaging.commands", "SendMessage"):
        await apply(messaging.engine, inbound_handlers(messaging)[SendMessage], Envelope.model_validate(command))
    await SendQueue(messaging).drain()


async def notices(messaging) -> list[str]:
    commands = await outbox(messaging.engine, "messaging.commands", "SendMessage")
    return [c["payload"]["body"] for c in commands if c["payload"]["to"] == OWNER]


async def test_a_suspended_clients_lead_gets_no_reply_but_its_message_is_recorded_and_stop_is_still_confirmed(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging, owner_phone=OWNER)
    openai.state.responder = lambda messages: ANSWER
    assert await texts(messaging, twilio, clock, number) == [ANSWER]  # served while billing has said nothing

    await deliver(messaging, subscription(billing.SubscriptionCanceled, client_id, "canceled", clock()))
    assert await texts(messaging, twilio, clock, number, "Are you there?") == []
    assert await texts(messaging, twilio, clock, number, "Hello??", lead="+12125550148") == []
    call = {"CallSid": f"CA{uuid.uuid4().hex}", "To": number, "From": "+12125550149", "CallStatus": "no-answer"}
    await apply(messaging.engine, messaging.calls.call_status, twilio_event("TwilioCallStatusReceived", call))
    await settle(messaging)

    assert twilio.state.sent_to("+12125550149") == []  # no speed-to-lead either
    assert len(openai.state.completions) == 1  # the assistant was not even asked
    assert await scalar(messaging.engine, "SELECT count(*) FROM messages WHERE client_id = :c AND direction = 'in'",
                        c=client_id) == 3
    assert await scalar(messaging.engine, "SELECT count(*) FROM leads WHERE client_id = :c", c=client_id) == 3
    stop = await texts(messaging, twilio, clock, number, "STOP")
    assert len(stop) == 1 and "unsubscribed" in stop[0].lower()  # carriers require it, suspended or not


async def test_the_owner_is_told_once_when_a_cancel_arrives_three_times_and_out_of_order_with_an_older_activation(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging, owner_phone=OWNER)
    openai.state.responder = lambda messages: ANSWER
    activated = subscription(billing.SubscriptionActivated, client_id, "active", clock() - timedelta(days=30))
    canceled = subscription(billing.SubscriptionCanceled, client_id, "canceled", clock())
    await deliver(messaging, canceled, canceled, activated, canceled)
    # A later event that still says canceled (a plan change billing saw late) is the same suspension.
    await deliver(messaging, subscription(billing.SubscriptionChanged, client_id, "canceled",
                                          clock() + timedelta(minutes=5)))

    assert await texts(messaging, twilio, clock, number) == []
    told = await notices(messaging)
    assert len(told) == 1 and "suspended" in told[0] and "cancelled" in told[0]
    assert [m.body for m in twilio.state.sent_to(OWNER)] == told  # and it went out, once


async def test_a_payment_resumes_replies_and_the_owner_is_told_once_that_service_resumed(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging, owner_phone=OWNER)
    openai.state.responder = lambda messages: ANSWER
    failed = payment(billing.PaymentFailed, client_id, clock() - timedelta(days=10))  # past the 7 days of grace
    await deliver(messaging, failed)
    assert await texts(messaging, twilio, clock, number) == []

    clock.advance(minutes=1)
    paid = payment(billing.PaymentSucceeded, client_id, clock())
    await deliver(messaging, paid, failed, paid)  # the old failure again changes nothing
    assert await texts(messaging, twilio, clock, number, "Still there?") == [ANSWER]
    told = await notices(messaging)
    assert len(told) == 2 and "overdue" in told[0] and "resumed" in told[1]
    assert [m.body for m in twilio.state.sent_to(OWNER)] == told


async def test_a_past_due_client_is_answered_within_its_grace_and_suspended_once_it_has_passed(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging, owner_phone=OWNER)
    openai.state.responder = lambda messages: ANSWER
    await deliver(messaging, subscription(billing.SubscriptionActivated, client_id, "active",
                                          clock() - timedelta(days=40)),
                  payment(billing.PaymentFailed, client_id, clock()))
    clock.advance(days=6, hours=23)
    assert await texts(messaging, twilio, clock, number) == [ANSWER]
    assert await messaging.service.suspend_overdue() == 0

    clock.advance(hours=1, seconds=1)  # the grace (7 days) has passed: no event says so
    assert await texts(messaging, twilio, clock, number, "Hello?") == []
    assert await messaging.service.suspend_overdue() == 1
    assert await messaging.service.suspend_overdue() == 0
    await settle(messaging)
    told = await notices(messaging)
    assert len(told) == 1 and "overdue" in told[0]
    assert [m.body for m in twilio.state.sent_to(OWNER)] == told


async def test_a_suspended_clients_automations_and_due_follow_ups_are_blocked_at_the_gateway(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging, owner_phone=OWNER)
    openai.state.responder = lambda messages: ANSWER
    assert await texts(messaging, twilio, clock, number) == [ANSWER]
    lead_id = str(await scalar(messaging.engine, "SELECT id FROM leads WHERE client_id = :c", c=client_id))
    await messaging.automations.schedule_follow_ups(client_id, "r1", "Hi {name}, still need help?", [lead_id],
                                                    clock() + timedelta(hours=1))
    await deliver(messaging, subscription(billing.SubscriptionPaused, client_id, "active", clock(), paused=True))

    clock.advance(hours=2)
    assert await messaging.automations.no_show(client_id, "n1", "We missed you, {name}", [lead_id]) == 1
    assert await messaging.scheduler.run_once() == 1
    await settle(messaging)

    blocked = await scalar(messaging.engine, """SELECT string_agg(purpose || ':' || blocked_reason, ',' ORDER BY purpose)
                                                FROM sends WHERE client_id = :c AND status = 'blocked'""", c=client_id)
    assert blocked == "follow_up:service_suspended,no_show:service_suspended"
    assert [m.body for m in twilio.state.sent_to(LEAD) if "missed" in m.body or "still need" in m.body] == []
    told = await notices(messaging)
    assert len(told) == 1 and "paused" in told[0]


async def test_an_event_that_is_not_a_subscriptions_payment_changes_nothing(messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging, owner_phone=OWNER)
    openai.state.responder = lambda messages: ANSWER
    one_off: Contract = billing.PaymentFailed(client_id=client_id, invoice_id="in_x", subscription_id=None,
                                              amount_cents=500, currency="usd")
    await deliver(messaging, Envelope.of(one_off, "billing", occurred_at=clock() - timedelta(days=30)))
    assert await texts(messaging, twilio, clock, number) == [ANSWER]
    assert await notices(messaging) == []
