"""Every inbound SMS is answered within its deadline (counted from the webhook's receipt):
the assistant is tried within it, a short Retry-After is honoured when it fits, and when no
try fits any more the holding reply goes out, once, whatever the assistant does later."""
import asyncio
import time
import uuid

import pytest

from messaging.bootstrap import create_app
from messaging.entrypoints.consumers import MESSAGING_GROUPS
from messaging.handlers import inbound_handlers
from messaging.service_layer.conversations import HOLDING_REPLY
from messaging_testing import apply, client, inbound_sms, outbox, service_settings
from revgen_common import Delivered
from revgen_common.clock import system_clock
from revgen_common.contracts.webhooks import TwilioMessageReceived
from revgen_common.errors import NotYet
from revgen_common.testing.internal_api import TEST_API_HEADERS
from revgen_common.topics import TWILIO_MESSAGES
from revgen_devstack.testing import serve_app
from revgen_testing.kafka_io import publish, start_groups_at_end
from revgen_testing.running import eventually

LEAD = "+12125550160"
COMPLETIONS = "/v1/chat/completions"
HOLDING = HOLDING_REPLY.format(business="Ace Plumbing")


async def test_past_its_deadline_a_message_gets_the_holding_reply_without_asking_the_assistant(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging)
    sms = inbound_sms(number, LEAD, "Can you come today?", at=clock.now)
    clock.advance(seconds=messaging.conversations.drafts.deadline.seconds + 1)  # it waited in Kafka that long

    await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived], sms)

    assert openai.state.requests.count("POST", COMPLETIONS) == 0
    [reply] = [m["payload"] for m in await outbox(messaging.engine, "messaging.events", "EscalationRequested")]
    assert reply["lead_phone"] == LEAD and reply["reason"].startswith("no answer within 8s")


async def test_a_short_retry_after_that_fits_is_honoured_and_the_lead_gets_the_assistants_answer(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging)
    openai.state.responder = lambda messages: "Yes, this afternoon works."
    openai.faults.script("429:retry_after=1", path_prefix=COMPLETIONS)
    sms = inbound_sms(number, LEAD, "Can you come today?", at=clock.now)

    with pytest.raises(NotYet) as wait:
        await messaging.conversations.draft_reply(Delivered.of(sms))
    assert wait.value.retry_after == 1.0  # as OpenAI said: never shortened
    clock.advance(seconds=1)
    await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived], sms)

    assert await outbox(messaging.engine, "messaging.events", "EscalationRequested") == []
    [send] = await outbox(messaging.engine, "messaging.sends", "SendRequested")
    assert openai.state.requests.count("POST", COMPLETIONS) == 2 and send  # one reply queued


async def test_a_retry_after_that_leaves_no_time_for_a_try_means_the_holding_reply_at_once(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging)
    openai.faults.script("429:retry_after=30", path_prefix=COMPLETIONS)
    sms = inbound_sms(number, LEAD, "Can you come today?", at=clock.now)

    draft = await messaging.conversations.draft_reply(Delivered.of(sms))

    assert draft.text is None and "unavailable" in draft.handoff
    assert openai.state.requests.count("POST", COMPLETIONS) == 1


