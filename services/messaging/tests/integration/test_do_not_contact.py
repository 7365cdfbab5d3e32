"""Do-not-contact per lead (D7): set and cleared by a person, announced once per change (a
repeated command changes nothing), honoured on every outbound path: the assistant's reply,
a reply by hand, follow-ups scheduled before and after the mark, automations, another
service's SendMessage, a callback and a message scheduled by hand. Follow-ups for chosen
leads say how many were scheduled, already scheduled, refused and unknown."""
import uuid
from datetime import timedelta

import pytest

from messaging.handlers import inbound_handlers
from messaging.service_layer.lead_commands import OffLimits
from messaging_testing import SendQueue, apply, client, inbound_sms, outbox, scalar
from revgen_common.contracts.webhooks import TwilioMessageReceived
from revgen_common.envelope import Envelope
from revgen_common.errors import Unprocessable

LEAD, OTHER = "+12125550171", "+12125550172"
PERSON = "7d1f9a52-0000-4000-8000-000000000001"


async def a_lead(messaging, openai, number: str, phone: str) -> uuid.UUID:
    openai.state.responder = lambda messages: "Happy to help!"
    await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived], inbound_sms(number, phone, "Hi"))
    await SendQueue(messaging).drain()
    return await scalar(messaging.engine, "SELECT id FROM leads WHERE phone = :p", p=phone)


async def test_marking_a_lead_twice_changes_and_announces_it_once_and_clearing_it_is_announced_too(
        messaging, openai):
    client_id, [number] = await client(messaging)
    lead = await a_lead(messaging, openai, number, LEAD)
    answers = [await messaging.lead_commands.set_do_not_contact(client_id, lead, True, PERSON) for _ in range(2)]
    assert [a["changed"] for a in answers] == [True, False]
    assert (await messaging.lead_views.lead(client_id, lead))["do_not_contact"] is True
    await messaging.lead_commands.set_do_not_contact(client_id, lead, False, PERSON)
    announced = await outbox(messaging.engine, "messaging.events", "LeadDoNotContactChanged")
    assert [(e["payload"]["do_not_contact"], e["payload"]["changed_by"], e["payload"]["lead_phone"])
            for e in announced] == [(True, PERSON, LEAD), (False, PERSON, LEAD)]


async def test_nothing_reaches_a_do_not_contact_lead_on_any_path_while_another_lead_is_served(
        messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging)
    lead, other = await a_lead(messaging, openai, number, LEAD), await a_lead(messaging, openai, number, OTHER)
    queue = SendQueue(messaging)
    # queued before the mark: due later, blocked when it comes due
    await messaging.automations.schedule_follow_ups(client_id, "before", "Hi {name}", [str(lead)],
                                                    clock() + timedelta(hours=1))
    await messaging.lead_commands.set_do_not_contact(client_id, lead, True, PERSON)
    before = len(twilio.state.sent_to(LEAD))
    asked = len(openai.state.completions)

    await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived], inbound_sms(number, LEAD, "hello?"))
    await messaging.lead_views.reply(client_id, lead, "by-hand", "We can come at 9.")
    chosen = await messaging.automations.schedule_follow_ups(client_id, "after", "Hi {name} from {business}",
                                                             [str(lead), str(other), str(uuid.uuid4())], clock())
    clock.advance(days=200)
    await messaging.automations.win_back(client_id, "w1", "We miss you, {name}!", inactive_days=30)
    await messaging.automations.no_show(client_id, "n1", "We missed you, {name}", [str(lead)])
    await apply(messaging.engine, messaging.commands.send_message, Envelope(
        type="SendMessage", producer="escalation", key=client_id, payload={
            "client_id": client_id, "to": LEAD, "body": "Your tech is on the way", "purpose": "reminder"}))
    await messaging.scheduler.run_once()
    await queue.drain()
    with pytest.raises(OffLimits):
        await messaging.lead_commands.request_callback(client_id, lead, "cb-1", clock() + timedelta(hours=1), "")
    with pytest.raises(OffLimits):
        await messaging.lead_commands.schedule_message(client_id, lead, "s-1", "Hello", clock() + timedelta(hours=1))

    assert len(twilio.state.sent_to(LEAD)) == before
    assert len(openai.state.completions) == asked  # the assistant was not even asked
    assert await scalar(messaging.engine, "SELECT count(*) FROM messages WHERE lead_id = :l AND direction = 'in'",
                        l=lead) == 2  # the lead's message is still recorded
    assert (chosen.scheduled, chosen.already, chosen.refused, chosen.unknown) == (1, 0, [str(lead)], 1)
    blocked = await scalar(messaging.engine, """
        SELECT string_agg(purpose || ':' || blocked_reason, ',' ORDER BY purpose) FROM sends
        WHERE lead_id = :l AND status = 'blocked'""", l=lead)
    assert blocked == "follow_up:do_not_contact,reminder:do_not_contact,reply:do_not_contact"
    other_texts = [m.body for m in twilio.state.sent_to(OTHER)]
    assert "Hi Lead from Ace Plumbing" not in other_texts and any("from Ace Plumbing" in t for t in other_texts)


async def test_follow_ups_for_chosen_leads_are_scheduled_once_per_request_and_lead(messaging, openai, clock):
    client_id, [number] = await client(messaging)
    leads = [str(await a_lead(messaging, openai, number, phone)) for phone in (LEAD, OTHER)]
    first = await messaging.automations.schedule_follow_ups(client_id, "r1", "Hi {name}", leads, clock())
    again = await messaging.automations.schedule_follow_ups(client_id, "r1", "Hi {name}", leads, clock())
    assert (first.scheduled, first.already, again.scheduled, again.already) == (2, 0, 0, 2)
    assert await scalar(messaging.engine, "SELECT count(*) FROM scheduled_messages") == 2


async def test_a_callback_asked_twice_is_one_escalation_request_with_its_due_time(messaging, openai, clock):
    client_id, [number] = await client(messaging)
    lead = await a_lead(messaging, openai, number, LEAD)
    due = clock() + timedelta(days=1)
    for _ in range(2):
        await messaging.lead_commands.request_callback(client_id, lead, "cb-1", due, "about the boiler")
    requests = await outbox(messaging.engine, "messaging.events", "EscalationRequested")
    callbacks = [r for r in requests if r["payload"]["request_id"].startswith("callback:")]
    assert len({r["payload"]["request_id"] for r in callbacks}) == 1  # escalation keeps one per request id
    assert callbacks[0]["payload"]["due_at"].startswith(due.isoformat()[:19])
    assert callbacks[0]["payload"]["reason"] == "call back: about the boiler"
    with pytest.raises(Unprocessable):
        await messaging.lead_commands.request_callback(client_id, lead, "cb-2", clock() - timedelta(minutes=1), "")


async def test_a_message_scheduled_by_hand_waits_for_its_time_and_is_sent_once(messaging, twilio, openai, clock):
    client_id, [number] = await client(messaging)
    lead = await a_lead(messaging, openai, number, LEAD)
    for _ in range(2):
        await messaging.lead_commands.schedule_message(client_id, lead, "s-1", "See you at 9!",
                                                       clock() + timedelta(hours=2))
    assert [m["body"] for m in (await messaging.lead_commands.scheduled(client_id, lead))["data"]] == ["See you at 9!"]
    assert await messaging.scheduler.run_once() == 0
    clock.advance(hours=2)
    assert await messaging.scheduler.run_once() == 1
    await SendQueue(messaging).drain()
    assert [m.body for m in twilio.state.sent_to(LEAD)].count("See you at 9!") == 1
    assert (await messaging.lead_commands.scheduled(client_id, lead))["data"] == []
