"""A subscription cancelled at Stripe stops the client's service across the system (ADR
0012): Stripe's webhook through ingress to billing, billing's event to messaging; the
client's next inbound SMS, a signed webhook to ingress, is recorded and not answered, and
the client's owner is told once."""
from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from revgen_testing.running import eventually
from tests.e2e.conftest import System, serving
from tests.e2e.test_operations import all_caught_up

LEAD = "+16465550123"
OWNER = "+16465550199"
CUSTOMER = "+16465550177"


async def test_a_subscription_cancelled_at_stripe_leaves_the_next_inbound_sms_unanswered_and_the_owner_told_once(
        system: System):
    async with serving(system, "messaging") as messaging, serving(system, "billing") as billing:
        client_id, number = f"client-{uuid.uuid4().hex[:8]}", f"+1415555{uuid.uuid4().int % 10_000:04d}"
        profile = {"business_name": "Ace", "numbers": [number], "owner_phone": OWNER,
                   "quiet_start": "00:00", "quiet_end": "00:00"}
        assert (await messaging.put(f"/clients/{client_id}/profile", json=profile)).status_code == 200
        assert (await billing.post("/plans", json={"id": "pro", "name": "Pro", "amount_cents": 9900})).status_code == 201
        created = await billing.post("/subscriptions", headers={"Idempotency-Key": str(uuid.uuid4())}, json={
            "client_id": client_id, "plan_id": "pro", "phone": CUSTOMER})
        assert created.status_code == 201, created.text
        await system.deliver_stripe_events()
        await system.text_in(LEAD, number, "Do you fix boilers?")
        await eventually(lambda: sent(system, LEAD, 1), timeout=60, interval=0.5)  # served: answered

        system.stripe.cancel(created.json()["subscription_id"])  # at Stripe: billing learns by webhook
        deleted = await system.deliver_stripe_events()
        assert [e["type"] for e in deleted] == ["customer.subscription.deleted"]
        await eventually(lambda: sent(system, OWNER, 1), timeout=60, interval=0.5)

        await system.text_in(LEAD, number, "Hello? Anyone there?")
        await eventually(lambda: inbound_recorded(system, client_id, 2), timeout=60, interval=0.5)
        await eventually(lambda: all_caught_up(system), timeout=60, interval=1.0)
        # A reply would have been queued in the very transaction that recorded the SMS.
        assert await queued_to(system, LEAD) == 1

    assert [m.body for m in system.twilio.sent_to(LEAD)] == ["Happy to help! When suits you?"]
    [notice] = system.twilio.sent_to(OWNER)
    assert "Ace" in notice.body and "suspended" in notice.body and "cancelled" in notice.body


async def sent(system: System, phone: str, count: int) -> bool:
    return len(system.twilio.sent_to(phone)) >= count


async def queued_to(system: System, phone: str) -> int:
    engine = create_async_engine(system.database_urls["messaging"])
    try:
        async with engine.connect() as db:
            return await db.scalar(text("SELECT count(*) FROM sends WHERE to_number = :p"), {"p": phone})
    finally:
        await engine.dispose()


async def inbound_recorded(system: System, client_id: str, count: int) -> bool:
    engine = create_async_engine(system.database_urls["messaging"])
    try:
        async with engine.connect() as db:
            found = await db.scalar(text("SELECT count(*) FROM messages WHERE client_id = :c AND direction = 'in'"),
                                    {"c": client_id})
    finally:
        await engine.dispose()
    return found >= count