async def test_with_the_assistant_answering_only_after_the_deadline_every_lead_gets_one_holding_reply_in_one_round(
        infra, all_topics, messaging_engine, twilio, openai):
    """12 leads at once, more than the assistant's 8 slots: with tries bounded by the deadline
    the ninth lead does not wait for a second round, and an answer that comes after the
    holding reply is never sent."""
    deadline, leads = 2.0, [f"+1212555{1000 + i:04d}" for i in range(12)]
    settings = service_settings(infra, messaging_engine, twilio, openai, answer_deadline_seconds=deadline,
                                openai_try_timeout_seconds=0.6, openai_concurrency=8,
                                sends_per_number_per_second=100)  # one client number: pacing is not under test
    openai.state.latency = 4.0  # every try times out; the fake answers anyway, too late
    await start_groups_at_end(infra.bootstrap_servers, MESSAGING_GROUPS)
    async with serve_app(create_app(settings), settings.port, headers=TEST_API_HEADERS) as api:
        profile = {"business_name": "Ace Plumbing", "numbers": ["+14155550160"], "quiet_start": "00:00",
                   "quiet_end": "00:00"}
        assert (await api.put(f"/clients/client-{uuid.uuid4().hex[:8]}/profile", json=profile)).status_code == 200
        await publish(infra.bootstrap_servers, TWILIO_MESSAGES.name, [received_now("+14155550160", LEAD, "Hello?")])
        await eventually(lambda: _answered(twilio, [LEAD]), timeout=60)  # both groups have joined
        published = time.monotonic()
        await publish(infra.bootstrap_servers, TWILIO_MESSAGES.name,
                      [received_now("+14155550160", lead, "Are you open on Sunday?") for lead in leads])
        await eventually(lambda: _answered(twilio, leads), timeout=60, interval=0.1)
        answered_within = time.monotonic() - published
        await asyncio.sleep(openai.state.latency)  # every late answer has come back by now

    replies = {lead: [m.body for m in twilio.state.sent_to(lead)] for lead in leads}
    assert replies == {lead: [HOLDING] for lead in leads}
    assert answered_within < 2 * deadline, answered_within  # a second round would take two deadlines
    assert openai.state.requests.count("POST", COMPLETIONS) >= 8  # the assistant was tried


def received_now(to: str, lead: str, body: str):
    """The app runs on the wall clock (create_app's default), so its webhooks are received on it."""
    return inbound_sms(to, lead, body, at=system_clock())


async def _answered(twilio, leads) -> bool:
    return all(twilio.state.sent_to(lead) for lead in leads)


async def test_a_surging_clients_messages_do_not_hold_up_another_clients_answer(
        infra, all_topics, messaging_engine, twilio, openai):
    """E11 through the whole service: the assistant's slots are shared fairly, and a message
    waiting for one does not keep another client's message from asking."""
    settings = service_settings(infra, messaging_engine, twilio, openai, openai_concurrency=4,
                                sends_per_number_per_second=100)
    openai.state.latency = 0.5
    surging, quiet = [f"+1212555{2000 + i:04d}" for i in range(40)], "+12125553000"
    await start_groups_at_end(infra.bootstrap_servers, MESSAGING_GROUPS)
    async with serve_app(create_app(settings), settings.port, headers=TEST_API_HEADERS) as api:
        for client_id, number in (("surging", "+14155550161"), ("quiet", "+14155550162")):
            profile = {"business_name": "Ace Plumbing", "numbers": [number], "quiet_start": "00:00",
                       "quiet_end": "00:00"}
            assert (await api.put(f"/clients/{client_id}-{uuid.uuid4().hex[:6]}/profile", json=profile)).status_code == 200
        await publish(infra.bootstrap_servers, TWILIO_MESSAGES.name, [received_now("+14155550162", LEAD, "Hello?")])
        await eventually(lambda: _answered(twilio, [LEAD]), timeout=60)  # both groups have joined
        await publish(infra.bootstrap_servers, TWILIO_MESSAGES.name,
                      [received_now("+14155550161", lead, "Do you do drains?") for lead in surging]
                      + [received_now("+14155550162", quiet, "Do you do roofs?")])
        await eventually(lambda: _answered(twilio, surging + [quiet]), timeout=60, interval=0.1)

    order = [m.to for m in twilio.state.messages]  # in the order Twilio accepted them
    later_surging = sum(1 for lead in surging if order.index(lead) > order.index(quiet))
    assert twilio.state.sent_to(quiet)[0].body == "echo: Do you do roofs?"  # the assistant's, not the holding reply
    assert later_surging >= len(surging) // 2, later_surging  # it did not queue behind the surge
    assert openai.state.max_in_flight() <= 4
