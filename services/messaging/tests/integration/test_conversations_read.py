"""What the admin UI reads and does with a lead: the conversation in order with each outbound
message's delivery state, a reply by hand queued once per reply id (and blocked for a lead
who opted out), the events open pages follow, leads newest first with a forged cursor refused."""
import uuid

import pytest

from messaging.handlers import inbound_handlers
from messaging.service_layer import delivery
from messaging.service_layer.lead_views import UnknownLead
from messaging_testing import SendQueue, apply, client, inbound_sms, outbox, scalar, twilio_event
from revgen_common.contracts.webhooks import TwilioMessageReceived
from revgen_common.pagination import InvalidCursor, encode_cursor

LEAD = "+12125550163"


async def a_conversation(messaging, openai, number: str, client_id: str) -> str:
    openai.state.responder = lambda messages: "Happy to help! When suits you?"
    await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived],
                inbound_sms(number, LEAD, "Do you fix boilers?"))
    await SendQueue(messaging).drain()
    return str(await scalar(messaging.engine, "SELECT id FROM leads WHERE client_id = :c", c=client_id))


async def test_the_conversation_shows_each_message_in_order_with_its_delivery_state(messaging, twilio, openai):
    client_id, [number] = await client(messaging)
    lead = await a_conversation(messaging, openai, number, client_id)
    views = messaging.lead_views
    thread = await views.conversation(client_id, uuid.UUID(lead), 50, None)
    assert [(m["direction"], m["body"], m["delivery"]) for m in thread["data"]] == [
        ("out", "Happy to help! When suits you?", "queued"), ("in", "Do you fix boilers?", None)]
    sid = twilio.state.sent_to(LEAD)[0].sid
    for status in ("sent", "delivered", "sent"):  # a late "sent" never takes "delivered" back
        await apply(messaging.engine, delivery.status_received, twilio_event(
            "TwilioMessageStatusReceived", {"MessageSid": sid, "MessageStatus": status, "To": LEAD, "From": number}))
    thread = await views.conversation(client_id, uuid.UUID(lead), 50, None)
    assert thread["data"][0]["delivery"] == "delivered"
    changes = await outbox(messaging.engine, "messaging.events", "MessageStatusChanged")
    assert [c["payload"]["status"] for c in changes] == ["sent", "delivered"]  # each move once, none backwards
    assert all(c["payload"]["lead_id"] == lead for c in changes)
    with pytest.raises(UnknownLead):
        await views.conversation(f"client-{uuid.uuid4().hex[:6]}", uuid.UUID(lead), 50, None)  # not its client's


async def test_an_inbound_sms_delivered_twice_is_announced_to_open_pages_once(messaging, openai):
    client_id, [number] = await client(messaging)
    sms = inbound_sms(number, LEAD, "Hello?")
    for _ in range(2):
        await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived],
                    sms.model_copy(update={"event_id": uuid.uuid4()}))
    received = await outbox(messaging.engine, "messaging.events", "MessageReceived")
    assert [(r["payload"]["lead_phone"], r["payload"]["client_id"]) for r in received] == [(LEAD, client_id)]


async def test_a_reply_by_hand_is_queued_once_per_reply_id_and_blocked_for_a_lead_who_opted_out(
        messaging, twilio, openai):
    client_id, [number] = await client(messaging)
    lead = uuid.UUID(await a_conversation(messaging, openai, number, client_id))
    for _ in range(3):  # a double click, a resent form
        queued = await messaging.lead_views.reply(client_id, lead, "reply-1", "We can come at 9.")
    await SendQueue(messaging).drain()
    assert [m.body for m in twilio.state.sent_to(LEAD)].count("We can come at 9.") == 1
    assert queued["status"] == "pending"  # as it was when first queued: the answer replays

    await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived], inbound_sms(number, LEAD, "STOP"))
    await SendQueue(messaging).drain()
    assert (await messaging.lead_views.lead(client_id, lead))["opted_out"] is True
    await messaging.lead_views.reply(client_id, lead, "reply-2", "Are you still there?")
    await SendQueue(messaging).drain()
    assert "Are you still there?" not in [m.body for m in twilio.state.sent_to(LEAD)]
    thread = await messaging.lead_views.conversation(client_id, lead, 50, None)
    assert [(u["body"], u["status"]) for u in thread["unsent"]] == [("Are you still there?", "blocked")]


async def test_leads_are_newest_first_a_page_at_a_time_and_a_forged_cursor_is_refused(messaging, openai, clock):
    client_id, [number] = await client(messaging)
    for i in range(5):
        await apply(messaging.engine, inbound_handlers(messaging)[TwilioMessageReceived],
                    inbound_sms(number, f"+1212555{i:04d}", "Hi"))
        clock.advance(minutes=1)
    first = await messaging.lead_views.leads(client_id, 2, None)
    rest = await messaging.lead_views.leads(client_id, 10, first["next"])
    phones = [lead["phone"] for lead in first["data"] + rest["data"]]
    assert phones == [f"+1212555{i:04d}" for i in reversed(range(5))] and rest["next"] is None
    for forged in ("%%%", encode_cursor("not a time", str(uuid.uuid4())), encode_cursor("2026-11-28T00:00:00")):
        with pytest.raises(InvalidCursor):
            await messaging.lead_views.leads(client_id, 2, forged)
    with pytest.raises(InvalidCursor):
        await messaging.lead_views.conversation(client_id, uuid.uuid4(), 2, encode_cursor(str(2**70)))
