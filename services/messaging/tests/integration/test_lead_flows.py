"""Every lead is answered in seconds, once (E5, E7); STOP is honoured on every path (D7)."""
import uuid

from messaging.handlers import inbound_handlers
from messaging_testing import SendQueue, apply, client, inbound_sms, outbox, scalar, twilio_event
from revgen_common.contracts.webhooks import TwilioMessageReceived
from revgen_common.envelope import Envelope

LEAD = "+12125550147"


async def test_an_inbound_sms_delivered_5_times_gets_one_reply_at_twilio(messaging, twilio, openai):
    client_id, [number] = await client(messaging)
    openai.state.responder = lambda messages: "We can come by tomorrow at 9. Does that work?"
    sms = inbound_sms(number, LEAD, "Can you fix a leaking water heater?")
    for _ in range(5):  # as the consumer runs it: the assistant is asked before the transaction
        await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived],
                    sms.model_copy(update={"event_id": uuid.uuid4()}))
    await SendQueue(messaging).drain()
    assert [m.body for m in twilio.state.sent_to(LEAD)] == ["We can come by tomorrow at 9. Does that work?"]
    assert len(openai.state.completions) == 1
    assert await scalar(messaging.engine, "SELECT count(*) FROM messages WHERE direction = 'in'") == 1


async def test_a_missed_call_gets_one_speed_to_lead_text_per_call(messaging, twilio):
    client_id, [number] = await client(messaging)
    call = {"CallSid": f"CA{uuid.uuid4().hex}", "To": number, "From": LEAD}
    for status in ("ringing", "no-answer", "no-answer"):
        await apply(messaging.engine, messaging.calls.call_status,
                    twilio_event("TwilioCallStatusReceived", {**call, "CallStatus": status}))
    answered = {**call, "CallSid": f"CA{uuid.uuid4().hex}", "CallStatus": "completed"}
    await apply(messaging.engine, messaging.calls.call_status, twilio_event("TwilioCallStatusReceived", answered))
    await SendQueue(messaging).drain()
    sent = twilio.state.sent_to(LEAD)
    assert len(sent) == 1 and "Sorry we missed you at Ace Plumbing" in sent[0].body


async def test_a_form_submission_becomes_a_lead_and_a_speed_to_lead_text(messaging, twilio):
    client_id, [number] = await client(messaging)
    form = Envelope(type="FormSubmitted", producer="ingress", key=client_id, client_id=client_id, payload={
        "provider_id": "x", "received_at": "2026-11-28T15:00:00Z", "form_client_id": client_id,
        "raw": {"name": "Dana", "phone": "(212) 555-0147", "message": "Quote for a new furnace"}})
    await apply(messaging.engine, messaging.speed_to_lead.form_submitted, form)
    await SendQueue(messaging).drain()
    assert [m.body[:8] for m in twilio.state.sent_to(LEAD)] == ["Hi Dana!"]
    assert await scalar(messaging.engine, "SELECT phone FROM leads WHERE client_id = :c", c=client_id) == LEAD


async def test_a_lead_asking_for_a_person_or_an_unsure_or_unavailable_ai_is_escalated_with_a_holding_reply(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging)
    openai.state.responder = lambda messages: "[HANDOFF]"
    received = inbound_handlers(messaging)[TwilioMessageReceived]
    await apply(messaging.engine, received, inbound_sms(number, LEAD, "Can I talk to a real person please"))
    await apply(messaging.engine, received, inbound_sms(number, "+12125550148", "Do you service boilers from 1962?"))
    openai.faults.randomly(1.0, "500", path_prefix="/v1/chat/completions")  # down for the whole deadline
    await apply(messaging.engine, received, inbound_sms(number, "+12125550149", "Is tomorrow ok?"), clock)
    openai.faults.clear()
    await SendQueue(messaging).drain()
    requests = await outbox(messaging.engine, "messaging.events", "EscalationRequested")
    assert [r["payload"]["lead_phone"] for r in requests] == [LEAD, "+12125550148", "+12125550149"]
    assert "the lead asked for a person" == requests[0]["payload"]["reason"]
    assert len(openai.state.completions) == 1  # asking for a person skips the assistant
    for phone in (LEAD, "+12125550148", "+12125550149"):
        assert [m.body for m in twilio.state.sent_to(phone)] == [
            "Thanks for your message! Someone from Ace Plumbing will get back to you shortly."]


async def test_stop_is_confirmed_once_then_nothing_reaches_the_lead_on_any_path_until_start(messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging)
    received = inbound_handlers(messaging)[TwilioMessageReceived]  # as the consumer runs it
    queue = SendQueue(messaging)
    await apply(messaging.engine, received, inbound_sms(number, LEAD, "hello"))
    await queue.drain()
    await apply(messaging.engine, received, inbound_sms(number, LEAD, "Stop"))
    await queue.drain()
    confirmation = twilio.state.sent_to(LEAD)[-1].body
    assert "unsubscribed" in confirmation and "START" in confirmation
    before = len(twilio.state.sent_to(LEAD))
    lead_id = str(await scalar(messaging.engine, "SELECT id FROM leads WHERE phone = :p", p=LEAD))

    # every path: a reply, a scheduled follow-up, an automation, a command from another service
    await apply(messaging.engine, received, inbound_sms(number, LEAD, "one more thing"))
    await messaging.automations.schedule_follow_ups(client_id, "f1", "Hi {name}", [lead_id], clock())
    await messaging.scheduler.run_once()
    clock.advance(days=200)
    await messaging.automations.win_back(client_id, "w1", "We miss you, {name}!", inactive_days=30)
    await apply(messaging.engine, messaging.commands.send_message, Envelope(
        type="SendMessage", producer="escalation", key=client_id, payload={
            "client_id": client_id, "to": LEAD, "body": "Your tech is on the way", "purpose": "reminder"}))
    await queue.drain()
    assert len(twilio.state.sent_to(LEAD)) == before
    assert [c for c in openai.state.completions if "one more thing" in str(c)] == []  # not even drafted

    await apply(messaging.engine, received, inbound_sms(number, LEAD, "START"))
    await queue.drain()
    assert "resubscribed" in twilio.state.sent_to(LEAD)[-1].body


async def test_yes_from_a_subscribed_lead_is_an_answer_not_a_resubscription(messaging, twilio, openai):
    client_id, [number] = await client(messaging)
    openai.state.responder = lambda messages: "Great, see you then!"
    await apply(messaging.engine, messaging.conversations.message_received, inbound_sms(number, LEAD, "Yes"))
    await SendQueue(messaging).drain()
    assert [m.body for m in twilio.state.sent_to(LEAD)] == ["Great, see you then!"]
