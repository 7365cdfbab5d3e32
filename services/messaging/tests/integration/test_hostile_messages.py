"""Messaging's consumer handlers, run by the real consumer over a real broker, fed
hypothesis-generated hostile messages: each is handled or dead-lettered with its reason,
and the valid message behind them all still gets through (no stuck partition)."""
import uuid

from messaging.handlers import inbound_handlers, sender_handlers
from messaging_testing import client, inbound_sms, twilio_event
from revgen_common.envelope import Envelope
from revgen_testing.message_fuzzing import draw, hostile_messages, through_a_consumer

LEAD = "+12125550171"


async def test_every_hostile_message_is_handled_or_dead_lettered_with_a_reason_and_the_partition_flows(
        infra, make_topic, messaging, twilio, openai):
    client_id, [number] = await client(messaging)
    openai.state.responder = lambda messages: "We can help with that."
    call = {"CallSid": f"CA{uuid.uuid4().hex}", "To": number, "From": LEAD, "CallStatus": "no-answer"}
    samples = [
        inbound_sms(number, LEAD, "Do you fix boilers?"),
        twilio_event("TwilioCallStatusReceived", call),
        twilio_event("TwilioMessageStatusReceived", {"MessageSid": f"SM{uuid.uuid4().hex}", "MessageStatus": "delivered",
                                                     "To": LEAD, "From": number}),
        Envelope(type="FormSubmitted", producer="ingress", key=client_id, client_id=client_id, payload={
            "provider_id": "f1", "received_at": "2026-11-28T15:00:00Z", "form_client_id": client_id,
            "raw": {"name": "Dana", "phone": "(212) 555-0171", "message": "Quote please"}}),
        Envelope(type="SendMessage", producer="escalation", key=client_id, payload={
            "client_id": client_id, "to": LEAD, "body": "Your tech is on the way", "purpose": "reminder"}),
        Envelope(type="ClientCreated", producer="identity", key="c-new", payload={
            "client_id": f"c-{uuid.uuid4().hex[:6]}", "agency_id": "a1", "name": "New Co"}),
        Envelope(type="SendRequested", producer="messaging", key=LEAD, payload={
            "send_id": str(uuid.uuid4()), "from": number}),
    ]
    handlers = {**inbound_handlers(messaging), **sender_handlers(messaging)}
    topic = await make_topic(partitions=1)
    accounting = await through_a_consumer(infra, messaging.engine, topic, handlers,
                                          draw(hostile_messages(samples), 150), inbound_sms(number, LEAD, "Still there?"))
    print(f"\nmessaging handlers, 150 hostile messages then a valid one: {accounting.summary()}")
    assert accounting.applied > 1 and accounting.dead_lettered > 0
