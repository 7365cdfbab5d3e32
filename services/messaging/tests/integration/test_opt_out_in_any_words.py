"""A lead who asks to stop in their own words is opted out as if they had sent STOP: one
confirmation, no reply from the assistant, nothing on any later path, and the other
services told (issue 16; FCC 24-18)."""
import uuid

import pytest

from messaging.handlers import inbound_handlers
from messaging_testing import SendQueue, apply, client, inbound_sms, outbox, twilio_event
from revgen_common.contracts.webhooks import TwilioMessageReceived

LEAD = "+12125550163"


@pytest.mark.parametrize("words", ["Please stop texting me", "unsubscribe me", "No me escriban más"])
async def test_asking_to_stop_in_a_sentence_is_confirmed_once_and_then_nothing_is_sent(
        messaging, twilio, openai, words):
    client_id, [number] = await client(messaging)
    openai.state.responder = lambda messages: "Happy to help! When suits you?"
    received = inbound_handlers(messaging)[TwilioMessageReceived]  # as the consumer runs it: drafted first
    queue = SendQueue(messaging)
    await apply(messaging.engine, received, inbound_sms(number, LEAD, words))
    await apply(messaging.engine, received, inbound_sms(number, LEAD, words))  # asked twice: confirmed once
    call = {"CallSid": f"CA{uuid.uuid4().hex}", "To": number, "From": LEAD, "CallStatus": "no-answer"}
    await apply(messaging.engine, messaging.calls.call_status, twilio_event("TwilioCallStatusReceived", call))
    await queue.drain()

    sent = [m.body for m in twilio.state.sent_to(LEAD)]
    assert len(sent) == 1 and "unsubscribed" in sent[0], sent  # no AI reply, no missed-call text
    assert openai.state.completions == []  # the assistant was not even asked
    (announced,) = await outbox(messaging.engine, "messaging.events", "LeadOptedOut")
    assert announced["payload"]["client_id"] == client_id and announced["payload"]["lead_phone"] == LEAD
    assert announced["key"] == f"{client_id}|{LEAD}"  # with the lead's escalation requests: in order


async def test_start_after_an_opt_out_in_words_gives_consent_back_and_says_so(messaging, twilio):
    client_id, [number] = await client(messaging)
    received = inbound_handlers(messaging)[TwilioMessageReceived]
    await apply(messaging.engine, received, inbound_sms(number, LEAD, "stop messaging me"))
    await apply(messaging.engine, received, inbound_sms(number, LEAD, "START"))
    await SendQueue(messaging).drain()
    assert "resubscribed" in twilio.state.sent_to(LEAD)[-1].body
    assert [e["payload"]["lead_phone"] for e in await outbox(messaging.engine, "messaging.events", "LeadOptedIn")] == [LEAD]


async def test_a_stop_word_in_a_question_is_answered_not_an_opt_out(messaging, twilio, openai):
    client_id, [number] = await client(messaging)
    openai.state.responder = lambda messages: "Yes, we can stop by at 3."
    await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived],
                inbound_sms(number, LEAD, "Can you stop by tomorrow at 3?"))
    await SendQueue(messaging).drain()
    assert [m.body for m in twilio.state.sent_to(LEAD)] == ["Yes, we can stop by at 3."]
    assert await outbox(messaging.engine, "messaging.events", "LeadOptedOut") == []
