"""Story (3) of issue #15: a dispute opened at Stripe reaches the people who answer for the
client's billing, once each, by the channel they have — Stripe's webhook through ingress
(delivered three times, as Stripe does when it does not hear our answer) to billing,
billing's DisputeOpened to identity, identity's SendMessage commands to messaging.

The e-mail is asserted where it leaves identity's hands: the SendMessage addressed to the
e-mail on `messaging.commands`. E-mail delivery (Resend, in messaging) is being built beside
this change; once it is merged, this test should follow the e-mail to the Resend fake."""
from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import create_async_engine

from identity.service_layer.tenants import Tenants
from revgen_common.envelope import Envelope
from revgen_common.topics import (BILLING_GROUP, IDENTITY_GROUP, MESSAGING_COMMANDS, MESSAGING_GROUP,
                                  MESSAGING_SENDER_GROUP)
from revgen_ops.lag import observe
from tests.e2e.conftest import System, serving
from tests.support.kafka_io import read_all
from tests.support.running import eventually

AGENCY_OWNER = "+16465550301"  # an owner with a phone: told by SMS
CLIENT_OWNER = "cleo@ace-plumbing.example"  # an owner with an e-mail address: told by e-mail
CUSTOMER = "+16465550377"


async def test_a_dispute_delivered_three_times_tells_the_owners_once_by_sms_and_once_by_email(system: System):
    async with serving(system, "messaging"), serving(system, "billing") as billing, serving(system, "identity"):
        client_id = await agency_with_client(system)
        assert (await billing.post("/plans", json={"id": "pro", "name": "Pro", "amount_cents": 9900})).status_code == 201
        created = await billing.post("/subscriptions", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
            "client_id": client_id, "plan_id": "pro", "phone": CUSTOMER})
        assert created.status_code == 201, created.text
        await system.deliver_stripe_events()
        [charge] = system.stripe.charges.values()

        system.stripe.open_dispute(charge["id"])
        opened = await system.deliver_stripe_events(times=3)
        assert [e["type"] for e in opened] == ["charge.dispute.created"]
        await eventually(lambda: texted(system, AGENCY_OWNER), timeout=60, interval=0.5)
        await eventually(lambda: emails_commanded(system), timeout=60, interval=0.5)
        await eventually(lambda: caught_up(system), timeout=60, interval=1.0)

    [sms] = system.twilio.sent_to(AGENCY_OWNER)
    assert "disputed" in sms.body and "99.00 USD" in sms.body and "Ace Plumbing" in sms.body
    [email] = await emails_commanded(system)
    assert email["subject"] == "Payment disputed for Ace Plumbing" and email["purpose"] == "alert"
    assert system.twilio.sent_to(CLIENT_OWNER) == []


async def agency_with_client(system: System) -> str:
    """The agency and its client as an operator sets them up (`identity.admin create-agency`),
    with the client's owner added by the agency's owner."""
    engine = create_async_engine(system.database_urls["identity"])
    try:
        tenants = Tenants(engine)
        agency, owner = await tenants.create_agency("Acme Agency", AGENCY_OWNER, "Ada Owner")
        client = (await tenants.create_client(owner, agency, "Ace Plumbing"))["id"]
        await tenants.add_member(owner, uuid.UUID(client), CLIENT_OWNER, "Cleo Owner", "client_owner")
    finally:
        await engine.dispose()
    return client


async def texted(system: System, phone: str) -> bool:
    return bool(system.twilio.sent_to(phone))


async def emails_commanded(system: System) -> list[dict]:
    """The SendMessage payloads addressed to the client owner's e-mail on messaging.commands."""
    records = await read_all(system.bootstrap_servers, MESSAGING_COMMANDS.name, idle_seconds=0.3)
    payloads = [Envelope.from_bytes(r.value).payload for r in records]
    return [p for p in payloads if p["to"] == CLIENT_OWNER]


async def caught_up(system: System) -> bool:
    """Billing, identity and messaging (both groups) have read everything: nothing more is on its way."""
    observed = await observe(system.bootstrap_servers, [g.name for g in (BILLING_GROUP, IDENTITY_GROUP, MESSAGING_GROUP,
                                                                         MESSAGING_SENDER_GROUP)])
    return all(g.partitions and g.lag == 0 for g in observed)
