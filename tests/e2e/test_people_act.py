"""Stories of issue #15 in which an outcome reaches the people who must act, on the whole
system (every service a story needs running, real Kafka and PostgreSQL, the provider fakes),
in one module so they share its broker.

(1) A lead texts that they need a person now → the client's team is texted a claim link
each → one member claims by the link (its GET, a link preview, claims nothing), the other is
refused and told who has it → the lead was answered once. The lead's SMS is a signed Twilio
webhook through ingress; messaging sees the lead ask for a person (by rule: "call me"),
sends its holding reply and requests an escalation; escalation knows the team from
identity's events and texts them through messaging and the Twilio fake. The claim is POSTed
to escalation's API as the gateway does for `/claim/{token}`.

(3) A dispute opened at Stripe reaches the people who answer for the client's billing, once
each, by the channel they have: Stripe's webhook through ingress (delivered three times, as
Stripe does when it does not hear our answer) to billing, billing's DisputeOpened to
identity, identity's SendMessage commands to messaging, which texts one owner at the Twilio
fake and e-mails the other at the Resend fake (its e-mail channel, ADR 0018). At 02:30 in New
York the owner's SMS still goes at once, while a follow-up to a lead waits for 08:00 (quiet
hours hold back what a business sends leads by itself, never its alerts to itself)."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import create_async_engine

from identity.service_layer.tenants import Tenants
from revgen_common.topics import (
    BILLING_GROUP,
    ESCALATION_GROUP,
    IDENTITY_EVENTS,
    IDENTITY_GROUP,
    MESSAGING_EMAIL_GROUP,
    MESSAGING_GROUP,
    MESSAGING_SENDER_GROUP,
)
from revgen_testing.kafka_io import group_caught_up
from revgen_testing.running import eventually
from tests.e2e.conftest import CLAIM_BASE_URL, System, serving

LEAD = "+16465550501"
MIA, MAX = "+16465550511", "+16465550512"  # the client's team
LINK = re.compile(re.escape(CLAIM_BASE_URL) + r"/claim/(\S+)$")
AGENCY_OWNER = "+16465550301"  # an owner with a phone: told by SMS
CLIENT_OWNER = "cleo@ace-plumbing.example"  # an owner with an e-mail address: told by e-mail
CUSTOMER = "+16465550377"
NEW_YORK = "America/New_York"  # where the owner's and the lead's (646) numbers ring


async def test_a_hot_lead_reaches_the_team_one_member_claims_by_link_and_the_lead_is_answered_once(system: System):
    async with serving(system, "identity"), serving(system, "escalation") as escalation, \
            serving(system, "messaging") as messaging:
        client_id = await agency_with_client(system, members=((MIA, "Mia"), (MAX, "Max")))
        number = f"+1415555{uuid.uuid4().int % 10_000:04d}"
        profile = {"business_name": "Ace Plumbing", "numbers": [number], "quiet_start": "00:00", "quiet_end": "00:00"}
        assert (await messaging.put(f"/clients/{client_id}/profile", json=profile)).status_code == 200
        # The team is known to escalation before the lead writes (its roster comes from identity.events).
        await eventually(lambda: group_caught_up(system.bootstrap_servers, ESCALATION_GROUP.name, IDENTITY_EVENTS.name),
                         timeout=60, interval=0.5)

        await system.text_in(LEAD, number, "My basement is flooding, please call me now")
        await eventually(lambda: texted(system, MIA, MAX), timeout=60, interval=0.5)
        [mia_link], [max_link] = links_to(system, MIA), links_to(system, MAX)

        preview = await escalation.get(f"/claim/{mia_link}")  # a phone's link preview fetches the GET
        assert preview.status_code == 200 and preview.json()["status"] == "pending"
        claimed = await escalation.post(f"/claim/{mia_link}")
        assert claimed.status_code == 200 and claimed.json()["lead_phone"] == LEAD
        late = await escalation.post(f"/claim/{max_link}")
        assert late.status_code == 409 and late.json()["owner"] == "Mia"

        await eventually(lambda: texted(system, MIA, MAX, count=2), timeout=60, interval=0.5)
        await eventually(lambda: system.caught_up(ESCALATION_GROUP, MESSAGING_GROUP, MESSAGING_SENDER_GROUP),
                         timeout=60, interval=1.0)

    assert [m.body for m in system.twilio.sent_to(LEAD)] == [
        "Thanks for your message! Someone from Ace Plumbing will get back to you shortly."]
    assert system.twilio.sent_to(MIA)[-1].body == f"It's yours: call {LEAD} at {LEAD}."
    assert system.twilio.sent_to(MAX)[-1].body == f"Mia is handling {LEAD}."


async def test_a_dispute_delivered_three_times_tells_the_owners_once_by_sms_and_once_by_email(system: System):
    async with serving(system, "messaging"), serving(system, "billing") as billing, serving(system, "identity"):
        client_id = await agency_with_client(system, members=((CLIENT_OWNER, "Cleo Owner"),), role="client_owner")
        opened = await subscribe_and_dispute(system, billing, client_id, deliveries=3)
        assert [e["type"] for e in opened] == ["charge.dispute.created"]
        await eventually(lambda: texted(system, AGENCY_OWNER), timeout=60, interval=0.5)
        await eventually(lambda: emailed(system, CLIENT_OWNER), timeout=60, interval=0.5)
        await eventually(lambda: system.caught_up(BILLING_GROUP, IDENTITY_GROUP, MESSAGING_GROUP, MESSAGING_SENDER_GROUP,
                                                  MESSAGING_EMAIL_GROUP), timeout=60, interval=1.0)

    [sms] = system.twilio.sent_to(AGENCY_OWNER)
    assert "disputed" in sms.body and "99.00 USD" in sms.body and "Ace Plumbing" in sms.body
    [email] = system.resend.sent_to(CLIENT_OWNER)  # through messaging's e-mail channel, at the Resend fake
    assert email.subject == "Payment disputed for Ace Plumbing" and "99.00 USD" in email.text
    assert system.twilio.sent_to(CLIENT_OWNER) == []


async def test_at_half_past_two_a_dispute_texts_the_owner_at_once_while_a_follow_up_to_a_lead_waits_for_eight(
        system: System):
    night = system.clock.next_local(NEW_YORK, time(2, 30))
    async with serving(system, "messaging") as messaging, serving(system, "billing") as billing, \
            serving(system, "identity"):
        client_id = await agency_with_client(system, members=())
        number = f"+1415555{uuid.uuid4().int % 10_000:04d}"
        profile = {"business_name": "Ace Plumbing", "numbers": [number]}  # quiet hours 21:00-08:00, New York's
        assert (await messaging.put(f"/clients/{client_id}/profile", json=profile)).status_code == 200
        await system.text_in(LEAD, number, "Do you fix boilers?")
        await eventually(lambda: texted(system, LEAD), timeout=60, interval=0.5)  # a reply: it answers the lead
        [lead] = (await messaging.get(f"/clients/{client_id}/leads")).json()["data"]
        run = {"run_id": "night-follow-up", "template": "Still need a plumber, {name}?", "lead_ids": [lead["id"]]}
        assert (await messaging.post(f"/clients/{client_id}/automations/follow-ups", json=run)).status_code == 200
        [waiting] = await eventually(lambda: deferred(messaging, client_id, lead["id"]), timeout=60, interval=0.5)

        await subscribe_and_dispute(system, billing, client_id)
        await eventually(lambda: texted(system, AGENCY_OWNER), timeout=60, interval=0.5)
        assert len(system.twilio.sent_to(LEAD)) == 1  # the follow-up is still waiting

        morning = system.clock.next_local(NEW_YORK, time(8, 0))
        await eventually(lambda: texted(system, LEAD, count=2), timeout=60, interval=0.5)

    [sms] = system.twilio.sent_to(AGENCY_OWNER)
    assert "disputed" in sms.body and "Ace Plumbing" in sms.body and sms.date_created == night  # at Twilio by 02:30
    assert waiting["purpose"] == "follow_up" and waiting["status"] == "deferred"
    assert datetime.fromisoformat(waiting["not_before"]).astimezone(ZoneInfo(NEW_YORK)).time() == time(8, 0)
    follow_up = system.twilio.sent_to(LEAD)[-1]
    assert follow_up.body == "Still need a plumber, there?" and follow_up.date_created == morning


async def subscribe_and_dispute(system: System, billing, client_id: str, deliveries: int = 1) -> list[dict]:
    """The client subscribes (its first charge paid), then the customer disputes that charge
    at Stripe; the events Stripe sent about the dispute, each delivered `deliveries` times."""
    assert (await billing.post("/plans", json={"id": "pro", "name": "Pro", "amount_cents": 9900})).status_code == 201
    created = await billing.post("/subscriptions", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
        "client_id": client_id, "plan_id": "pro", "phone": CUSTOMER})
    assert created.status_code == 201, created.text
    await system.deliver_stripe_events()
    [charge] = system.stripe.charges.values()
    system.stripe.open_dispute(charge["id"])
    return await system.deliver_stripe_events(times=deliveries)


async def deferred(messaging, client_id: str, lead_id: str) -> list[dict]:
    """The lead's sends waiting out quiet hours, from the lead's conversation."""
    unsent = (await messaging.get(f"/clients/{client_id}/leads/{lead_id}/messages")).json()["unsent"]
    return [u for u in unsent if u["status"] == "deferred"]


async def agency_with_client(system: System, members: tuple[tuple[str, str], ...], role: str = "client_member") -> str:
    """An agency (its owner told by SMS), its client "Ace Plumbing" and the client's `members`,
    set up as the operator's command and the agency's owner do."""
    engine = create_async_engine(system.database_urls["identity"])
    try:
        tenants = Tenants(engine, system.clock)
        agency, owner = await tenants.create_agency("Acme Agency", AGENCY_OWNER, "Ada Owner")
        client = (await tenants.create_client(owner, agency, "Ace Plumbing"))["id"]
        for identifier, name in members:
            await tenants.add_member(owner, uuid.UUID(client), identifier, name, role)
    finally:
        await engine.dispose()
    return client


async def texted(system: System, *phones: str, count: int = 1) -> bool:
    return all(len(system.twilio.sent_to(phone)) >= count for phone in phones)


def links_to(system: System, phone: str) -> list[str]:
    return [m.group(1) for sms in system.twilio.sent_to(phone) if (m := LINK.search(sms.body))]


async def emailed(system: System, address: str) -> list:
    return system.resend.sent_to(address)
